"""OSS buckets and objects: metadata in the store, object bytes in files under the data dir."""

from __future__ import annotations

from pathlib import Path

from ecsim.clock import Clock
from ecsim.store.base import Store

__all__ = ["ObjectStorage"]


class ObjectStorage:
    def __init__(self, store: Store, clock: Clock, root: Path) -> None:
        self._store = store
        self._clock = clock
        self._root = root

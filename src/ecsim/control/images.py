"""Images: the public (system) image catalog, and lookups for launching instances."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.tags import Tags
from ecsim.store.base import Store

__all__ = ["Images"]


class Images:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tags: Tags,
    ) -> None:
        self._store = store
        self._clock = clock
        self._tags = tags

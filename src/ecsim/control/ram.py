"""RAM, just what faascmd needs: roles, policies, and whether a role may read a bucket."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.ids import IdFactory
from ecsim.store.base import Store

__all__ = ["Ram"]


class Ram:
    def __init__(self, store: Store, ids: IdFactory, clock: Clock) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock

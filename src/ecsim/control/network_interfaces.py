"""Network interfaces (ENIs): create, attach, detach, delete, describe, their security groups."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["NetworkInterfaces"]


class NetworkInterfaces:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        tags: Tags,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._tags = tags

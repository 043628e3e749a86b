"""Snapshots: the ECS snapshots API over the block storage engine (ecsim.storage)."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.storage import BlockStore
from ecsim.store.base import Store

__all__ = ["Snapshots"]


class Snapshots:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        blocks: BlockStore,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._catalog = catalog
        self._tags = tags
        self._blocks = blocks

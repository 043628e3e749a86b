"""Instances: launch, the lifecycle state machine, attributes, public addresses."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.images import Images
from ecsim.control.tags import Tags
from ecsim.delays import Delays
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["Instances"]


class Instances:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        images: Images,
        delays: Delays,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._catalog = catalog
        self._tags = tags
        self._images = images
        self._delays = delays

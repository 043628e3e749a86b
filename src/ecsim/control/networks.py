"""VPCs and vSwitches: CIDR rules, zones, Pending -> Available, dependency checks."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["Networks"]


class Networks:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        catalog: Catalog,
        limits: Limits,
        tags: Tags,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._limits = limits
        self._tags = tags

"""VPCs and vSwitches: CIDR rules, zones, Pending -> Available, dependency checks.

One service for the network family, as ``app`` wires it; the use cases live in ``vpcs`` and
``vswitches`` and are reached as ``networks.vpcs`` and ``networks.vswitches``.
"""

from __future__ import annotations

from datetime import timedelta

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.tags import Tags
from ecsim.control.vpcs import Vpcs
from ecsim.control.vswitches import VSwitches
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["READY_DELAY", "Networks"]

# How long a new VPC or vSwitch stays Pending. Nothing is built behind it yet, so the first
# Describe already says Available; a realistic-delays profile passes a few seconds instead.
READY_DELAY = timedelta(0)


class Networks:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        catalog: Catalog,
        limits: Limits,
        tags: Tags,
        *,
        ready_delay: timedelta = READY_DELAY,
    ) -> None:
        self.vpcs = Vpcs(store, ids, clock, limits, tags, ready_delay=ready_delay)
        self.vswitches = VSwitches(
            store, ids, clock, catalog, limits, tags, ready_delay=ready_delay
        )

"""Keeps the data plane in step with the database.

After every change the API commits, ``apply`` hands the driver a fresh plan; a periodic
``tick`` catches what time alone changes (scheduled status transitions) and what the
instances do by themselves (an instance that powered itself off becomes Stopped, as on ECS).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from ipaddress import IPv4Address

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.dataplane_plan import PlanBuilder
from ecsim.dataplane.driver import Dataplane, InstanceRuntime
from ecsim.dataplane.plan import InstancePlan, WorldPlan
from ecsim.model.instance import InstanceStatus
from ecsim.store.base import Store

__all__ = ["DataplaneSync"]

log = logging.getLogger("ecsim.dataplane")

# Building a plan reads every instance: between changes (each applies at once) it is rebuilt
# this often only, for transitions that happen by time alone (--realistic-delays).
_TIMED_APPLY_SECONDS = 1.0


class DataplaneSync:
    def __init__(self, store: Store, clock: Clock, builder: PlanBuilder, driver: Dataplane) -> None:
        self._store = store
        self._clock = clock
        self._builder = builder
        self._driver = driver
        self._instances = InstanceRepository(store)
        self._last: WorldPlan | None = None
        self._addresses: dict[tuple[str, IPv4Address], InstancePlan] = {}
        self._next_timed_apply = 0.0

    @property
    def enabled(self) -> bool:
        return self._driver.name != "none"

    @property
    def driver(self) -> Dataplane:
        return self._driver

    def apply(self) -> None:
        if not self.enabled:
            return
        plan = self._builder.build(self._clock.now())
        if plan != self._last:
            self._driver.apply(plan)
            self._last = plan
            self._addresses = {
                (instance.network_id, port.address): instance
                for instance in plan.instances
                if instance.running
                for port in instance.ports
            }

    def tick(self) -> None:
        """Pick up instances that ended by themselves, and now and then converge again for
        what time alone changes (scheduled status transitions)."""
        if not self.enabled:
            return
        exited = self._driver.poll_exited()
        moment = time.monotonic()
        if not exited and moment < self._next_timed_apply:
            return
        self._next_timed_apply = moment + _TIMED_APPLY_SECONDS
        if exited:
            now = self._clock.now()
            with self._store.transaction():
                for instance_id in exited:
                    instance = self._instances.find(instance_id)
                    if instance is None or instance.status_at(now) is InstanceStatus.STOPPED:
                        continue
                    log.info("instance %s powered itself off", instance_id)
                    self._instances.save(
                        replace(
                            instance.settled(now),
                            status=InstanceStatus.STOPPED,
                            scheduled=(),
                            stopped_mode="KeepCharging",
                        )
                    )
        self.apply()

    def instance_at(self, network_id: str, address: IPv4Address) -> InstancePlan | None:
        """The running instance with ``address`` in ``network_id`` (the metadata caller)."""
        return self._addresses.get((network_id, address))

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        return self._driver.runtime(instance_id)

    def console_output(self, instance_id: str) -> bytes:
        return self._driver.console_output(instance_id)

    @contextmanager
    def disk_frozen(self, disk_id: str) -> Iterator[None]:
        """The file systems a running instance has mounted from the disk stay frozen for the
        block (a snapshot reads the disk meanwhile)."""
        if not self.enabled:
            yield
            return
        self._driver.freeze_disk(disk_id)
        try:
            yield
        finally:
            self._driver.thaw_disk(disk_id)

    def release_disk(self, disk_id: str) -> None:
        """Wait until no instance on its way down holds the disk (it is rewritten next)."""
        if self.enabled:
            self._driver.release_disk(disk_id)

    def close(self) -> None:
        self._driver.close(keep_instances=False)

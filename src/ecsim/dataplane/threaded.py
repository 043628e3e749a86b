"""Runs a driver on one thread of its own.

The server's thread runs the event loop; the netlink library runs an event loop of its own
inside every synchronous call, which cannot nest in a running one. Every driver call is
therefore made on one dedicated thread (which also keeps namespace switches off the server's
thread), and the caller waits for it: a call still returns only once the kernel has followed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ecsim.dataplane.driver import Dataplane, InstanceRuntime
from ecsim.dataplane.plan import WorldPlan

__all__ = ["ThreadedDataplane"]

log = logging.getLogger("ecsim.dataplane")

_T = TypeVar("_T")


class ThreadedDataplane:
    def __init__(self, make: Callable[[], Dataplane]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecsim-dataplane")
        self._driver = self._executor.submit(make).result()
        self.name = self._driver.name

    def _call(self, work: Callable[[], _T]) -> _T:
        return self._executor.submit(work).result()

    def apply(self, plan: WorldPlan) -> bool:
        if self._call(lambda: self._driver.apply(plan)):
            # queued, not awaited: whatever the driver is asked next waits behind it. Only
            # when there is work: the thread's Python would otherwise hold the interpreter
            # lock while the caller waits to send its answer
            self._executor.submit(self._settle)
        return False

    def settle(self) -> None:
        self._call(self._settle)

    def _settle(self) -> None:
        try:
            self._driver.settle()
        except Exception:
            log.exception("data plane: settling failed; the next change retries it")

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        return self._call(lambda: self._driver.runtime(instance_id))

    def console_output(self, instance_id: str) -> bytes:
        return self._call(lambda: self._driver.console_output(instance_id))

    def poll_exited(self) -> list[str]:
        return self._call(self._driver.poll_exited)

    def freeze_disk(self, disk_id: str) -> None:
        self._call(lambda: self._driver.freeze_disk(disk_id))

    def thaw_disk(self, disk_id: str) -> None:
        self._call(lambda: self._driver.thaw_disk(disk_id))

    def release_disk(self, disk_id: str) -> None:
        self._call(lambda: self._driver.release_disk(disk_id))

    def close(self, *, keep_instances: bool) -> None:
        try:
            self._call(lambda: self._driver.close(keep_instances=keep_instances))
        finally:
            self._executor.shutdown(wait=True)

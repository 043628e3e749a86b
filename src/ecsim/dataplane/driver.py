"""The interface between the control layer and the kernel.

The control layer builds a ``WorldPlan`` after every change and hands it to ``apply``; the
driver converges. Instances that stop by themselves (``poweroff`` inside, or their init
exiting) are reported through ``exited``, so the API can show them Stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ecsim.dataplane.plan import WorldPlan

__all__ = ["Dataplane", "InstanceRuntime", "NoDataplane"]


@dataclass(frozen=True, slots=True)
class InstanceRuntime:
    """What ``ecsim exec`` needs to enter a running instance."""

    instance_id: str
    pid: int
    netns: str


class Dataplane(Protocol):
    name: str

    def apply(self, plan: WorldPlan) -> bool:
        """Converge the kernel to ``plan``; failures are logged per object and retried by the
        next ``apply`` (the plan stays the truth). True when ``settle`` has work left."""

    def settle(self) -> None:
        """Finish what ``apply`` left to do after the caller has its answer (starting the
        processes of instances whose network is already in place)."""

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        """The running instance's init process, or None when it is not running."""

    def console_output(self, instance_id: str) -> bytes:
        """What the instance's init printed (its console), newest last."""

    def poll_exited(self) -> list[str]:
        """Instances whose init exited without being asked to since the last call."""

    def freeze_disk(self, disk_id: str) -> None:
        """Freeze the file systems a running instance has mounted from the disk (a snapshot
        reads it next); ``thaw_disk`` ends that."""

    def thaw_disk(self, disk_id: str) -> None: ...

    def release_disk(self, disk_id: str) -> None:
        """Return once no instance on its way down still holds the disk (it is rewritten
        next)."""

    def close(self, *, keep_instances: bool) -> None:
        """Stop managing. ``keep_instances``: leave them running (a restart adopts them)."""


class NoDataplane:
    """API only (``--dataplane none``): nothing is created in the kernel."""

    name = "none"

    def apply(self, plan: WorldPlan) -> bool:
        return False

    def settle(self) -> None:
        return None

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        return None

    def console_output(self, instance_id: str) -> bytes:
        return b""

    def poll_exited(self) -> list[str]:
        return []

    def freeze_disk(self, disk_id: str) -> None:
        return None

    def thaw_disk(self, disk_id: str) -> None:
        return None

    def release_disk(self, disk_id: str) -> None:
        return None

    def close(self, *, keep_instances: bool) -> None:
        return None

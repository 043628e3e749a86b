"""The instance state machine of reference §3.1: which status each operation needs, and the
transitions it plans.

``Pending -> Starting -> Running <-> Stopping -> Stopped``. Every step lasts ``step``
(``Delays.instance_step``: zero by default, so a poll right after the call already sees the
end state; 5 s with --realistic-delays, so polls see each state in turn). Each function
reads the status at ``now`` (due transitions applied) before deciding, and returns the
instance with its new plan, or raises the documented refusal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ecsim.control.error_builders import fixed
from ecsim.model.instance import (
    Instance,
    InstanceNetworkType,
    InstanceStatus,
    ScheduledStatus,
)
from ecsim.model.instance_spec import LaunchMode

__all__ = [
    "NOT_STOPPED",
    "SETTLED",
    "STOPPED_MODES",
    "check_deletable",
    "check_unlocked",
    "incorrect_status",
    "is_initializing",
    "launched",
    "rebooted",
    "require_settled",
    "started",
    "stopped",
]

# StopInstance's StoppedMode values, and what an instance that is not stopped shows.
NOT_STOPPED = "Not-applicable"
STOPPED_MODES = ("StopCharging", "KeepCharging")
# What an instance must be in for most changes short of the state machine's own (its groups,
# interfaces, key pair, public address): settled, neither on its way up nor down.
SETTLED = frozenset({InstanceStatus.RUNNING, InstanceStatus.STOPPED})

incorrect_status = fixed(
    "The current status of the resource does not support this operation.",
    code="IncorrectInstanceStatus",
    http_status=403,
)
_initializing = fixed(
    "The specified instance status does not support this operation.",
    code="IncorrectInstanceStatus.Initializing",
    http_status=403,
)
_locked = fixed(
    "The specified operation is denied as your instance is locked for security reasons.",
    code="InstanceLockedForSecurity",
    http_status=403,
)
_protected = fixed(
    "The operation is not allowed due to deletion protection.",
    code="InvalidOperation.DeletionProtection",
    http_status=403,
)
_classic_stop_charging = fixed(
    "Classic network Instance  does not support this operation.",
    code="InvalidInstanceId.NotSupport",
    http_status=403,
)

_SECURITY_LOCK = "security"


def launched(instance: Instance, now: datetime, step: timedelta, mode: LaunchMode) -> Instance:
    """A new instance's plan: Pending, then Starting and Running (RunInstances) or Stopped
    (CreateInstance). A launch start counts as a start: ``started_at`` is the creation time."""
    plan: tuple[ScheduledStatus, ...]
    if mode is LaunchMode.RUN:
        plan = (
            ScheduledStatus(InstanceStatus.STARTING, now + step),
            ScheduledStatus(InstanceStatus.RUNNING, now + 2 * step),
        )
        return replace(instance, status=InstanceStatus.PENDING, scheduled=plan, started_at=now)
    plan = (ScheduledStatus(InstanceStatus.STOPPED, now + step),)
    return replace(instance, status=InstanceStatus.PENDING, scheduled=plan, started_at=None)


def is_initializing(instance: Instance, now: datetime) -> bool:
    """Still being created: Pending, or Starting on its first boot (ECS refuses to release
    it then with IncorrectInstanceStatus.Initializing, and Packer retries on that code)."""
    status = instance.status_at(now)
    if status is InstanceStatus.PENDING:
        return True
    return status is InstanceStatus.STARTING and instance.started_at == instance.created_at


def started(instance: Instance, now: datetime, step: timedelta) -> Instance:
    _require(instance, now, InstanceStatus.STOPPED)
    planned = instance.scheduling(
        now,
        ScheduledStatus(InstanceStatus.STARTING, now),
        ScheduledStatus(InstanceStatus.RUNNING, now + step),
    )
    return replace(planned, started_at=now, stopped_mode=NOT_STOPPED)


def stopped(
    instance: Instance,
    now: datetime,
    step: timedelta,
    stopped_mode: str | None,
    *,
    force: bool = False,
) -> Instance:
    _require(instance, now, InstanceStatus.RUNNING)
    if stopped_mode == "StopCharging" and instance.network_type is InstanceNetworkType.CLASSIC:
        raise _classic_stop_charging()
    planned = instance.scheduling(
        now,
        ScheduledStatus(InstanceStatus.STOPPING, now),
        ScheduledStatus(InstanceStatus.STOPPED, now + step),
    )
    # Without StoppedMode ECS follows the account's economical-mode setting, off by default.
    return replace(planned, stopped_mode=stopped_mode or "KeepCharging", force_stop=force)


def rebooted(
    instance: Instance, now: datetime, step: timedelta, *, force: bool = False
) -> Instance:
    _require(instance, now, InstanceStatus.RUNNING)
    planned = instance.scheduling(
        now,
        ScheduledStatus(InstanceStatus.STARTING, now),
        ScheduledStatus(InstanceStatus.RUNNING, now + step),
    )
    return replace(planned, started_at=now, force_stop=force)


def check_deletable(instance: Instance, now: datetime, *, force: bool) -> None:
    """Stopped instances go; with Force, running (and starting or stopping) ones too; never
    one still being created, nor one with deletion protection."""
    check_unlocked(instance)
    if instance.deletion_protection:
        raise _protected()
    if is_initializing(instance, now):
        raise _initializing()
    if instance.status_at(now) is not InstanceStatus.STOPPED and not force:
        raise incorrect_status()


def require_settled(instance: Instance, now: datetime) -> None:
    """The instance is unlocked and Running or Stopped at ``now``."""
    check_unlocked(instance)
    if instance.status_at(now) not in SETTLED:
        raise incorrect_status()


def _require(instance: Instance, now: datetime, needed: InstanceStatus) -> None:
    check_unlocked(instance)
    if instance.status_at(now) is not needed:
        raise incorrect_status()


def check_unlocked(instance: Instance) -> None:
    """A security-locked instance refuses every operation."""
    if _SECURITY_LOCK in instance.locks:
        raise _locked()

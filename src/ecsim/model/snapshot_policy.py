"""Automatic snapshot policies: when to snapshot the disks that carry one, and for how long
to keep what it takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["MissedRun", "SnapshotPolicy"]


@dataclass(frozen=True)
class SnapshotPolicy:
    policy_id: str
    account_id: str
    region_id: str
    name: str
    # hours of the day, 0..23, in UTC+8 as ECS counts them
    time_points: tuple[int, ...]
    # ISO weekdays, Monday = 1 .. Sunday = 7, in UTC+8
    repeat_weekdays: tuple[int, ...]
    # -1: kept until deleted
    retention_days: int
    created_at: datetime
    # a disk carries at most one policy; the policy keeps the list
    disk_ids: tuple[str, ...] = ()
    resource_group_id: str = ""


@dataclass(frozen=True)
class MissedRun:
    """A time point the scheduler did not honour because the server was not running then."""

    policy_id: str
    account_id: str
    region_id: str
    due_at: datetime

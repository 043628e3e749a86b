"""Snapshots of a disk: a record per snapshot; its blocks live in the block store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

__all__ = ["Snapshot", "SnapshotStatus"]


class SnapshotStatus(Enum):
    PROGRESSING = "progressing"
    ACCOMPLISHED = "accomplished"
    FAILED = "failed"


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    account_id: str
    region_id: str
    name: str
    description: str
    source_disk_id: str
    source_disk_size_gib: int
    # "system" or "data", the source disk's type when taken
    source_disk_type: str
    source_disk_category: str
    created_at: datetime
    status: SnapshotStatus = SnapshotStatus.ACCOMPLISHED
    # None: kept until deleted
    retention_days: int | None = None
    resource_group_id: str = ""
    # "user" for CreateSnapshot; "auto" for a policy's
    snapshot_type: str = "user"

"""Block storage disks: a record per disk; its bytes live in the block store under its id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

__all__ = ["Disk", "DiskStatus", "DiskType"]


class DiskStatus(Enum):
    IN_USE = "In_use"
    AVAILABLE = "Available"


class DiskType(Enum):
    SYSTEM = "system"
    DATA = "data"


@dataclass(frozen=True)
class Disk:
    disk_id: str
    account_id: str
    region_id: str
    zone_id: str
    name: str
    description: str
    # the catalog's disk category value ("cloud_essd")
    category: str
    size_gib: int
    created_at: datetime
    status: DiskStatus = DiskStatus.AVAILABLE
    disk_type: DiskType = DiskType.DATA
    performance_level: str = ""
    instance_id: str = ""
    device: str = ""
    source_snapshot_id: str = ""
    delete_with_instance: bool = False
    delete_auto_snapshot: bool = True
    enable_auto_snapshot: bool = False
    portable: bool = True
    resource_group_id: str = ""
    attached_at: datetime | None = None
    detached_at: datetime | None = None

    @property
    def ever_attached(self) -> bool:
        """ECS snapshots only disks that have been attached at least once."""
        return self.attached_at is not None

"""Disk <-> the JSON document the store keeps."""

from __future__ import annotations

from datetime import datetime

from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_disk", "encode_disk"]

KIND = "disk"


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def encode_disk(disk: Disk) -> ResourceRecord:
    body = {
        "zone_id": disk.zone_id,
        "name": disk.name,
        "description": disk.description,
        "category": disk.category,
        "size_gib": disk.size_gib,
        "created_at": disk.created_at.isoformat(),
        "status": disk.status.value,
        "disk_type": disk.disk_type.value,
        "performance_level": disk.performance_level,
        "instance_id": disk.instance_id,
        "device": disk.device,
        "source_snapshot_id": disk.source_snapshot_id,
        "delete_with_instance": disk.delete_with_instance,
        "delete_auto_snapshot": disk.delete_auto_snapshot,
        "enable_auto_snapshot": disk.enable_auto_snapshot,
        "portable": disk.portable,
        "resource_group_id": disk.resource_group_id,
        "attached_at": _moment(disk.attached_at),
        "detached_at": _moment(disk.detached_at),
    }
    return ResourceRecord(KIND, disk.disk_id, disk.account_id, disk.region_id, body)


def decode_disk(record: ResourceRecord) -> Disk:
    body = record.body
    return Disk(
        disk_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        zone_id=body["zone_id"],
        name=body["name"],
        description=body["description"],
        category=body["category"],
        size_gib=body["size_gib"],
        created_at=datetime.fromisoformat(body["created_at"]),
        status=DiskStatus(body["status"]),
        disk_type=DiskType(body["disk_type"]),
        performance_level=body["performance_level"],
        instance_id=body["instance_id"],
        device=body["device"],
        source_snapshot_id=body["source_snapshot_id"],
        delete_with_instance=body["delete_with_instance"],
        delete_auto_snapshot=body["delete_auto_snapshot"],
        enable_auto_snapshot=body["enable_auto_snapshot"],
        portable=body["portable"],
        resource_group_id=body["resource_group_id"],
        attached_at=_parse(body["attached_at"]),
        detached_at=_parse(body["detached_at"]),
    )

"""Snapshot <-> the JSON document the store keeps."""

from __future__ import annotations

from datetime import datetime

from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_snapshot", "encode_snapshot"]

KIND = "snapshot"


def encode_snapshot(snapshot: Snapshot) -> ResourceRecord:
    body = {
        "name": snapshot.name,
        "description": snapshot.description,
        "source_disk_id": snapshot.source_disk_id,
        "source_disk_size_gib": snapshot.source_disk_size_gib,
        "source_disk_type": snapshot.source_disk_type,
        "source_disk_category": snapshot.source_disk_category,
        "created_at": snapshot.created_at.isoformat(),
        "status": snapshot.status.value,
        "retention_days": snapshot.retention_days,
        "resource_group_id": snapshot.resource_group_id,
        "snapshot_type": snapshot.snapshot_type,
    }
    return ResourceRecord(KIND, snapshot.snapshot_id, snapshot.account_id, snapshot.region_id, body)


def decode_snapshot(record: ResourceRecord) -> Snapshot:
    body = record.body
    return Snapshot(
        snapshot_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        name=body["name"],
        description=body["description"],
        source_disk_id=body["source_disk_id"],
        source_disk_size_gib=body["source_disk_size_gib"],
        source_disk_type=body["source_disk_type"],
        source_disk_category=body["source_disk_category"],
        created_at=datetime.fromisoformat(body["created_at"]),
        status=SnapshotStatus(body["status"]),
        retention_days=body["retention_days"],
        resource_group_id=body["resource_group_id"],
        snapshot_type=body["snapshot_type"],
    )

"""SnapshotPolicy and the scheduler's progress <-> the JSON documents the store keeps."""

from __future__ import annotations

from datetime import datetime

from ecsim.model.snapshot_policy import MissedRun, SnapshotPolicy
from ecsim.store.base import ResourceRecord

__all__ = [
    "KIND",
    "SCHEDULE_ID",
    "SCHEDULE_KIND",
    "decode_policy",
    "decode_schedule",
    "encode_policy",
    "encode_schedule",
]

KIND = "snapshot_policy"
# one record for the whole server: the scheduler is not per account
SCHEDULE_KIND = "snapshot_schedule"
SCHEDULE_ID = "scheduler"


def encode_policy(policy: SnapshotPolicy) -> ResourceRecord:
    body = {
        "name": policy.name,
        "time_points": list(policy.time_points),
        "repeat_weekdays": list(policy.repeat_weekdays),
        "retention_days": policy.retention_days,
        "created_at": policy.created_at.isoformat(),
        "disk_ids": list(policy.disk_ids),
        "resource_group_id": policy.resource_group_id,
    }
    return ResourceRecord(KIND, policy.policy_id, policy.account_id, policy.region_id, body)


def decode_policy(record: ResourceRecord) -> SnapshotPolicy:
    body = record.body
    return SnapshotPolicy(
        policy_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        name=body["name"],
        time_points=tuple(body["time_points"]),
        repeat_weekdays=tuple(body["repeat_weekdays"]),
        retention_days=body["retention_days"],
        created_at=datetime.fromisoformat(body["created_at"]),
        disk_ids=tuple(body["disk_ids"]),
        resource_group_id=body["resource_group_id"],
    )


def encode_schedule(last_tick: datetime, missed: list[MissedRun]) -> ResourceRecord:
    body = {
        "last_tick": last_tick.isoformat(),
        "missed": [
            {
                "policy_id": run.policy_id,
                "account_id": run.account_id,
                "region_id": run.region_id,
                "due_at": run.due_at.isoformat(),
            }
            for run in missed
        ],
    }
    return ResourceRecord(SCHEDULE_KIND, SCHEDULE_ID, "", "", body)


def decode_schedule(record: ResourceRecord) -> tuple[datetime, list[MissedRun]]:
    body = record.body
    missed = [
        MissedRun(
            item["policy_id"],
            item["account_id"],
            item["region_id"],
            datetime.fromisoformat(item["due_at"]),
        )
        for item in body["missed"]
    ]
    return datetime.fromisoformat(body["last_tick"]), missed

"""Instance <-> the JSON document the store keeps."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus, ScheduledStatus
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_instance", "encode_instance"]

KIND = "instance"

# fields stored as they are (str, int, bool); a record written before a field existed lacks
# it, and decodes with the field's default (``if name in body`` below)
_PLAIN = tuple(
    f.name
    for f in fields(Instance)
    if f.name
    not in {
        "instance_id",
        "account_id",
        "region_id",
        "network_type",
        "status",
        "scheduled",
        "created_at",
        "started_at",
        "locks",
    }
)


def encode_instance(instance: Instance) -> ResourceRecord:
    plain = asdict(instance)
    body: dict[str, Any] = {name: plain[name] for name in _PLAIN}
    body.update(
        network_type=instance.network_type.value,
        status=instance.status.value,
        scheduled=[[step.status.value, step.at.isoformat()] for step in instance.scheduled],
        created_at=instance.created_at.isoformat(),
        started_at=instance.started_at.isoformat() if instance.started_at else None,
        locks=list(instance.locks),
    )
    return ResourceRecord(KIND, instance.instance_id, instance.account_id, instance.region_id, body)


def decode_instance(record: ResourceRecord) -> Instance:
    body = record.body
    return Instance(
        instance_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        network_type=InstanceNetworkType(body["network_type"]),
        status=InstanceStatus(body["status"]),
        scheduled=tuple(
            ScheduledStatus(InstanceStatus(status), datetime.fromisoformat(at))
            for status, at in body["scheduled"]
        ),
        created_at=datetime.fromisoformat(body["created_at"]),
        started_at=datetime.fromisoformat(body["started_at"]) if body["started_at"] else None,
        locks=tuple(body["locks"]),
        **{name: body[name] for name in _PLAIN if name in body},
    )

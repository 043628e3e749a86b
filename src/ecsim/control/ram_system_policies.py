"""The few Alibaba Cloud system policies ecsim knows (RAM gives them to every account)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ecsim.model.ram import Policy, PolicyType

__all__ = ["system_policy"]

# Every system policy shows this creation date: they predate any account.
_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


def _document(action: str | list[str]) -> str:
    statement = {"Action": action, "Effect": "Allow", "Resource": "*"}
    return json.dumps({"Version": "1", "Statement": [statement]}, indent=4)


_SYSTEM: dict[str, tuple[str, str]] = {
    "AdministratorAccess": ("Full access to all Alibaba Cloud resources", _document("*")),
    "AliyunOSSFullAccess": ("Full access to Object Storage Service (OSS)", _document("oss:*")),
    "AliyunOSSReadOnlyAccess": (
        "Read-only access to Object Storage Service (OSS)",
        _document(["oss:Get*", "oss:List*"]),
    ),
    "AliyunECSFullAccess": ("Full access to Elastic Compute Service (ECS)", _document("ecs:*")),
}


def system_policy(name: str) -> Policy | None:
    entry = _SYSTEM.get(name)
    if entry is None:
        return None
    description, document = entry
    return Policy(
        account_id="",
        name=name,
        policy_type=PolicyType.SYSTEM,
        description=description,
        document=document,
        created_at=_EPOCH,
        updated_at=_EPOCH,
    )

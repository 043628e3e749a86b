"""Loading and saving RAM roles and custom policies (JSON documents in the store).

RAM is global, so rows carry the region ``global``; record ids join account and name because
names are the API's identifiers and unique per account only.
"""

from __future__ import annotations

from datetime import datetime

from ecsim.model.ram import AttachedPolicy, Policy, PolicyType, Role
from ecsim.store.base import ResourceRecord, Store

__all__ = ["GLOBAL_REGION", "POLICY_KIND", "ROLE_KIND", "RamRepository"]

ROLE_KIND = "ram_role"
POLICY_KIND = "ram_policy"
GLOBAL_REGION = "global"


def _record_id(account_id: str, name: str) -> str:
    return f"{account_id}/{name}"


def _encode_role(role: Role) -> ResourceRecord:
    body = {
        "role_id": role.role_id,
        "name": role.name,
        "description": role.description,
        "assume_role_policy_document": role.assume_role_policy_document,
        "created_at": role.created_at.isoformat(),
        "updated_at": role.updated_at.isoformat(),
        "max_session_duration": role.max_session_duration,
        "policies": [
            {
                "type": p.policy_type.value,
                "name": p.policy_name,
                "attached_at": p.attached_at.isoformat(),
            }
            for p in role.policies
        ],
    }
    return ResourceRecord(
        ROLE_KIND, _record_id(role.account_id, role.name), role.account_id, GLOBAL_REGION, body
    )


def _decode_role(record: ResourceRecord) -> Role:
    body = record.body
    return Role(
        account_id=record.account_id,
        role_id=body["role_id"],
        name=body["name"],
        description=body["description"],
        assume_role_policy_document=body["assume_role_policy_document"],
        created_at=datetime.fromisoformat(body["created_at"]),
        updated_at=datetime.fromisoformat(body["updated_at"]),
        max_session_duration=body["max_session_duration"],
        policies=tuple(
            AttachedPolicy(
                policy_type=PolicyType(p["type"]),
                policy_name=p["name"],
                attached_at=datetime.fromisoformat(p["attached_at"]),
            )
            for p in body["policies"]
        ),
    )


def _encode_policy(policy: Policy) -> ResourceRecord:
    body = {
        "name": policy.name,
        "description": policy.description,
        "document": policy.document,
        "created_at": policy.created_at.isoformat(),
        "updated_at": policy.updated_at.isoformat(),
        "default_version": policy.default_version,
    }
    return ResourceRecord(
        POLICY_KIND,
        _record_id(policy.account_id, policy.name),
        policy.account_id,
        GLOBAL_REGION,
        body,
    )


def _decode_policy(record: ResourceRecord) -> Policy:
    body = record.body
    return Policy(
        account_id=record.account_id,
        name=body["name"],
        policy_type=PolicyType.CUSTOM,
        description=body["description"],
        document=body["document"],
        created_at=datetime.fromisoformat(body["created_at"]),
        updated_at=datetime.fromisoformat(body["updated_at"]),
        default_version=body["default_version"],
    )


class RamRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find_role(self, account_id: str, name: str) -> Role | None:
        record = self._store.get_resource(ROLE_KIND, _record_id(account_id, name))
        return self._store.decoded(record, _decode_role) if record else None

    def roles(self, account_id: str) -> list[Role]:
        return self._store.list_decoded(ROLE_KIND, account_id, GLOBAL_REGION, _decode_role)

    def save_role(self, role: Role) -> None:
        self._store.put_resource(_encode_role(role), decoded=role)

    def delete_role(self, role: Role) -> None:
        self._store.delete_resource(ROLE_KIND, _record_id(role.account_id, role.name))

    def find_policy(self, account_id: str, name: str) -> Policy | None:
        record = self._store.get_resource(POLICY_KIND, _record_id(account_id, name))
        return self._store.decoded(record, _decode_policy) if record else None

    def policies(self, account_id: str) -> list[Policy]:
        return self._store.list_decoded(POLICY_KIND, account_id, GLOBAL_REGION, _decode_policy)

    def save_policy(self, policy: Policy) -> None:
        self._store.put_resource(_encode_policy(policy), decoded=policy)

    def delete_policy(self, policy: Policy) -> None:
        self._store.delete_resource(POLICY_KIND, _record_id(policy.account_id, policy.name))

"""KeyPair <-> the JSON document the store keeps (keyed by name: names are the API's ids)."""

from __future__ import annotations

from datetime import datetime

from ecsim.model.key_pair import KeyPair
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_key_pair", "encode_key_pair", "record_id"]

KIND = "key_pair"


def record_id(account_id: str, region_id: str, name: str) -> str:
    """Key pairs are named per account and region; the store needs one id across all."""
    return f"{account_id}/{region_id}/{name}"


def encode_key_pair(key_pair: KeyPair) -> ResourceRecord:
    body = {
        "key_pair_id": key_pair.key_pair_id,
        "name": key_pair.name,
        "public_key": key_pair.public_key,
        "fingerprint": key_pair.fingerprint,
        "created_at": key_pair.created_at.isoformat(),
        "resource_group_id": key_pair.resource_group_id,
    }
    return ResourceRecord(
        KIND,
        record_id(key_pair.account_id, key_pair.region_id, key_pair.name),
        key_pair.account_id,
        key_pair.region_id,
        body,
    )


def decode_key_pair(record: ResourceRecord) -> KeyPair:
    body = record.body
    return KeyPair(
        key_pair_id=body["key_pair_id"],
        account_id=record.account_id,
        region_id=record.region_id,
        name=body["name"],
        public_key=body["public_key"],
        fingerprint=body["fingerprint"],
        created_at=datetime.fromisoformat(body["created_at"]),
        resource_group_id=body.get("resource_group_id", ""),
    )

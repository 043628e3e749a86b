"""NetworkInterface <-> the JSON document the store keeps."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from ecsim.model.network_interface import NetworkInterface
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_network_interface", "encode_network_interface"]

KIND = "network_interface"


def encode_network_interface(eni: NetworkInterface) -> ResourceRecord:
    body = {
        "vpc_id": eni.vpc_id,
        "vswitch_id": eni.vswitch_id,
        "primary_ip": str(eni.primary_ip),
        "security_group_ids": list(eni.security_group_ids),
        "instance_id": eni.instance_id,
        "primary": eni.primary,
        "mac_address": eni.mac_address,
        "zone_id": eni.zone_id,
        "name": eni.name,
        "description": eni.description,
        "created_at": eni.created_at.isoformat() if eni.created_at else None,
    }
    return ResourceRecord(KIND, eni.eni_id, eni.account_id, eni.region_id, body)


def decode_network_interface(record: ResourceRecord) -> NetworkInterface:
    body = record.body
    return NetworkInterface(
        eni_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        vpc_id=body["vpc_id"],
        vswitch_id=body["vswitch_id"],
        primary_ip=ipaddress.IPv4Address(body["primary_ip"]),
        security_group_ids=tuple(body["security_group_ids"]),
        instance_id=body["instance_id"],
        primary=body.get("primary", True),
        mac_address=body.get("mac_address", ""),
        zone_id=body.get("zone_id", ""),
        name=body.get("name", ""),
        description=body.get("description", ""),
        created_at=datetime.fromisoformat(body["created_at"]) if body.get("created_at") else None,
    )

"""Vpc and VSwitch <-> the JSON documents the store keeps."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from ecsim.model.network import Vpc, VSwitch
from ecsim.store.base import ResourceRecord

__all__ = [
    "KIND_VPC",
    "KIND_VSWITCH",
    "decode_vpc",
    "decode_vswitch",
    "encode_vpc",
    "encode_vswitch",
]

KIND_VPC = "vpc"
KIND_VSWITCH = "vswitch"


def encode_vpc(vpc: Vpc) -> ResourceRecord:
    body = {
        "cidr_block": str(vpc.cidr_block),
        "name": vpc.name,
        "description": vpc.description,
        "vrouter_id": vpc.vrouter_id,
        "route_table_id": vpc.route_table_id,
        "user_cidrs": [str(block) for block in vpc.user_cidrs],
        "created_at": vpc.created_at.isoformat(),
        "ready_at": vpc.ready_at.isoformat(),
        "is_default": vpc.is_default,
        "resource_group_id": vpc.resource_group_id,
    }
    return ResourceRecord(KIND_VPC, vpc.vpc_id, vpc.account_id, vpc.region_id, body)


def decode_vpc(record: ResourceRecord) -> Vpc:
    body = record.body
    return Vpc(
        vpc_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        cidr_block=ipaddress.IPv4Network(body["cidr_block"]),
        name=body["name"],
        description=body["description"],
        vrouter_id=body["vrouter_id"],
        route_table_id=body["route_table_id"],
        user_cidrs=tuple(ipaddress.IPv4Network(block) for block in body["user_cidrs"]),
        created_at=datetime.fromisoformat(body["created_at"]),
        ready_at=datetime.fromisoformat(body["ready_at"]),
        is_default=body["is_default"],
        resource_group_id=body["resource_group_id"],
    )


def encode_vswitch(vswitch: VSwitch) -> ResourceRecord:
    body = {
        "vpc_id": vswitch.vpc_id,
        "zone_id": vswitch.zone_id,
        "cidr_block": str(vswitch.cidr_block),
        "name": vswitch.name,
        "description": vswitch.description,
        "created_at": vswitch.created_at.isoformat(),
        "ready_at": vswitch.ready_at.isoformat(),
        "is_default": vswitch.is_default,
        "resource_group_id": vswitch.resource_group_id,
    }
    return ResourceRecord(
        KIND_VSWITCH, vswitch.vswitch_id, vswitch.account_id, vswitch.region_id, body
    )


def decode_vswitch(record: ResourceRecord) -> VSwitch:
    body = record.body
    return VSwitch(
        vswitch_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        vpc_id=body["vpc_id"],
        zone_id=body["zone_id"],
        cidr_block=ipaddress.IPv4Network(body["cidr_block"]),
        name=body["name"],
        description=body["description"],
        created_at=datetime.fromisoformat(body["created_at"]),
        ready_at=datetime.fromisoformat(body["ready_at"]),
        is_default=body["is_default"],
        resource_group_id=body["resource_group_id"],
    )

"""Eip <-> the JSON document the store keeps, and the per-host address claims.

An EIP is stored under ``KIND``. Its address is also claimed under ``KIND_ADDRESS`` with the
address itself as the resource id: resource ids are unique per kind across every account and
region, so the claim is what keeps one address from being handed out twice on a host.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from ecsim.model.eip import BoundType, Eip, EipBinding, InternetChargeType
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "KIND_ADDRESS", "decode_eip", "encode_address_claim", "encode_eip"]

KIND = "eip"
KIND_ADDRESS = "eip_address"


def encode_eip(eip: Eip) -> ResourceRecord:
    body = {
        "address": str(eip.address),
        "bandwidth": eip.bandwidth,
        "internet_charge_type": eip.internet_charge_type.value,
        "isp": eip.isp,
        "name": eip.name,
        "description": eip.description,
        "allocated_at": eip.allocated_at.isoformat(),
        "binding": _encode_binding(eip.binding) if eip.binding else None,
        "settles_at": eip.settles_at.isoformat() if eip.settles_at else None,
        "resource_group_id": eip.resource_group_id,
    }
    return ResourceRecord(KIND, eip.allocation_id, eip.account_id, eip.region_id, body)


def decode_eip(record: ResourceRecord) -> Eip:
    body = record.body
    return Eip(
        allocation_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        address=ipaddress.IPv4Address(body["address"]),
        bandwidth=body["bandwidth"],
        internet_charge_type=InternetChargeType(body["internet_charge_type"]),
        isp=body["isp"],
        name=body["name"],
        description=body["description"],
        allocated_at=datetime.fromisoformat(body["allocated_at"]),
        binding=_decode_binding(body["binding"]) if body["binding"] else None,
        settles_at=datetime.fromisoformat(body["settles_at"]) if body["settles_at"] else None,
        resource_group_id=body["resource_group_id"],
    )


def encode_address_claim(eip: Eip) -> ResourceRecord:
    """The record that holds ``eip``'s address for as long as the EIP exists."""
    body = {"allocation_id": eip.allocation_id}
    return ResourceRecord(KIND_ADDRESS, str(eip.address), eip.account_id, eip.region_id, body)


def _encode_binding(binding: EipBinding) -> dict[str, Any]:
    return {
        "type": binding.bound_type.value,
        "eni_id": binding.eni_id,
        "instance_id": binding.instance_id,
        "private_ip": str(binding.private_ip),
    }


def _decode_binding(data: dict[str, Any]) -> EipBinding:
    return EipBinding(
        bound_type=BoundType(data["type"]),
        eni_id=data["eni_id"],
        instance_id=data["instance_id"],
        private_ip=ipaddress.IPv4Address(data["private_ip"]),
    )

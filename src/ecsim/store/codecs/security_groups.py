"""SecurityGroup <-> the JSON document the store keeps."""

from __future__ import annotations

import functools
import ipaddress
from datetime import datetime
from typing import Any

from ecsim.model.security_group import GroupRef, GroupType, Peer, Rule, SecurityGroup
from ecsim.model.values import Cidr, Direction, IpProtocol, NicType, Policy, PortRange, Priority
from ecsim.store.base import ResourceRecord

__all__ = ["KIND", "decode_security_group", "encode_security_group"]

KIND = "security_group"


def encode_security_group(group: SecurityGroup) -> ResourceRecord:
    body = {
        "vpc_id": group.vpc_id,
        "name": group.name,
        "description": group.description,
        "type": group.group_type.value,
        "inner_access_policy": group.inner_access_policy.value,
        "created_at": group.created_at.isoformat(),
        "resource_group_id": group.resource_group_id,
        "rules": [_encode_rule(r) for r in group.rules],
    }
    return ResourceRecord(KIND, group.group_id, group.account_id, group.region_id, body)


def decode_security_group(record: ResourceRecord) -> SecurityGroup:
    body = record.body
    return SecurityGroup(
        group_id=record.resource_id,
        account_id=record.account_id,
        region_id=record.region_id,
        vpc_id=body["vpc_id"],
        name=body["name"],
        description=body["description"],
        group_type=GroupType(body["type"]),
        inner_access_policy=Policy(body["inner_access_policy"]),
        rules=tuple(_decode_rule(r) for r in body["rules"]),
        created_at=datetime.fromisoformat(body["created_at"]),
        resource_group_id=body.get("resource_group_id", ""),
    )


# Rules are immutable and a group is re-encoded whole on every change: remember each rule's
# document (never mutated by the store) instead of rebuilding it.
@functools.lru_cache(maxsize=1 << 16)
def _encode_rule(rule: Rule) -> dict[str, Any]:
    peer: dict[str, str]
    if isinstance(rule.peer, GroupRef):
        peer = {"group_id": rule.peer.group_id, "owner": rule.peer.owner_account_id}
    else:
        peer = {"cidr": str(rule.peer)}
    return {
        "id": rule.rule_id,
        "direction": rule.direction.value,
        "protocol": rule.protocol.value,
        "ports": rule.port_range.wire,
        "source_ports": rule.source_port_range.wire if rule.source_port_range else None,
        "peer": peer,
        "local": str(rule.local) if rule.local is not None else None,
        "nic_type": rule.nic_type.value,
        "policy": rule.policy.value,
        "priority": rule.priority.value,
        "description": rule.description,
        "created_at": rule.created_at.isoformat(),
    }


def _decode_rule(data: dict[str, Any]) -> Rule:
    peer_data = data["peer"]
    peer: Peer
    if "group_id" in peer_data:
        peer = GroupRef(peer_data["group_id"], peer_data["owner"])
    else:
        peer = _cidr(peer_data["cidr"])
    return Rule(
        rule_id=data["id"],
        direction=Direction(data["direction"]),
        protocol=IpProtocol(data["protocol"]),
        port_range=PortRange.parse(data["ports"]),
        source_port_range=PortRange.parse(data["source_ports"]) if data["source_ports"] else None,
        peer=peer,
        local=_cidr(data["local"]) if data["local"] else None,
        nic_type=NicType(data["nic_type"]),
        policy=Policy(data["policy"]),
        priority=Priority(data["priority"]),
        description=data["description"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )


@functools.lru_cache(maxsize=1 << 14)
def _cidr(text: str) -> Cidr:
    return ipaddress.ip_network(text)

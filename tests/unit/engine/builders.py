"""Short constructors for the engine's model inputs: groups, rules and interfaces."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, GroupType, Rule, SecurityGroup
from ecsim.model.values import (
    Direction,
    IpProtocol,
    NicType,
    Policy,
    PortRange,
    Priority,
    parse_cidr,
)

ACCOUNT = "1000000000000001"
OTHER_ACCOUNT = "1000000000000002"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def rule(
    direction: str = "ingress",
    protocol: str = "all",
    ports: str = "-1/-1",
    peer: str | GroupRef = "0.0.0.0/0",
    *,
    policy: str = "accept",
    priority: int = 1,
    source_ports: str | None = None,
    local: str | None = None,
    nic: str = "intranet",
    age: int = 0,
) -> Rule:
    """A rule with the wire spellings the guide uses; the id is given by ``group``.
    ``age`` orders rules in time: a larger age is an older rule."""
    return Rule(
        rule_id="",
        direction=Direction(direction),
        protocol=IpProtocol.parse(protocol),
        port_range=PortRange.parse(ports),
        source_port_range=PortRange.parse(source_ports) if source_ports else None,
        peer=peer if isinstance(peer, GroupRef) else parse_cidr(peer),
        local=parse_cidr(local) if local else None,
        nic_type=NicType.parse(nic),
        policy=Policy.parse(policy),
        priority=Priority(priority),
        description="",
        created_at=EPOCH - timedelta(seconds=age),
    )


# ``ingress("tcp", "22/22", "10.0.0.0/8", priority=2)``: a rule in that direction
ingress = partial(rule, "ingress")
egress = partial(rule, "egress")


def group(
    group_id: str,
    *rules: Rule,
    account: str = ACCOUNT,
    enterprise: bool = False,
    isolated: bool = False,
    vpc_id: str | None = "vpc-1",
) -> SecurityGroup:
    """A group whose rules get ids ``<group>-r1``, ``<group>-r2``, ... in the order given."""
    return SecurityGroup(
        group_id=group_id,
        account_id=account,
        region_id="cn-hangzhou",
        vpc_id=vpc_id,
        name=group_id,
        description="",
        group_type=GroupType.ENTERPRISE if enterprise else GroupType.NORMAL,
        inner_access_policy=Policy.DROP if enterprise or isolated else Policy.ACCEPT,
        rules=tuple(replace(r, rule_id=f"{group_id}-r{n}") for n, r in enumerate(rules, 1)),
        created_at=EPOCH,
    )


def ref(group_id: str, account: str = ACCOUNT) -> GroupRef:
    return GroupRef(group_id, account)


def eni(
    eni_id: str, address: str, *group_ids: str, account: str = ACCOUNT, vpc_id: str = "vpc-1"
) -> NetworkInterface:
    return NetworkInterface(
        eni_id=eni_id,
        account_id=account,
        region_id="cn-hangzhou",
        vpc_id=vpc_id,
        vswitch_id="vsw-1",
        primary_ip=ipaddress.IPv4Address(address),
        security_group_ids=group_ids,
    )

"""A rule as the wire's ``Permission`` (DescribeSecurityGroupAttribute, reference §2.7).

Every field is present, ``""`` when unused, as ECS answers: the peer goes to the ``Source*``
fields on ingress and the ``Dest*`` fields on egress, an IPv6 block to the ``Ipv6*`` field;
the local side of a five-tuple rule goes to the other side's CIDR field. A group peer carries
its name and its owner's account name, which the caller looks up (``PeerNames``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Network
from typing import TYPE_CHECKING, Any

from ecsim.model.security_group import GroupRef, Rule, SecurityGroup
from ecsim.model.values import Cidr, Direction, NicType
from ecsim.times import format_seconds

if TYPE_CHECKING:
    from ecsim.services import Services

__all__ = ["PeerNames", "peer_names", "render_permission"]


@dataclass(frozen=True)
class PeerNames:
    """How a group peer is named on the wire; each lookup answers ``""`` when unknown."""

    # security group id -> its name
    group_name: Callable[[str], str]
    # account id -> its login name (``SourceGroupOwnerAccount``)
    account_name: Callable[[str], str]


def peer_names(services: Services) -> PeerNames:
    """Lookups through the services, each remembered for the request it serves."""
    groups: dict[str, str] = {}
    accounts: dict[str, str] = {}

    def group_name(group_id: str) -> str:
        if group_id not in groups:
            groups[group_id] = services.security_groups.name_of(group_id)
        return groups[group_id]

    def account_name(account_id: str) -> str:
        if account_id not in accounts:
            account = services.accounts.resolve(account_id)
            accounts[account_id] = account.name if account else ""
        return accounts[account_id]

    return PeerNames(group_name, account_name)


def render_permission(rule: Rule, group: SecurityGroup, names: PeerNames) -> dict[str, Any]:
    """``rule`` of ``group`` as one ``Permissions.Permission`` item."""
    peer = _side(rule.peer, names)
    local = _side(rule.local, names)
    source, dest = (peer, local) if rule.direction is Direction.INGRESS else (local, peer)
    # A VPC group's rules are all intranet, whatever NicType they were authorized with.
    nic_type = NicType.INTRANET if group.vpc_id is not None else rule.nic_type
    return {
        "SecurityGroupRuleId": rule.rule_id,
        "Direction": rule.direction.value,
        "IpProtocol": rule.protocol.wire,
        "PortRange": rule.port_range.wire,
        "SourcePortRange": rule.source_port_range.wire if rule.source_port_range else "",
        "SourceCidrIp": source["CidrIp"],
        "Ipv6SourceCidrIp": source["Ipv6CidrIp"],
        "SourceGroupId": source["GroupId"],
        "SourceGroupName": source["GroupName"],
        "SourceGroupOwnerAccount": source["GroupOwnerAccount"],
        "SourcePrefixListId": "",
        "SourcePrefixListName": "",
        "DestCidrIp": dest["CidrIp"],
        "Ipv6DestCidrIp": dest["Ipv6CidrIp"],
        "DestGroupId": dest["GroupId"],
        "DestGroupName": dest["GroupName"],
        "DestGroupOwnerAccount": dest["GroupOwnerAccount"],
        "DestPrefixListId": "",
        "DestPrefixListName": "",
        "PortRangeListId": "",
        "PortRangeListName": "",
        "Policy": rule.policy.wire,
        "Priority": rule.priority.value,
        "NicType": nic_type.value,
        "Description": rule.description,
        "CreateTime": format_seconds(rule.created_at),
    }


def _side(end: Cidr | GroupRef | None, names: PeerNames) -> dict[str, str]:
    """One end of the rule as the five fields each side has, ``""`` where unused."""
    fields = dict.fromkeys(
        ("CidrIp", "Ipv6CidrIp", "GroupId", "GroupName", "GroupOwnerAccount"), ""
    )
    if isinstance(end, GroupRef):
        fields["GroupId"] = end.group_id
        fields["GroupName"] = names.group_name(end.group_id)
        fields["GroupOwnerAccount"] = names.account_name(end.owner_account_id)
    elif isinstance(end, IPv6Network):
        fields["Ipv6CidrIp"] = str(end)
    elif end is not None:
        fields["CidrIp"] = str(end)
    return fields

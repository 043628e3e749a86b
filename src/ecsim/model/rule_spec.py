"""A security-group rule as a request describes it, before it is resolved against the store.

``RuleSpec`` is a whole rule (what Authorize adds and Revoke matches); ``RuleChange`` is the
fields a Modify call sets, each ``None`` where it is left as it is. Both carry the peer as it
was asked for: a CIDR block, a group with the owner named as given (account id or login
name), or a prefix list. ``check_rule_shape`` holds the invariants between protocol, ports and
addresses that every complete rule must meet, wherever it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.errors import EcsError
from ecsim.model.values import Cidr, Direction, IpProtocol, NicType, Policy, PortRange, Priority

__all__ = [
    "GroupPeer",
    "PrefixListPeer",
    "RequestedPeer",
    "RuleChange",
    "RuleSpec",
    "check_rule_shape",
]


_DEFAULT_PRIORITY = Priority()


@dataclass(frozen=True)
class GroupPeer:
    """A peer group; ``owner`` is the account id or login name given, None for the caller."""

    group_id: str
    owner: str | None = None


@dataclass(frozen=True)
class PrefixListPeer:
    prefix_list_id: str


RequestedPeer = Cidr | GroupPeer | PrefixListPeer


@dataclass(frozen=True)
class RuleSpec:
    direction: Direction
    protocol: IpProtocol
    port_range: PortRange
    # None when any source port matches
    source_port_range: PortRange | None
    peer: RequestedPeer
    local: Cidr | None = None
    # None: the group's default (intranet on VPC groups, internet on classic ones)
    nic_type: NicType | None = None
    policy: Policy = Policy.ACCEPT
    priority: Priority = _DEFAULT_PRIORITY
    description: str = ""


@dataclass(frozen=True)
class RuleChange:
    """The new values of a Modify call; a field left ``None`` keeps the rule's value."""

    protocol: IpProtocol | None = None
    port_range: PortRange | None = None
    source_port_range: PortRange | None = None
    peer: RequestedPeer | None = None
    local: Cidr | None = None
    nic_type: NicType | None = None
    policy: Policy | None = None
    priority: Priority | None = None
    description: str | None = None


def check_rule_shape(
    protocol: IpProtocol,
    port_range: PortRange,
    source_port_range: PortRange | None,
    peer: object,
    local: Cidr | None,
) -> None:
    """Refuse a rule whose parts contradict each other, with the code ECS gives for each.

    ``peer`` is checked for its address family only when it is a CIDR block: a group's
    members may have addresses of either family.
    """
    if protocol.has_ports == port_range.is_any:
        raise EcsError(
            "The specified IpProtocol does not exist or IpProtocol and PortRange do not match.",
            code="OperationDenied",
            http_status=400,
        )
    if source_port_range is not None and not protocol.has_ports:
        raise EcsError(
            f"The specified parameter SourcePortRange is not valid: {protocol.wire} has no ports.",
            code="InvalidSourcePortRange.Malformed",
            http_status=400,
        )
    peer_cidr = peer if isinstance(peer, Cidr) else None
    addresses = [cidr for cidr in (peer_cidr, local) if cidr is not None]
    if len({cidr.version for cidr in addresses}) > 1:
        raise EcsError(
            "IPv6 and IPv4 addresses cannot exist at the same time.",
            code="InvalidParameter.Conflict",
            http_status=400,
        )
    if protocol is IpProtocol.ICMP and any(cidr.version == 6 for cidr in addresses):
        raise EcsError(
            "IPv6 address cannot be specified for IPv4-specific protocol.",
            code="InvalidParam.Ipv4ProtocolConflictWithIpv6Address",
            http_status=400,
        )
    if protocol is IpProtocol.ICMPV6 and any(cidr.version == 4 for cidr in addresses):
        raise EcsError(
            "IPv4 address cannot be specified for IPv6-specific protocol.",
            code="InvalidParam.Ipv6ProtocolConflictWithIpv4Address",
            http_status=400,
        )
    if peer_cidr is not None and peer_cidr == local:
        raise EcsError(
            "The specified SourceCidrIp should be different from the DestCidrIp.",
            code="InvalidParamter.Conflict",
            http_status=400,
        )

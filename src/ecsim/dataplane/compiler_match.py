"""What one effective rule matches, in the terms of an nftables packet match.

- The peer: its IPv4 blocks, as spans of integers. A group peer is already resolved to its
  members' addresses (``EffectiveRule.peer``), and keeps the group's id so that large groups
  can be looked up through one shared set. IPv6 peers and locals are left out: instances
  have IPv4 only and the router drops IPv6, so such a rule can never match a packet that
  reaches a gate. A rule with no IPv4 peer left (an empty group) matches nothing.
- ``ALL`` matches any protocol, unless it restricts ports: then only TCP and UDP, the
  protocols with ports (``EffectiveRule.matches``: a flow without ports fails a port
  restriction). For the same reason a portless protocol (ICMP, GRE) with a port
  restriction matches nothing.
- The NIC type (classic-network groups only): intranet is traffic between instances,
  internet is traffic through the uplink.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ecsim.dataplane.compiler_sets import merge_spans
from ecsim.engine.rules import EffectiveRule, Span
from ecsim.model.values import Cidr, IpProtocol, NicType

__all__ = ["PROTOCOL_NAMES", "Match", "Shape", "overlap", "rule_match", "shape_of"]

# nft's names for the protocols; GRE by number, since nft resolves "gre" through
# /etc/protocols, which a minimal system may lack
PROTOCOL_NAMES = {
    IpProtocol.TCP: "tcp",
    IpProtocol.UDP: "udp",
    IpProtocol.ICMP: "icmp",
    IpProtocol.ICMPV6: "icmpv6",
    IpProtocol.GRE: "47",
}
_PORTED = ("tcp", "udp")


@dataclass(frozen=True, slots=True)
class Match:
    """What one rule matches in a packet, in kernel terms; None means any value."""

    # the remote side's addresses, as sorted, disjoint inclusive spans of IPv4 integers
    peers: tuple[Span, ...]
    # the group the peers are the members of, for a group peer
    group: str | None
    # nft protocol names
    protocols: tuple[str, ...] | None
    ports: Span | None
    source_ports: Span | None
    local: Span | None
    nic: NicType | None


class Shape(Enum):
    """The set lookups a run compiles to; the value names the set."""

    # the remote address alone: protocol ALL without ports
    ADDRESS = "a"
    # address . protocol: a protocol without a port restriction
    PROTOCOL = "l"
    # address . protocol . destination port: TCP and UDP with a port range
    PORTS = "p"


def _span(block: Cidr) -> Span:
    return int(block.network_address), int(block.broadcast_address)


def rule_match(rule: EffectiveRule) -> Match | None:
    """The rule as a kernel match, or None when no packet through the router can match it."""
    peers = merge_spans(_span(block) for block in rule.peer if block.version == 4)
    if not peers or (rule.local is not None and rule.local.version != 4):
        return None
    ports, source_ports = rule.port_span, rule.source_port_span
    restricted = ports is not None or source_ports is not None
    protocols: tuple[str, ...] | None
    if rule.protocol is IpProtocol.ALL:
        protocols = _PORTED if restricted else None
    elif restricted and not rule.protocol.has_ports:
        return None
    else:
        protocols = (PROTOCOL_NAMES[rule.protocol],)
    return Match(
        peers=tuple(peers),
        group=None if rule.peer_group is None else rule.peer_group.group_id,
        protocols=protocols,
        ports=ports,
        source_ports=source_ports,
        local=None if rule.local is None else _span(rule.local),
        nic=rule.nic_type,
    )


def shape_of(match: Match) -> Shape | None:
    """The set a match joins, or None for a plain rule (source ports and five-tuple locals
    are rare enough not to deserve sets of their own)."""
    if match.source_ports is not None or match.local is not None:
        return None
    if match.protocols is None:
        return Shape.ADDRESS
    return Shape.PROTOCOL if match.ports is None else Shape.PORTS


def overlap(first: Match, second: Match) -> bool:
    """Some packet matches both. The cheap fields come first (most rules differ in ports);
    two matches of one group's members share every address."""
    return (
        _spans_meet(first.ports, second.ports)
        and _spans_meet(first.source_ports, second.source_ports)
        and (
            first.protocols is None
            or second.protocols is None
            or not set(first.protocols).isdisjoint(second.protocols)
        )
        and (first.nic is None or second.nic is None or first.nic is second.nic)
        and _spans_meet(first.local, second.local)
        and (
            (first.group is not None and first.group == second.group)
            or _lists_meet(first.peers, second.peers)
        )
    )


def _spans_meet(first: Span | None, second: Span | None) -> bool:
    # None: the field is not restricted
    return first is None or second is None or (first[0] <= second[1] and second[0] <= first[1])


def _lists_meet(first: Sequence[Span], second: Sequence[Span]) -> bool:
    """Two sorted lists of disjoint spans share a point (a merge walk)."""
    i = j = 0
    while i < len(first) and j < len(second):
        if first[i][1] < second[j][0]:
            i += 1
        elif second[j][1] < first[i][0]:
            j += 1
        else:
            return True
    return False

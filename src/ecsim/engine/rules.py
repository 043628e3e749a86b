"""Normalised rules: what the rules of an interface's groups mean, pooled and ordered.

Every consumer of rule semantics (the evaluator, reachability, the kernel compiler) reads
``EffectiveRule`` values, so there is one definition of what a rule matches:

- the rules of all the interface's groups in one direction are pooled (reference §2.2);
- they are ordered by priority (1 first), then drop before accept at equal priority, then
  newest first (guide §1.2: equal priorities match in descending creation time), then by group
  and rule id so the order never depends on how groups or rules happen to be listed;
- a group peer is resolved to its members' primary addresses at the time of the snapshot;
- the NIC type is kept only for classic-network groups: in a VPC all traffic is intranet.

``EffectiveRule.matches`` is the plain statement of a match; ``classifier`` answers the same
question faster and must agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ecsim.engine.flow import KINDS, Flow
from ecsim.engine.topology import GroupSet, Topology
from ecsim.model.security_group import GroupRef, Rule, SecurityGroup
from ecsim.model.values import Cidr, Direction, IpProtocol, NicType, Policy, PortRange, Priority

__all__ = [
    "AddressSpan",
    "EffectiveRule",
    "Span",
    "effective_rules",
    "group_rules",
    "merge",
    "order_key",
]

OrderKey = tuple[int, int, float, str, str]
Span = tuple[int, int]
AddressSpan = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    group_id: str
    rule_id: str
    direction: Direction
    protocol: IpProtocol
    # the destination port; ANY for protocols without ports
    port_range: PortRange
    # None (or ANY) when the rule does not restrict the source port
    source_port_range: PortRange | None
    # the remote side: the rule's CIDR, or the referenced group's members as single addresses
    peer: tuple[Cidr, ...]
    # the group the peer came from, kept for explanations
    peer_group: GroupRef | None
    # the interface side of a five-tuple rule (DestCidrIp on ingress, SourceCidrIp on egress)
    local: Cidr | None
    # None: the rule applies whatever the NIC (every VPC rule)
    nic_type: NicType | None
    policy: Policy
    priority: Priority
    created_at: datetime
    # derived once, for ordering and for lookup tables (``classifier``):
    # the place in evaluation order
    order: OrderKey = field(init=False, repr=False, compare=False)
    # bit k set when the rule applies to flows of ``KINDS[k]`` (protocol, NIC type)
    kinds: int = field(init=False, repr=False, compare=False)
    # ports as inclusive integer spans; None where the rule does not restrict them
    port_span: Span | None = field(init=False, repr=False, compare=False)
    source_port_span: Span | None = field(init=False, repr=False, compare=False)
    # a CIDR peer as (IP version, first, last); None for a group peer
    peer_span: AddressSpan | None = field(init=False, repr=False, compare=False)
    local_span: AddressSpan | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {
            "order": order_key(
                self.priority, self.policy, self.created_at, self.group_id, self.rule_id
            ),
            "kinds": sum(
                1 << number
                for number, (protocol, nic) in enumerate(KINDS)
                if self.protocol in (IpProtocol.ALL, protocol) and self.nic_type in (None, nic)
            ),
            "port_span": _port_span(self.port_range),
            "source_port_span": _port_span(self.source_port_range),
            "peer_span": _address_span(self.peer[0]) if self.peer_group is None else None,
            "local_span": _address_span(self.local),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def matches(self, flow: Flow) -> bool:
        if self.protocol is not IpProtocol.ALL and self.protocol is not flow.protocol:
            return False
        if self.nic_type is not None and self.nic_type is not flow.nic_type:
            return False
        if not _ports_hold(self.port_range, flow.destination_port):
            return False
        if self.source_port_range is not None and not _ports_hold(
            self.source_port_range, flow.source_port
        ):
            return False
        if self.direction is Direction.INGRESS:
            remote, local = flow.source, flow.destination
        else:
            remote, local = flow.destination, flow.source
        if not any(remote in block for block in self.peer):
            return False
        return self.local is None or local in self.local


def _port_span(ports: PortRange | None) -> Span | None:
    return None if ports is None or ports.is_any else (ports.start, ports.end)


def _address_span(block: Cidr | None) -> AddressSpan | None:
    if block is None:
        return None
    return block.version, int(block.network_address), int(block.broadcast_address)


def _ports_hold(ports: PortRange, port: int | None) -> bool:
    """A restricted range holds only for a known port inside it: a flow without ports (ICMP)
    or with an unknown source port does not satisfy a port restriction."""
    if ports.is_any:
        return True
    return port is not None and ports.start <= port <= ports.end


def order_key(
    priority: Priority, policy: Policy, created_at: datetime, group_id: str, rule_id: str
) -> OrderKey:
    return (
        priority.value,
        0 if policy is Policy.DROP else 1,
        -created_at.timestamp(),
        group_id,
        rule_id,
    )


def _effective(group: SecurityGroup, rule: Rule, topology: Topology) -> EffectiveRule:
    peer: tuple[Cidr, ...]
    if isinstance(rule.peer, GroupRef):
        peer = topology.member_blocks(rule.peer)
        peer_group: GroupRef | None = rule.peer
    else:
        peer, peer_group = (rule.peer,), None
    return EffectiveRule(
        group_id=group.group_id,
        rule_id=rule.rule_id,
        direction=rule.direction,
        protocol=rule.protocol,
        port_range=rule.port_range,
        source_port_range=rule.source_port_range,
        peer=peer,
        peer_group=peer_group,
        local=rule.local,
        nic_type=None if group.vpc_id is not None else rule.nic_type,
        policy=rule.policy,
        priority=rule.priority,
        created_at=rule.created_at,
    )


def group_rules(
    topology: Topology, group: SecurityGroup, direction: Direction
) -> tuple[EffectiveRule, ...]:
    """One group's rules in ``direction``, resolved and in evaluation order."""
    resolved = [
        _effective(group, rule, topology) for rule in group.rules if rule.direction is direction
    ]
    resolved.sort(key=lambda r: r.order)
    return tuple(resolved)


def merge(parts: Iterable[tuple[EffectiveRule, ...]]) -> tuple[EffectiveRule, ...]:
    """Pool the ordered rules of several groups into one evaluation order."""
    pooled = [rule for part in parts for rule in part]
    # runs already sorted: the sort only merges them
    pooled.sort(key=lambda r: r.order)
    return tuple(pooled)


def effective_rules(
    topology: Topology, group_set: GroupSet, direction: Direction
) -> tuple[EffectiveRule, ...]:
    """The effective rules of an interface in ``group_set`` (``Topology.group_set``): the
    rules of all its groups in ``direction``, pooled."""
    return merge(group_rules(topology, g, direction) for g in topology.groups_in(group_set))

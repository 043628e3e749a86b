"""A brute-force statement of the evaluation rules, written from the model alone.

It shares nothing with the engine but the model types: every rule of every group is tested
against the flow, the matching ones are ranked, and the best decides. Slow and obvious, so
that the engine's normalisation and lookup tables can be held equal to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecsim.engine.flow import Flow, IpAddress
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, Rule, SecurityGroup
from ecsim.model.values import Direction, IpProtocol, Policy, PortRange

# What decided a gate: (allowed, rule id or implicit reason)
Gate = tuple[bool, str]


@dataclass(frozen=True)
class World:
    groups: Sequence[SecurityGroup]
    interfaces: Sequence[NetworkInterface]

    def group(self, group_id: str) -> SecurityGroup:
        return next(g for g in self.groups if g.group_id == group_id)

    def interface(self, eni_id: str) -> NetworkInterface:
        return next(i for i in self.interfaces if i.eni_id == eni_id)

    def groups_of(self, eni_id: str) -> list[SecurityGroup]:
        return [self.group(gid) for gid in self.interface(eni_id).security_group_ids]


def _port_ok(ports: PortRange | None, port: int | None) -> bool:
    if ports is None or ports == PortRange(-1, -1):
        return True
    return port is not None and ports.start <= port <= ports.end


def _is_member(world: World, peer: GroupRef, address: IpAddress) -> bool:
    owners = [g for g in world.groups if g.group_id == peer.group_id]
    if not owners or owners[0].account_id != peer.owner_account_id:
        return False
    return any(
        i.primary_ip == address and peer.group_id in i.security_group_ids for i in world.interfaces
    )


def rule_matches(world: World, group: SecurityGroup, rule: Rule, flow: Flow) -> bool:
    if rule.protocol not in (IpProtocol.ALL, flow.protocol):
        return False
    if group.vpc_id is None and rule.nic_type != flow.nic_type:
        return False
    if not _port_ok(rule.port_range, flow.destination_port):
        return False
    if not _port_ok(rule.source_port_range, flow.source_port):
        return False
    ingress = rule.direction is Direction.INGRESS
    remote = flow.source if ingress else flow.destination
    local = flow.destination if ingress else flow.source
    if isinstance(rule.peer, GroupRef):
        if not _is_member(world, rule.peer, remote):
            return False
    elif remote.version != rule.peer.version or remote not in rule.peer:
        return False
    if rule.local is None:
        return True
    return local.version == rule.local.version and local in rule.local


def gate(world: World, eni_id: str, direction: Direction, flow: Flow) -> Gate:
    groups = world.groups_of(eni_id)
    matching = [
        (group, rule)
        for group in groups
        for rule in group.rules
        if rule.direction is direction and rule_matches(world, group, rule, flow)
    ]
    if matching:
        _, best = min(
            matching,
            key=lambda gr: (
                gr[1].priority.value,
                gr[1].policy is not Policy.DROP,
                -gr[1].created_at.timestamp(),
                gr[0].group_id,
                gr[1].rule_id,
            ),
        )
        return best.policy is Policy.ACCEPT, best.rule_id
    if not groups:
        return False, "no-security-group"
    if all(g.is_enterprise for g in groups):
        return False, "no-matching-rule-enterprise-default-deny"
    if direction is Direction.EGRESS:
        return True, "egress-default-allow-basic-group"
    return False, "no-matching-rule-ingress-default-deny"


def verdict(
    world: World, flow: Flow, source: str | None, destination: str | None
) -> tuple[Gate, Gate]:
    if source is not None and source == destination:
        return (True, "same-interface"), (True, "same-interface")
    if source is not None and destination is not None:
        shared = [
            g
            for g in world.groups_of(source)
            if g in world.groups_of(destination)
            and not g.is_enterprise
            and g.inner_access_policy is Policy.ACCEPT
        ]
        if shared:
            return (True, "same-group-inner-accept"), (True, "same-group-inner-accept")
    outside = (True, "external-endpoint")
    egress = outside if source is None else gate(world, source, Direction.EGRESS, flow)
    ingress = outside if destination is None else gate(world, destination, Direction.INGRESS, flow)
    return egress, ingress

"""Evaluate a flow between two interfaces (or an interface and an outside address).

Two independent gates, both of which must allow (reference §2.1-2.2, guide §1):

1. the source interface's **egress**: the pooled egress rules of all its groups, matched
   against the destination; the first match decides; when nothing matches, egress is allowed
   if any of its groups is basic and denied if all are enterprise;
2. the destination interface's **ingress**: the pooled ingress rules of all its groups,
   matched against the source; the first match decides; when nothing matches, denied.

InnerAccessPolicy, the one thing that looks at both ends at once:

- **Accept** (basic groups) has the highest priority of all rules: when the two interfaces
  share such a group, both gates allow before any rule is consulted, and no custom rule (drop
  rules included, in any of either side's groups) blocks the flow (ModifySecurityGroupPolicy:
  "other user-defined rules are ignored").
- **Drop** (isolation, and every enterprise group) has the lowest priority: it adds no rule
  of its own and only leaves the ingress default (deny) in place. A rule that accepts the
  peer, or another shared Accept group, still connects the pair (guide §1.5).

A side that is not an interface of the snapshot (an outside address) has no gate: its
decision is ``EXTERNAL_ENDPOINT``, allowed. An interface's traffic to itself is not filtered
(``SAME_INTERFACE``). Only security groups are judged here: whether a route joins the two
ends (same VPC, an EIP) is the reachability layer's question.

Gates are compiled once per set of groups and per direction, on first use, and reused by every
interface with the same groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.engine.classifier import Classifier
from ecsim.engine.flow import Flow, flow_between
from ecsim.engine.rules import EffectiveRule, group_rules, merge
from ecsim.engine.topology import GroupSet, Topology
from ecsim.engine.verdict import DecidingRule, GateDecision, Implicit, Verdict
from ecsim.model.security_group import SecurityGroup
from ecsim.model.values import Direction, IpProtocol, Policy

__all__ = ["Evaluator", "Gate", "evaluate"]

_EXTERNAL = {
    d: GateDecision(d, allowed=True, implicit=Implicit.EXTERNAL_ENDPOINT) for d in Direction
}
_SELF = Verdict(
    GateDecision(Direction.EGRESS, allowed=True, implicit=Implicit.SAME_INTERFACE),
    GateDecision(Direction.INGRESS, allowed=True, implicit=Implicit.SAME_INTERFACE),
)


@dataclass(frozen=True, slots=True)
class Gate:
    """One direction of one set of groups: its effective rules and what decides without one."""

    direction: Direction
    classifier: Classifier
    # what each rule decides, in rule order, then the default: the classifier's "no match"
    # (-1) indexes the default, so a decision is one lookup
    outcomes: tuple[GateDecision, ...]

    @property
    def rules(self) -> tuple[EffectiveRule, ...]:
        return self.classifier.rules

    @property
    def default(self) -> GateDecision:
        return self.outcomes[-1]

    def decide(self, flow: Flow) -> GateDecision:
        return self.outcomes[self.classifier.first_index(flow)]


def _default(topology: Topology, group_set: GroupSet, direction: Direction) -> GateDecision:
    groups = topology.groups_in(group_set)
    if not groups:
        return GateDecision(direction, allowed=False, implicit=Implicit.NO_SECURITY_GROUP)
    if all(group.is_enterprise for group in groups):
        return GateDecision(direction, allowed=False, implicit=Implicit.ENTERPRISE_DEFAULT_DENY)
    if direction is Direction.EGRESS:
        return GateDecision(direction, allowed=True, implicit=Implicit.EGRESS_DEFAULT_ALLOW)
    return GateDecision(direction, allowed=False, implicit=Implicit.INGRESS_DEFAULT_DENY)


def _decision(rule: EffectiveRule) -> GateDecision:
    return GateDecision(
        rule.direction,
        allowed=rule.policy is Policy.ACCEPT,
        rule=DecidingRule(rule.group_id, rule.rule_id, rule.priority, rule.policy),
    )


class Evaluator:
    """Answers flows over one ``Topology``; compiled gates are kept for the next query."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._groups_at = topology.groups_at
        self._by_group: dict[tuple[str, Direction], tuple[EffectiveRule, ...]] = {}
        self._by_groups: dict[tuple[GroupSet, Direction], Gate] = {}
        # per direction, so that the hot path hashes only the interface id
        self._by_interface: dict[Direction, dict[str, Gate]] = {d: {} for d in Direction}
        self._egress = self._by_interface[Direction.EGRESS]
        self._ingress = self._by_interface[Direction.INGRESS]
        self._inner: dict[str, Verdict] = {}
        self._decisions: dict[tuple[str, str], GateDecision] = {}

    def gate(self, eni_id: str, direction: Direction) -> Gate:
        """The compiled gate of an interface (``UnknownInterface`` if the snapshot lacks it)."""
        known = self._by_interface[direction]
        found = known.get(eni_id)
        if found is None:
            group_set = self.topology.group_set(eni_id)
            found = self._by_groups.get((group_set, direction))
            if found is None:
                found = self._compile(group_set, direction)
                self._by_groups[(group_set, direction)] = found
            known[eni_id] = found
        return found

    def effective_rules(self, eni_id: str, direction: Direction) -> tuple[EffectiveRule, ...]:
        return self.gate(eni_id, direction).rules

    def _group_rules(self, group: SecurityGroup, direction: Direction) -> tuple[EffectiveRule, ...]:
        # each group is resolved once, however many sets it is part of
        key = (group.group_id, direction)
        found = self._by_group.get(key)
        if found is None:
            found = self._by_group[key] = group_rules(self.topology, group, direction)
        return found

    def _decision(self, rule: EffectiveRule) -> GateDecision:
        key = (rule.group_id, rule.rule_id)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = _decision(rule)
        return found

    def _compile(self, group_set: GroupSet, direction: Direction) -> Gate:
        groups = self.topology.groups_in(group_set)
        rules = merge(self._group_rules(group, direction) for group in groups)
        return Gate(
            direction=direction,
            classifier=Classifier(rules, direction, self._groups_at),
            outcomes=(
                *(self._decision(rule) for rule in rules),
                _default(self.topology, group_set, direction),
            ),
        )

    def _inner_accept(self, group_id: str) -> Verdict:
        found = self._inner.get(group_id)
        if found is None:
            egress, ingress = (
                GateDecision(d, True, implicit=Implicit.SAME_GROUP_INNER_ACCEPT, group_id=group_id)
                for d in (Direction.EGRESS, Direction.INGRESS)
            )
            found = Verdict(egress, ingress)
            self._inner[group_id] = found
        return found

    def warm(self) -> None:
        """Compile every interface's gates now rather than on first use."""
        for eni_id in self.topology.interfaces:
            for direction in Direction:
                self.gate(eni_id, direction)

    def evaluate(self, flow: Flow, source: str | None, destination: str | None) -> Verdict:
        """May ``source`` (an interface id, or None for an outside address) open ``flow`` to
        ``destination``? The flow's addresses are what rules match; the ids say whose gates
        apply."""
        if source is not None and destination is not None:
            if source == destination:
                self.topology.interface(source)
                return _SELF
            egress_gate = self._egress.get(source) or self.gate(source, Direction.EGRESS)
            ingress_gate = self._ingress.get(destination) or self.gate(
                destination, Direction.INGRESS
            )
            group_id = self.topology.shared_inner_accept_group(source, destination)
            if group_id is not None:
                return self._inner_accept(group_id)
            # Gate.decide, written out: this is the hot path
            return Verdict(
                egress_gate.outcomes[egress_gate.classifier.first_index(flow)],
                ingress_gate.outcomes[ingress_gate.classifier.first_index(flow)],
            )
        egress = (
            _EXTERNAL[Direction.EGRESS]
            if source is None
            else self.gate(source, Direction.EGRESS).decide(flow)
        )
        ingress = (
            _EXTERNAL[Direction.INGRESS]
            if destination is None
            else self.gate(destination, Direction.INGRESS).decide(flow)
        )
        return Verdict(egress, ingress)

    def between(
        self,
        source: str,
        destination: str,
        protocol: IpProtocol,
        destination_port: int | None = None,
        source_port: int | None = None,
    ) -> Verdict:
        """The flow from one interface's primary address to another's."""
        flow = flow_between(
            self.topology.interface(source),
            self.topology.interface(destination),
            protocol,
            destination_port,
            source_port,
        )
        return self.evaluate(flow, source, destination)


def evaluate(
    topology: Topology, flow: Flow, source: str | None, destination: str | None
) -> Verdict:
    """One query; keep an ``Evaluator`` instead to answer many over the same snapshot."""
    return Evaluator(topology).evaluate(flow, source, destination)

"""Properties of the evaluation order, checked on random small worlds.

Addresses, ports and priorities are drawn from small pools so that rules overlap and flows
match often: the interesting cases are the contested ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from datetime import timedelta
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsim.engine.evaluate import Evaluator
from ecsim.engine.flow import Flow
from ecsim.engine.topology import Topology
from ecsim.engine.verdict import GateDecision, Implicit, Verdict
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, GroupType, Rule, SecurityGroup
from ecsim.model.values import (
    ANY_PORT,
    Direction,
    IpProtocol,
    NicType,
    Policy,
    PortRange,
    Priority,
    parse_cidr,
)
from tests.unit.engine import reference
from tests.unit.engine.builders import ACCOUNT, EPOCH, OTHER_ACCOUNT

PROPERTIES = settings(max_examples=100, deadline=None)
# what decides before any rule is consulted
BEFORE_RULES = (Implicit.SAME_GROUP_INNER_ACCEPT, Implicit.SAME_INTERFACE)

INSIDE = [f"10.0.0.{n}" for n in range(1, 8)]
OUTSIDE = ["192.0.2.1", "192.0.2.2"]
CIDRS = [
    "0.0.0.0/0",
    "10.0.0.0/29",
    "10.0.0.0/30",
    "10.0.0.4/30",
    "10.0.0.2/31",
    "10.0.0.1/32",
    "10.0.0.5/32",
    "192.0.2.0/30",
    "::/0",
]
GROUP_IDS = ["sg-0", "sg-1", "sg-2", "sg-3"]
PORTS = st.integers(20, 25)


@st.composite
def port_ranges(draw: st.DrawFn) -> PortRange:
    first, last = sorted((draw(PORTS), draw(PORTS)))
    return PortRange(first, last)


@st.composite
def rules(draw: st.DrawFn, accounts: dict[str, str], rule_id: str) -> Rule:
    protocol = draw(st.sampled_from(IpProtocol))
    ported = protocol.has_ports or protocol is IpProtocol.ALL
    peer: GroupRef | ipaddress.IPv4Network | ipaddress.IPv6Network
    if draw(st.booleans()):
        group_id = draw(st.sampled_from(GROUP_IDS))
        # mostly the right owner; sometimes one that does not resolve
        owner = draw(st.sampled_from([accounts.get(group_id, ACCOUNT)] * 3 + [OTHER_ACCOUNT]))
        peer = GroupRef(group_id, owner)
    else:
        peer = parse_cidr(draw(st.sampled_from(CIDRS)))
    return Rule(
        rule_id=rule_id,
        direction=draw(st.sampled_from(Direction)),
        protocol=protocol,
        port_range=draw(port_ranges()) if ported and draw(st.booleans()) else ANY_PORT,
        source_port_range=draw(st.none() | st.just(ANY_PORT) | port_ranges()),
        peer=peer,
        local=draw(st.none() | st.sampled_from(CIDRS[:7]).map(parse_cidr)),
        nic_type=draw(st.sampled_from(NicType)),
        policy=draw(st.sampled_from(Policy)),
        priority=Priority(draw(st.integers(1, 4))),
        description="",
        created_at=EPOCH - timedelta(seconds=draw(st.integers(0, 2))),
    )


@dataclass(frozen=True)
class Scenario:
    groups: tuple[SecurityGroup, ...]
    interfaces: tuple[NetworkInterface, ...]
    flow: Flow
    source: str | None
    destination: str | None

    @property
    def world(self) -> reference.World:
        return reference.World(self.groups, self.interfaces)

    def evaluator(self) -> Evaluator:
        return Evaluator(Topology(self.groups, self.interfaces))

    def verdict(self) -> Verdict:
        return self.evaluator().evaluate(self.flow, self.source, self.destination)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    group_ids = GROUP_IDS[: draw(st.integers(1, len(GROUP_IDS)))]
    accounts = {gid: draw(st.sampled_from([ACCOUNT, ACCOUNT, OTHER_ACCOUNT])) for gid in group_ids}
    groups = []
    for gid in group_ids:
        enterprise = draw(st.booleans())
        count = draw(st.integers(0, 6))
        groups.append(
            SecurityGroup(
                group_id=gid,
                account_id=accounts[gid],
                region_id="cn-hangzhou",
                vpc_id=draw(st.sampled_from(["vpc-1", "vpc-1", None])),
                name=gid,
                description="",
                group_type=GroupType.ENTERPRISE if enterprise else GroupType.NORMAL,
                inner_access_policy=Policy.DROP if enterprise else draw(st.sampled_from(Policy)),
                rules=tuple(draw(rules(accounts, f"{gid}-r{n}")) for n in range(count)),
                created_at=EPOCH,
            )
        )
    addresses = draw(st.lists(st.sampled_from(INSIDE), min_size=1, max_size=5, unique=True))
    interfaces = tuple(
        NetworkInterface(
            eni_id=f"eni-{n}",
            account_id=ACCOUNT,
            region_id="cn-hangzhou",
            vpc_id="vpc-1",
            vswitch_id="vsw-1",
            primary_ip=ipaddress.IPv4Address(address),
            security_group_ids=tuple(
                draw(st.lists(st.sampled_from(group_ids), max_size=3, unique=True))
            ),
        )
        for n, address in enumerate(addresses)
    )
    ends = [i.eni_id for i in interfaces] + [None]
    source, destination = draw(st.sampled_from(ends)), draw(st.sampled_from(ends))

    def address(eni_id: str | None) -> ipaddress.IPv4Address:
        if eni_id is None:
            return ipaddress.IPv4Address(draw(st.sampled_from(OUTSIDE + INSIDE)))
        return next(i.primary_ip for i in interfaces if i.eni_id == eni_id)

    protocol = draw(st.sampled_from(IpProtocol))
    flow = Flow(
        protocol,
        address(source),
        address(destination),
        draw(st.integers(19, 26)) if protocol.has_ports else None,
        draw(st.none() | PORTS) if protocol.has_ports else None,
        draw(st.sampled_from(NicType)),
    )
    return Scenario(tuple(groups), interfaces, flow, source, destination)


def _said(decision: GateDecision) -> reference.Gate:
    if decision.rule is not None:
        return decision.allowed, decision.rule.rule_id
    assert decision.implicit is not None
    return decision.allowed, decision.implicit.value


@PROPERTIES
@given(scenarios())
def test_evaluation_equals_brute_force(scenario: Scenario) -> None:
    verdict = scenario.verdict()
    expected = reference.verdict(
        scenario.world, scenario.flow, scenario.source, scenario.destination
    )
    assert (_said(verdict.egress), _said(verdict.ingress)) == expected
    assert verdict.allowed is (expected[0][0] and expected[1][0])


@PROPERTIES
@given(scenarios())
def test_lookup_tables_agree_with_the_plain_match(scenario: Scenario) -> None:
    evaluator = scenario.evaluator()
    for interface in scenario.interfaces:
        for direction in Direction:
            gate = evaluator.gate(interface.eni_id, direction)
            plain = next((r for r in gate.rules if r.matches(scenario.flow)), None)
            assert gate.classifier.first_match(scenario.flow) is plain


@PROPERTIES
@given(scenarios(), st.randoms(use_true_random=False))
def test_rule_order_and_group_order_never_matter(scenario: Scenario, rng: Random) -> None:
    shuffle = rng.shuffle
    groups = []
    for group in scenario.groups:
        shuffled = list(group.rules)
        shuffle(shuffled)
        groups.append(replace(group, rules=tuple(shuffled)))
    interfaces = []
    for interface in scenario.interfaces:
        joined = list(interface.security_group_ids)
        shuffle(joined)
        interfaces.append(replace(interface, security_group_ids=tuple(joined)))
    shuffle(groups)
    shuffle(interfaces)
    reordered = replace(scenario, groups=tuple(groups), interfaces=tuple(interfaces))
    assert reordered.verdict() == scenario.verdict()


def _with_rule(scenario: Scenario, group_id: str, rule: Rule) -> Scenario:
    groups = tuple(
        replace(g, rules=(*g.rules, rule)) if g.group_id == group_id else g for g in scenario.groups
    )
    return replace(scenario, groups=groups)


@PROPERTIES
@given(scenarios(), st.data())
def test_a_lower_priority_rule_never_changes_a_higher_priority_decision(
    scenario: Scenario, data: st.DataObject
) -> None:
    before = scenario.verdict()
    accounts = {g.group_id: g.account_id for g in scenario.groups}
    after_rule = data.draw(rules(accounts, "sg-new-r1"))
    group_id = data.draw(st.sampled_from([g.group_id for g in scenario.groups]))
    for decision in (before.egress, before.ingress):
        if decision.rule is None or decision.rule.priority.value == 100:
            continue
        lower = Priority(data.draw(st.integers(decision.rule.priority.value + 1, 100)))
        added = replace(after_rule, direction=decision.direction, priority=lower)
        after = _with_rule(scenario, group_id, added).verdict()
        mine = after.egress if decision.direction is Direction.EGRESS else after.ingress
        assert mine == decision


@PROPERTIES
@given(scenarios(), st.data())
def test_drop_wins_over_accept_at_equal_priority(scenario: Scenario, data: st.DataObject) -> None:
    priority = Priority(data.draw(st.integers(1, 4)))
    ends = {Direction.EGRESS: scenario.source, Direction.INGRESS: scenario.destination}
    armed: set[Direction] = set()
    for n, (direction, eni_id) in enumerate(ends.items()):
        joined = next((i.security_group_ids for i in scenario.interfaces if i.eni_id == eni_id), ())
        if not joined:
            continue
        armed.add(direction)
        for policy in Policy:
            # both rules match the flow whatever it is; each goes to one of the side's groups
            both = Rule(
                rule_id=f"sg-new-{direction.value}-{policy.value}",
                direction=direction,
                protocol=IpProtocol.ALL,
                port_range=ANY_PORT,
                source_port_range=None,
                peer=parse_cidr("0.0.0.0/0"),
                local=None,
                nic_type=scenario.flow.nic_type,
                policy=policy,
                priority=priority,
                description="",
                # in one direction the accept is the newer rule: drop still comes first
                created_at=EPOCH + timedelta(seconds=n if policy is Policy.ACCEPT else -n),
            )
            scenario = _with_rule(scenario, data.draw(st.sampled_from(joined)), both)
    verdict = scenario.verdict()
    for decision in (verdict.egress, verdict.ingress):
        if decision.direction not in armed or decision.implicit in BEFORE_RULES:
            continue
        # a rule decides: the pair matches, so nothing of lower priority can
        assert decision.rule is not None
        assert decision.rule.priority <= priority
        if decision.rule.priority == priority:
            assert decision.rule.policy is Policy.DROP

"""Evaluation: two independent gates, implicit defaults, InnerAccessPolicy, what decided."""

from __future__ import annotations

import pytest

from ecsim.engine.evaluate import Evaluator, evaluate
from ecsim.engine.flow import Flow, parse_address
from ecsim.engine.topology import Topology, UnknownInterface
from ecsim.engine.verdict import DecidingRule, GateDecision, Implicit
from ecsim.model.security_group import SecurityGroup
from ecsim.model.values import Direction, IpProtocol, NicType, Policy, Priority
from tests.unit.engine.builders import egress, eni, group, ingress, ref

EGRESS, INGRESS = Direction.EGRESS, Direction.INGRESS


def _two(
    first: SecurityGroup, second: SecurityGroup, *, shared: SecurityGroup | None = None
) -> Evaluator:
    """eni-a (10.0.0.1) in ``first``, eni-b (10.0.0.2) in ``second`` (and both in ``shared``)."""
    groups = [first, second] + ([shared] if shared else [])
    extra = (shared.group_id,) if shared else ()
    return Evaluator(
        Topology(
            groups,
            [
                eni("eni-a", "10.0.0.1", first.group_id, *extra),
                eni("eni-b", "10.0.0.2", second.group_id, *extra),
            ],
        )
    )


def test_both_gates_must_allow() -> None:
    # a's egress drops what b's ingress accepts
    evaluator = _two(
        group("sg-a", egress("tcp", "22/22", "10.0.0.2/32", policy="drop")),
        group("sg-b", ingress("tcp", "22/22", "10.0.0.1/32")),
    )
    verdict = evaluator.between("eni-a", "eni-b", IpProtocol.TCP, 22)
    assert not verdict.allowed
    assert verdict.egress == GateDecision(
        EGRESS, False, rule=DecidingRule("sg-a", "sg-a-r1", Priority(1), Policy.DROP)
    )
    assert verdict.ingress == GateDecision(
        INGRESS, True, rule=DecidingRule("sg-b", "sg-b-r1", Priority(1), Policy.ACCEPT)
    )
    # the other way round: b's egress has no rule (basic: allowed), a's ingress none (denied)
    back = evaluator.between("eni-b", "eni-a", IpProtocol.TCP, 22)
    assert back.egress.implicit is Implicit.EGRESS_DEFAULT_ALLOW and back.egress.allowed
    assert back.ingress.implicit is Implicit.INGRESS_DEFAULT_DENY and not back.ingress.allowed


@pytest.mark.parametrize(
    ("first", "second", "allowed", "egress_reason", "ingress_reason"),
    [
        (
            group("sg-a"),
            group("sg-b"),
            False,
            "egress-default-allow-basic-group",
            "no-matching-rule-ingress-default-deny",
        ),
        (
            group("sg-a", enterprise=True),
            group("sg-b", ingress()),
            False,
            "no-matching-rule-enterprise-default-deny",
            None,
        ),
        (
            group(
                "sg-a",
                enterprise=True,
            ),
            group("sg-b", enterprise=True),
            False,
            "no-matching-rule-enterprise-default-deny",
            "no-matching-rule-enterprise-default-deny",
        ),
        (
            group("sg-a", egress(), enterprise=True),
            group("sg-b", ingress(), enterprise=True),
            True,
            None,
            None,
        ),
    ],
    ids=[
        "basic-no-rules",
        "enterprise-egress-denies",
        "enterprise-both-deny",
        "enterprise-with-rules",
    ],
)
def test_implicit_defaults(
    first: SecurityGroup,
    second: SecurityGroup,
    allowed: bool,
    egress_reason: str | None,
    ingress_reason: str | None,
) -> None:
    verdict = _two(first, second).between("eni-a", "eni-b", IpProtocol.ICMP)
    assert verdict.allowed is allowed
    assert (verdict.egress.implicit and verdict.egress.implicit.value) == egress_reason
    assert (verdict.ingress.implicit and verdict.ingress.implicit.value) == ingress_reason


def test_interface_in_no_group_passes_nothing() -> None:
    evaluator = Evaluator(
        Topology(
            [group("sg-b", ingress())], [eni("eni-a", "10.0.0.1"), eni("eni-b", "10.0.0.2", "sg-b")]
        )
    )
    verdict = evaluator.between("eni-a", "eni-b", IpProtocol.TCP, 80)
    assert verdict.egress == GateDecision(EGRESS, False, implicit=Implicit.NO_SECURITY_GROUP)
    back = evaluator.between("eni-b", "eni-a", IpProtocol.TCP, 80)
    assert back.ingress == GateDecision(INGRESS, False, implicit=Implicit.NO_SECURITY_GROUP)


def test_inner_accept_allows_both_gates_before_any_rule() -> None:
    # drop rules on both sides, even at priority 1 and in other groups: the shared
    # Accept group wins (ModifySecurityGroupPolicy: "Accept has the highest priority")
    shared = group("sg-shared")
    evaluator = _two(
        group("sg-a", egress(policy="drop")),
        group("sg-b", ingress(policy="drop")),
        shared=shared,
    )
    verdict = evaluator.between("eni-a", "eni-b", IpProtocol.TCP, 3306)
    expected = {
        d: GateDecision(d, True, implicit=Implicit.SAME_GROUP_INNER_ACCEPT, group_id="sg-shared")
        for d in Direction
    }
    assert verdict.allowed
    assert (verdict.egress, verdict.ingress) == (expected[EGRESS], expected[INGRESS])
    # the verdict is reused, not rebuilt
    assert evaluator.between("eni-b", "eni-a", IpProtocol.ICMP) is verdict


def test_isolation_is_the_lowest_priority() -> None:
    # isolated group: members do not reach each other by default ...
    isolated = group("sg-iso", isolated=True)
    topology = Topology(
        [isolated], [eni("eni-a", "10.0.0.1", "sg-iso"), eni("eni-b", "10.0.0.2", "sg-iso")]
    )
    verdict = Evaluator(topology).between("eni-a", "eni-b", IpProtocol.TCP, 80)
    assert not verdict.allowed
    assert verdict.ingress.implicit is Implicit.INGRESS_DEFAULT_DENY
    # ... but a rule that accepts the group's own members connects them (guide §1.5)
    opened = group("sg-iso", ingress("tcp", "80/80", ref("sg-iso")), isolated=True)
    topology = Topology(
        [opened], [eni("eni-a", "10.0.0.1", "sg-iso"), eni("eni-b", "10.0.0.2", "sg-iso")]
    )
    verdict = Evaluator(topology).between("eni-a", "eni-b", IpProtocol.TCP, 80)
    assert verdict.allowed and verdict.ingress.rule is not None
    assert not Evaluator(topology).between("eni-a", "eni-b", IpProtocol.TCP, 81).allowed


def test_enterprise_group_members_are_isolated() -> None:
    shared = group("sg-ent", egress(), enterprise=True)
    topology = Topology(
        [shared], [eni("eni-a", "10.0.0.1", "sg-ent"), eni("eni-b", "10.0.0.2", "sg-ent")]
    )
    verdict = Evaluator(topology).between("eni-a", "eni-b", IpProtocol.ICMP)
    assert verdict.egress.allowed and not verdict.ingress.allowed
    assert verdict.ingress.implicit is Implicit.ENTERPRISE_DEFAULT_DENY


def test_outside_addresses_have_no_gate() -> None:
    topology = Topology(
        [group("sg-a", ingress("tcp", "443/443"), egress("tcp", "53/53", policy="drop"))],
        [eni("eni-a", "10.0.0.1", "sg-a")],
    )
    evaluator = Evaluator(topology)
    inbound = Flow(IpProtocol.TCP, parse_address("203.0.113.9"), parse_address("10.0.0.1"), 443)
    verdict = evaluator.evaluate(inbound, None, "eni-a")
    assert verdict.allowed
    assert verdict.egress == GateDecision(EGRESS, True, implicit=Implicit.EXTERNAL_ENDPOINT)
    outbound = Flow(IpProtocol.TCP, parse_address("10.0.0.1"), parse_address("8.8.8.8"), 53)
    verdict = evaluator.evaluate(outbound, "eni-a", None)
    assert not verdict.allowed and verdict.egress.rule is not None
    assert verdict.ingress.implicit is Implicit.EXTERNAL_ENDPOINT
    # a module-level one-off query answers the same
    assert evaluate(topology, outbound, "eni-a", None) == verdict


def test_traffic_to_oneself_passes() -> None:
    topology = Topology([group("sg-a", enterprise=True)], [eni("eni-a", "10.0.0.1", "sg-a")])
    verdict = Evaluator(topology).between("eni-a", "eni-a", IpProtocol.TCP, 22)
    assert verdict.allowed and verdict.ingress.implicit is Implicit.SAME_INTERFACE


def test_unknown_interfaces_are_refused() -> None:
    evaluator = Evaluator(Topology([group("sg-a")], [eni("eni-a", "10.0.0.1", "sg-a")]))
    flow = Flow(IpProtocol.ICMP, parse_address("10.0.0.1"), parse_address("10.0.0.9"))
    for source, destination in (("eni-a", "eni-x"), ("eni-x", "eni-a"), ("eni-x", "eni-x")):
        with pytest.raises(UnknownInterface):
            evaluator.evaluate(flow, source, destination)


def test_classic_internet_rules_apply_to_internet_flows_only() -> None:
    classic = group("sg-c", ingress("tcp", "80/80", nic="internet"), vpc_id=None)
    topology = Topology([classic], [eni("eni-a", "10.0.0.1", "sg-c")])
    evaluator = Evaluator(topology)
    source, destination = parse_address("203.0.113.9"), parse_address("10.0.0.1")
    intranet = Flow(IpProtocol.TCP, source, destination, 80)
    internet = Flow(IpProtocol.TCP, source, destination, 80, nic_type=NicType.INTERNET)
    assert not evaluator.evaluate(intranet, None, "eni-a").allowed
    assert evaluator.evaluate(internet, None, "eni-a").allowed


def test_gates_are_shared_by_interfaces_with_the_same_groups() -> None:
    topology = Topology(
        [group("sg-a", ingress()), group("sg-b")],
        [
            eni("eni-1", "10.0.0.1", "sg-a", "sg-b"),
            eni("eni-2", "10.0.0.2", "sg-b", "sg-a"),
            eni("eni-3", "10.0.0.3", "sg-a"),
        ],
    )
    evaluator = Evaluator(topology)
    evaluator.warm()
    assert evaluator.gate("eni-1", INGRESS) is evaluator.gate("eni-2", INGRESS)
    assert evaluator.gate("eni-1", INGRESS) is not evaluator.gate("eni-3", INGRESS)
    assert [r.rule_id for r in evaluator.effective_rules("eni-3", INGRESS)] == ["sg-a-r1"]
    assert evaluator.effective_rules("eni-3", EGRESS) == ()

"""Normalisation: pooling, ordering, group references resolved to members, match semantics."""

from __future__ import annotations

import ipaddress

import pytest

from ecsim.engine.classifier import Classifier
from ecsim.engine.flow import Flow, flow_between, parse_address
from ecsim.engine.rules import EffectiveRule, effective_rules
from ecsim.engine.topology import Topology, UnknownInterface
from ecsim.model.security_group import GroupRef, Rule
from ecsim.model.values import Direction, IpProtocol, NicType
from tests.unit.engine.builders import (
    OTHER_ACCOUNT,
    egress,
    eni,
    group,
    ingress,
    ref,
)


def _ids(rules: tuple[EffectiveRule, ...]) -> list[str]:
    return [r.rule_id for r in rules]


def _tcp(source: str, destination: str, port: int, source_port: int | None = None) -> Flow:
    return Flow(
        IpProtocol.TCP, parse_address(source), parse_address(destination), port, source_port
    )


def _bare(protocol: IpProtocol, source: str, destination: str) -> Flow:
    return Flow(protocol, parse_address(source), parse_address(destination))


def test_rules_of_all_groups_are_pooled_in_priority_then_drop_first_order() -> None:
    a = group(
        "sg-a",
        ingress("tcp", "22/22", priority=5),
        ingress("tcp", "80/80", priority=1),
        ingress("tcp", "22/22", policy="drop", priority=5),
        egress(priority=1),
    )
    b = group("sg-b", ingress("udp", "53/53", priority=3), ingress(policy="drop", priority=1))
    topology = Topology([a, b], [eni("eni-1", "10.0.0.1", "sg-a", "sg-b")])
    pooled = effective_rules(topology, topology.group_set("eni-1"), Direction.INGRESS)
    assert _ids(pooled) == ["sg-b-r2", "sg-a-r2", "sg-b-r1", "sg-a-r3", "sg-a-r1"]
    assert _ids(effective_rules(topology, frozenset({"sg-a"}), Direction.EGRESS)) == ["sg-a-r4"]


def test_equal_priority_and_policy_match_newest_first_then_by_id() -> None:
    a = group("sg-a", ingress(age=10), ingress("tcp", "1/2", age=0), ingress("udp", "1/2"))
    b = group("sg-b", ingress("icmp", age=5))
    topology = Topology([b, a], [eni("eni-1", "10.0.0.1", "sg-b", "sg-a")])
    pooled = effective_rules(topology, topology.group_set("eni-1"), Direction.INGRESS)
    assert _ids(pooled) == ["sg-a-r2", "sg-a-r3", "sg-b-r1", "sg-a-r1"]


def test_group_reference_resolves_to_the_members_primary_addresses() -> None:
    db = group("sg-db", ingress("tcp", "3306/3306", ref("sg-web")))
    web = group("sg-web")
    topology = Topology(
        [db, web],
        [
            eni("eni-db", "10.0.0.10", "sg-db"),
            eni("eni-w1", "10.0.0.21", "sg-web"),
            eni("eni-w2", "10.0.0.22", "sg-web", "sg-db"),
        ],
    )
    (resolved,) = effective_rules(topology, frozenset({"sg-db"}), Direction.INGRESS)
    assert resolved.peer == (
        ipaddress.ip_network("10.0.0.21/32"),
        ipaddress.ip_network("10.0.0.22/32"),
    )
    assert resolved.peer_group == ref("sg-web")
    assert [i.eni_id for i in topology.members("sg-web")] == ["eni-w1", "eni-w2"]


@pytest.mark.parametrize(
    ("peer", "addresses"),
    [
        (ref("sg-other", OTHER_ACCOUNT), {"10.1.0.5"}),
        (ref("sg-other"), set()),
        (ref("sg-missing"), set()),
        (ref("sg-empty"), set()),
    ],
    ids=["cross-account", "wrong-owner", "group-not-in-snapshot", "group-without-members"],
)
def test_group_reference_resolution(peer: GroupRef, addresses: set[str]) -> None:
    mine = group("sg-mine", ingress(peer=peer))
    other = group("sg-other", account=OTHER_ACCOUNT)
    topology = Topology(
        [mine, other, group("sg-empty")],
        [eni("eni-1", "10.0.0.1", "sg-mine"), eni("eni-2", "10.1.0.5", "sg-other")],
    )
    (resolved,) = effective_rules(topology, frozenset({"sg-mine"}), Direction.INGRESS)
    assert {str(block.network_address) for block in resolved.peer} == addresses


def test_nic_type_is_kept_only_for_classic_groups() -> None:
    vpc = group("sg-vpc", ingress(nic="internet"))
    classic = group("sg-classic", ingress(nic="internet"), vpc_id=None)
    topology = Topology([vpc, classic], [])
    (in_vpc,) = effective_rules(topology, frozenset({"sg-vpc"}), Direction.INGRESS)
    (in_classic,) = effective_rules(topology, frozenset({"sg-classic"}), Direction.INGRESS)
    assert in_vpc.nic_type is None
    assert in_classic.nic_type is NicType.INTERNET


@pytest.mark.parametrize(
    ("rule", "flow", "matches"),
    [
        (ingress(), _bare(IpProtocol.GRE, "1.2.3.4", "10.0.0.1"), True),
        (ingress("icmp"), _tcp("1.2.3.4", "10.0.0.1", 80), False),
        (ingress("tcp", "80/90"), _tcp("1.2.3.4", "10.0.0.1", 90), True),
        (ingress("tcp", "80/90"), _tcp("1.2.3.4", "10.0.0.1", 91), False),
        (ingress("udp", "80/90"), _tcp("1.2.3.4", "10.0.0.1", 85), False),
        (ingress("tcp", "1/65535", "1.2.3.0/24"), _tcp("1.2.3.255", "10.0.0.1", 1), True),
        (ingress("tcp", "1/65535", "1.2.3.0/24"), _tcp("1.2.4.0", "10.0.0.1", 1), False),
        (
            ingress("tcp", "1/65535", source_ports="22/22"),
            _tcp("1.2.3.4", "10.0.0.1", 80, 22),
            True,
        ),
        (
            ingress("tcp", "1/65535", source_ports="22/22"),
            _tcp("1.2.3.4", "10.0.0.1", 80, 23),
            False,
        ),
        (ingress("tcp", "1/65535", source_ports="22/22"), _tcp("1.2.3.4", "10.0.0.1", 80), False),
        (ingress(source_ports="-1/-1"), _tcp("1.2.3.4", "10.0.0.1", 80), True),
        (ingress(local="10.0.0.0/31"), _tcp("1.2.3.4", "10.0.0.1", 80), True),
        (ingress(local="10.0.0.0/31"), _tcp("1.2.3.4", "10.0.0.2", 80), False),
        (egress(local="10.0.0.0/31"), _tcp("10.0.0.1", "1.2.3.4", 80), True),
        (egress(peer="1.2.3.4/32"), _tcp("1.2.3.4", "10.0.0.1", 80), False),
        (egress(peer="1.2.3.4/32"), _tcp("10.0.0.1", "1.2.3.4", 80), True),
        (ingress(peer="::/0"), _tcp("1.2.3.4", "10.0.0.1", 80), False),
        (ingress(peer="::/0"), _tcp("2001:db8::1", "2001:db8::2", 80), True),
        (ingress(peer="0.0.0.0/0"), _tcp("2001:db8::1", "2001:db8::2", 80), False),
        (
            ingress("icmp"),
            _bare(IpProtocol.ALL, "1.2.3.4", "10.0.0.1"),
            False,
        ),
        (ingress("all"), _bare(IpProtocol.ALL, "1.2.3.4", "10.0.0.1"), True),
        (
            ingress("all", "1/10"),
            _bare(IpProtocol.ICMP, "1.2.3.4", "10.0.0.1"),
            False,
        ),
    ],
    ids=[
        "all-matches-gre",
        "icmp-is-not-tcp",
        "port-range-upper-bound",
        "port-past-the-range",
        "udp-is-not-tcp",
        "peer-cidr-last-address",
        "peer-cidr-next-block",
        "source-port-in-range",
        "source-port-outside",
        "source-port-unknown",
        "source-port-any",
        "five-tuple-local-in-dest-cidr",
        "five-tuple-local-outside",
        "egress-local-is-the-source",
        "egress-peer-is-the-destination-not-the-source",
        "egress-peer-destination",
        "ipv6-peer-ipv4-flow",
        "ipv6-peer-ipv6-flow",
        "ipv4-peer-ipv6-flow",
        "protocol-all-flow-needs-an-all-rule",
        "protocol-all-flow-all-rule",
        "portless-flow-fails-a-port-restriction",
    ],
)
def test_rule_matches(rule: Rule, flow: Flow, matches: bool) -> None:
    topology = Topology([group("sg-a", rule)], [])
    direction = rule.direction
    (effective,) = effective_rules(topology, frozenset({"sg-a"}), direction)
    assert effective.matches(flow) is matches
    # the fast lookup holds the same semantics
    found = Classifier((effective,), direction, topology.groups_at).first_match(flow)
    assert (found is effective) is matches


def test_classifier_finds_the_first_of_overlapping_rules() -> None:
    a = group(
        "sg-a",
        ingress("tcp", "1/100", "10.0.0.0/8", priority=3),
        ingress("tcp", "50/60", "10.1.0.0/16", priority=2, policy="drop"),
        ingress("tcp", "55/55", "10.1.2.3/32", priority=1),
    )
    topology = Topology([a], [])
    rules = effective_rules(topology, frozenset({"sg-a"}), Direction.INGRESS)
    classifier = Classifier(rules, Direction.INGRESS, topology.groups_at)
    cases = {
        ("10.1.2.3", 55): "sg-a-r3",
        ("10.1.2.4", 55): "sg-a-r2",
        ("10.1.2.3", 61): "sg-a-r1",
        ("10.2.0.0", 50): "sg-a-r1",
    }
    for (source, port), rule_id in cases.items():
        found = classifier.first_match(_tcp(source, "10.0.0.1", port))
        assert found is not None and found.rule_id == rule_id
    assert classifier.first_match(_tcp("11.0.0.1", "10.0.0.1", 55)) is None
    assert Classifier((), Direction.INGRESS, {}).first_index(_tcp("1.1.1.1", "2.2.2.2", 1)) == -1


def test_interface_in_a_group_the_snapshot_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="sg-gone"):
        Topology([], [eni("eni-1", "10.0.0.1", "sg-gone")])


def test_interface_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        Topology([group("sg-a")], [eni("eni-1", "10.0.0.1", "sg-a")] * 2)


def test_unknown_interface() -> None:
    with pytest.raises(UnknownInterface):
        Topology([], []).interface("eni-nope")


@pytest.mark.parametrize(
    ("protocol", "destination", "port", "source_port", "message"),
    [
        (IpProtocol.TCP, "10.0.0.2", None, None, "destination port"),
        (IpProtocol.UDP, "10.0.0.2", 0, None, "1..65535"),
        (IpProtocol.TCP, "10.0.0.2", 80, 65536, "1..65535"),
        (IpProtocol.ICMP, "10.0.0.2", 80, None, "no ports"),
        (IpProtocol.ICMP, "::1", None, None, "families"),
    ],
    ids=[
        "tcp-without-port",
        "port-zero",
        "source-port-too-big",
        "icmp-with-port",
        "mixed-families",
    ],
)
def test_flow_refuses_what_no_packet_carries(
    protocol: IpProtocol,
    destination: str,
    port: int | None,
    source_port: int | None,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        Flow(protocol, parse_address("10.0.0.1"), parse_address(destination), port, source_port)


def test_parse_address_and_flow_between() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        parse_address("10.0.0")
    flow = flow_between(eni("eni-1", "10.0.0.1"), eni("eni-2", "10.0.0.2"), IpProtocol.TCP, 22)
    assert (str(flow.source), str(flow.destination), flow.destination_port) == (
        "10.0.0.1",
        "10.0.0.2",
        22,
    )
    assert flow.version == 4

"""The guide's security-group chapter (ecs-best-practices, chapter 1), case by case.

Each row asks whether SOURCE may open a flow to DESTINATION, written
``"SOURCE > DESTINATION PROTOCOL [PORT] [from SOURCE_PORT]"`` (interface ids, or outside
addresses), and names what decided each gate: a rule id (``<group>-r<n>``, n counting the
group's rules in the order the case lists them) or an implicit reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from ecsim.engine.evaluate import Evaluator
from ecsim.engine.flow import Flow, parse_address
from ecsim.engine.topology import Topology
from ecsim.engine.verdict import GateDecision
from ecsim.model.security_group import GroupRef
from ecsim.model.values import IpProtocol
from tests.unit.engine.builders import OTHER_ACCOUNT, egress, eni, group, ingress, ref

OUT = "egress-default-allow-basic-group"
DENY = "no-matching-rule-ingress-default-deny"
INNER = "same-group-inner-accept"
EXT = "external-endpoint"

Row = tuple[str, str, bool, str, str]
TopologyRow = tuple[str, Topology, str, bool, str, str]


def table(rows: Sequence[Row] | Sequence[TopologyRow]) -> Callable[[Any], Any]:
    """Rows are ``(id, [topology,] ask, allowed, egress_by, ingress_by)``."""
    fields = ("ask", "allowed", "egress_by", "ingress_by")
    return pytest.mark.parametrize(
        fields if len(rows[0]) == 5 else ("topology", *fields),
        [row[1:] for row in rows],
        ids=[row[0] for row in rows],
    )


def _decider(decision: GateDecision) -> str:
    if decision.rule is not None:
        return decision.rule.rule_id
    assert decision.implicit is not None
    return decision.implicit.value


def verdict(topology: Topology, ask: str) -> tuple[bool, str, str]:
    """``(allowed, what decided egress, what decided ingress)`` for ``ask``."""
    source_name, _, rest = ask.partition(" > ")
    destination_name, protocol, *ports = rest.split()
    source_port = int(ports.pop()) if len(ports) == 3 and ports[1] == "from" else None
    port = int(ports[0]) if ports else None

    def end(name: str) -> tuple[str | None, str]:
        if name.startswith("eni-"):
            return name, str(topology.interface(name).primary_ip)
        return None, name

    source, source_address = end(source_name)
    destination, destination_address = end(destination_name)
    flow = Flow(
        IpProtocol.parse(protocol),
        parse_address(source_address),
        parse_address(destination_address),
        port,
        source_port,
    )
    found = Evaluator(topology).evaluate(flow, source, destination)
    return found.allowed, _decider(found.egress), _decider(found.ingress)


# §1.1: the web tier opens 80/8080/443 to everyone; the database drops 3306 from everyone at
# the lowest priority and accepts it from sg-web at priority 2; a VPC group trusts its own
# 10.0.0.0/24 (the guide writes tcp/udp "0/65535"; ports start at 1, so 1/65535).
PRACTICE_1 = Topology(
    [
        group(
            "sg-web",
            ingress("tcp", "80/80"),
            ingress("tcp", "8080/8080"),
            ingress("tcp", "443/443"),
        ),
        group(
            "sg-database",
            ingress("tcp", "3306/3306", "0.0.0.0/0", policy="drop", priority=100),
            ingress("tcp", "3306/3306", ref("sg-web"), priority=2),
        ),
        group(
            "sg-trust",
            ingress("icmp", "-1/-1", "10.0.0.0/24", priority=2),
            ingress("tcp", "1/65535", "10.0.0.0/24", priority=2),
            ingress("udp", "1/65535", "10.0.0.0/24", priority=2),
        ),
        group("sg-other"),
    ],
    [
        eni("eni-web", "10.0.0.10", "sg-web"),
        eni("eni-db", "10.0.0.20", "sg-database"),
        eni("eni-db2", "10.0.0.21", "sg-database"),
        eni("eni-app", "10.0.0.30", "sg-other"),
        eni("eni-trusting", "10.0.0.40", "sg-trust"),
        eni("eni-far", "10.0.1.5", "sg-other"),
    ],
)

# §1.2: Redis open to sg-web only; a lower-priority drop for everyone else; port 80 public
# (NicType internet: in a VPC every rule is intranet, so it applies all the same).
PRACTICE_2 = Topology(
    [
        group(
            "sg-redis",
            ingress("tcp", "80/80", "0.0.0.0/0", nic="internet"),
            ingress("tcp", "6379/6379", "0.0.0.0/0", policy="drop", priority=100),
            ingress("tcp", "6379/6379", ref("sg-web")),
        ),
        group("sg-web"),
        group("sg-other"),
    ],
    [
        eni("eni-redis", "10.0.0.50", "sg-redis"),
        eni("eni-web", "10.0.0.10", "sg-web"),
        eni("eni-app", "10.0.0.30", "sg-other"),
    ],
)

# §1.4, the four ways to connect instances on the private network, and the three tiers.
BY_ADDRESS = Topology(
    [
        group("sg-1", ingress("all", "-1/-1", "10.0.0.2/32")),
        group("sg-2", ingress("all", "-1/-1", "10.0.0.1/32")),
        group("sg-3"),
    ],
    [
        eni("eni-1", "10.0.0.1", "sg-1"),
        eni("eni-2", "10.0.0.2", "sg-2"),
        eni("eni-3", "10.0.0.3", "sg-3"),
    ],
)
SAME_GROUP = Topology(
    [group("sg-same"), group("sg-3")],
    [
        eni("eni-1", "10.0.0.1", "sg-same"),
        eni("eni-2", "10.0.0.2", "sg-same"),
        eni("eni-3", "10.0.0.3", "sg-3"),
    ],
)
INTERCONNECT = Topology(
    [
        group("sg-web", ingress("tcp", "80/80")),
        group("sg-db", ingress("tcp", "3306/3306", ref("sg-app"))),
        group("sg-app"),
        # no rules at all: membership alone connects
        group("sg-link"),
    ],
    [
        eni("eni-web", "10.0.0.10", "sg-web", "sg-link"),
        eni("eni-db", "10.0.0.20", "sg-db", "sg-link"),
        eni("eni-db2", "10.0.0.21", "sg-db"),
    ],
)
MUTUAL = Topology(
    [
        group("sg-x", ingress("all", "-1/-1", ref("sg-y"))),
        group("sg-y", ingress("all", "-1/-1", ref("sg-x"))),
        group("sg-p", ingress("all", "-1/-1", ref("sg-q"))),
        group("sg-q"),
    ],
    [
        eni("eni-x", "10.0.0.1", "sg-x"),
        eni("eni-y", "10.0.0.2", "sg-y"),
        eni("eni-p", "10.0.0.3", "sg-p"),
        eni("eni-q", "10.0.0.4", "sg-q"),
    ],
)
THREE_TIERS = Topology(
    [
        group("sg-web", ingress("tcp", "80/80")),
        group("sg-app", ingress("tcp", "8080/8080", ref("sg-web"))),
        group("sg-db", ingress("tcp", "3306/3306", ref("sg-app"))),
    ],
    [
        eni("eni-web", "10.0.0.10", "sg-web"),
        eni("eni-app", "10.0.0.20", "sg-app"),
        eni("eni-db", "10.0.0.30", "sg-db"),
    ],
)

# §1.5: Group1 isolated {ECS1, ECS2}; Group2 interconnected {ECS1, ECS2}; Group3
# interconnected {ECS2, ECS3}.
ISOLATION = Topology(
    [group("group1", isolated=True), group("group2"), group("group3")],
    [
        eni("eni-ecs1", "10.0.0.1", "group1", "group2"),
        eni("eni-ecs2", "10.0.0.2", "group1", "group2", "group3"),
        eni("eni-ecs3", "10.0.0.3", "group3"),
    ],
)
ISOLATED_ONLY = Topology(
    [group("group1", isolated=True)],
    [eni("eni-ecs1", "10.0.0.1", "group1"), eni("eni-ecs2", "10.0.0.2", "group1")],
)

# §1.6: the egress five-tuple rule: drop TCP from 172.16.1.0/32, source port 22, to
# 10.0.0.1/32, any destination port; and an ingress rule limited by DestCidrIp.
FIVE_TUPLE = Topology(
    [
        group(
            "sg-five",
            egress(
                "tcp",
                "1/65535",
                "10.0.0.1/32",
                policy="drop",
                source_ports="22/22",
                local="172.16.1.0/32",
            ),
            ingress("tcp", "80/80", "0.0.0.0/0", local="172.16.1.0/32"),
        ),
    ],
    [
        eni("eni-x", "172.16.1.0", "sg-five"),
        eni("eni-z", "172.16.1.1", "sg-five"),
    ],
)

# §1.7: instance A 10.0.0.1 in sg1, instance B 10.0.0.2 in sg2, by address; then two
# accounts authorizing each other's group (SourceGroupOwnerAccount), B in another VPC.
BY_ADDRESS_BEFORE = Topology(
    [group("sg1"), group("sg2")],
    [eni("eni-a", "10.0.0.1", "sg1"), eni("eni-b", "10.0.0.2", "sg2")],
)
BY_ADDRESS_AFTER = Topology(
    [
        group("sg1", ingress("all", "-1/-1", "10.0.0.2")),
        group("sg2", ingress("all", "-1/-1", "10.0.0.1")),
    ],
    [eni("eni-a", "10.0.0.1", "sg1"), eni("eni-b", "10.0.0.2", "sg2")],
)


def _accounts(sg1_admits: GroupRef | None, sg2_admits: GroupRef | None) -> Topology:
    sg1_rules = [ingress("all", "-1/-1", sg1_admits)] if sg1_admits else []
    sg2_rules = [ingress("all", "-1/-1", sg2_admits)] if sg2_admits else []
    return Topology(
        [group("sg1", *sg1_rules), group("sg2", *sg2_rules, account=OTHER_ACCOUNT)],
        [
            eni("eni-a", "10.0.0.1", "sg1"),
            eni("eni-b", "10.0.1.2", "sg2", account=OTHER_ACCOUNT, vpc_id="vpc-b"),
        ],
    )


CROSS_BOTH = _accounts(ref("sg2", OTHER_ACCOUNT), ref("sg1"))
CROSS_ONE_WAY = _accounts(ref("sg2", OTHER_ACCOUNT), None)
# the owner named is not the group's account: the reference does not resolve
CROSS_WRONG_OWNER = _accounts(ref("sg2"), ref("sg1"))
PRACTICE_1_ROWS: list[Row] = [
    ("sg-web-member-reaches-3306", "eni-web > eni-db tcp 3306", True, OUT, "sg-database-r2"),
    ("other-group-dropped-at-100", "eni-app > eni-db tcp 3306", False, OUT, "sg-database-r1"),
    ("outside-dropped-at-100", "198.51.100.7 > eni-db tcp 3306", False, EXT, "sg-database-r1"),
    ("other-port-default-deny", "eni-web > eni-db tcp 22", False, OUT, DENY),
    # a documented choice: the database group's own members connect by InnerAccessPolicy
    ("database-members-inner-accept", "eni-db2 > eni-db tcp 3306", True, INNER, INNER),
    ("public-80", "198.51.100.7 > eni-web tcp 80", True, EXT, "sg-web-r1"),
    ("public-8080", "198.51.100.7 > eni-web tcp 8080", True, EXT, "sg-web-r2"),
    ("public-443", "198.51.100.7 > eni-web tcp 443", True, EXT, "sg-web-r3"),
    ("public-22-closed", "198.51.100.7 > eni-web tcp 22", False, EXT, DENY),
    ("trusted-cidr-icmp", "eni-app > eni-trusting icmp", True, OUT, "sg-trust-r1"),
    ("trusted-cidr-tcp", "eni-app > eni-trusting tcp 5432", True, OUT, "sg-trust-r2"),
    ("trusted-cidr-udp", "eni-app > eni-trusting udp 53", True, OUT, "sg-trust-r3"),
    ("trusted-cidr-no-gre-rule", "eni-app > eni-trusting gre", False, OUT, DENY),
    ("outside-the-trusted-cidr", "eni-far > eni-trusting tcp 5432", False, OUT, DENY),
]

PRACTICE_2_ROWS: list[Row] = [
    ("sg-web-reaches-redis", "eni-web > eni-redis tcp 6379", True, OUT, "sg-redis-r3"),
    ("others-dropped", "eni-app > eni-redis tcp 6379", False, OUT, "sg-redis-r2"),
    ("outside-dropped", "203.0.113.5 > eni-redis tcp 6379", False, EXT, "sg-redis-r2"),
    ("internet-80", "203.0.113.5 > eni-redis tcp 80", True, EXT, "sg-redis-r1"),
]

FOUR_WAYS_ROWS: list[TopologyRow] = [
    ("1-address-one-way", BY_ADDRESS, "eni-1 > eni-2 icmp", True, OUT, "sg-2-r1"),
    ("1-address-other-way", BY_ADDRESS, "eni-2 > eni-1 tcp 22", True, OUT, "sg-1-r1"),
    ("1-unlisted-address", BY_ADDRESS, "eni-3 > eni-1 icmp", False, OUT, DENY),
    ("2-same-group", SAME_GROUP, "eni-1 > eni-2 tcp 22", True, INNER, INNER),
    ("2-not-in-the-group", SAME_GROUP, "eni-3 > eni-2 tcp 22", False, OUT, DENY),
    ("3-interconnect-group", INTERCONNECT, "eni-web > eni-db tcp 3306", True, INNER, INNER),
    ("3-interconnect-group-back", INTERCONNECT, "eni-db > eni-web udp 9000", True, INNER, INNER),
    ("3-outside-the-link-group", INTERCONNECT, "eni-web > eni-db2 tcp 3306", False, OUT, DENY),
    ("4-mutual-one-way", MUTUAL, "eni-x > eni-y icmp", True, OUT, "sg-y-r1"),
    ("4-mutual-other-way", MUTUAL, "eni-y > eni-x tcp 443", True, OUT, "sg-x-r1"),
    ("4-one-way-authorized", MUTUAL, "eni-q > eni-p icmp", True, OUT, "sg-p-r1"),
    ("4-one-way-not-back", MUTUAL, "eni-p > eni-q icmp", False, OUT, DENY),
    ("tiers-public-web", THREE_TIERS, "198.51.100.1 > eni-web tcp 80", True, EXT, "sg-web-r1"),
    ("tiers-web-to-app", THREE_TIERS, "eni-web > eni-app tcp 8080", True, OUT, "sg-app-r1"),
    ("tiers-app-to-db", THREE_TIERS, "eni-app > eni-db tcp 3306", True, OUT, "sg-db-r1"),
    ("tiers-web-not-to-db", THREE_TIERS, "eni-web > eni-db tcp 3306", False, OUT, DENY),
    ("tiers-public-not-to-app", THREE_TIERS, "198.51.100.1 > eni-app tcp 8080", False, EXT, DENY),
]

ISOLATION_ROWS: list[Row] = [
    ("ecs1-ecs2-by-group2", "eni-ecs1 > eni-ecs2 tcp 22", True, INNER, INNER),
    ("ecs2-ecs1-by-group2", "eni-ecs2 > eni-ecs1 icmp", True, INNER, INNER),
    ("ecs2-ecs3-by-group3", "eni-ecs2 > eni-ecs3 tcp 22", True, INNER, INNER),
    ("ecs3-ecs2-by-group3", "eni-ecs3 > eni-ecs2 icmp", True, INNER, INNER),
    ("ecs1-ecs3-isolated", "eni-ecs1 > eni-ecs3 tcp 22", False, OUT, DENY),
    ("ecs3-ecs1-isolated", "eni-ecs3 > eni-ecs1 icmp", False, OUT, DENY),
]

FIVE_TUPLE_ROWS: list[Row] = [
    ("drop-source-port-22", "eni-x > 10.0.0.1 tcp 80 from 22", False, "sg-five-r1", EXT),
    ("drop-any-destination-port", "eni-x > 10.0.0.1 tcp 3306 from 22", False, "sg-five-r1", EXT),
    ("other-source-port", "eni-x > 10.0.0.1 tcp 80 from 2222", True, OUT, EXT),
    ("unknown-source-port", "eni-x > 10.0.0.1 tcp 80", True, OUT, EXT),
    ("udp-not-covered", "eni-x > 10.0.0.1 udp 80 from 22", True, OUT, EXT),
    ("other-destination", "eni-x > 10.0.0.2 tcp 80 from 22", True, OUT, EXT),
    ("other-source-address", "eni-z > 10.0.0.1 tcp 80 from 22", True, OUT, EXT),
    ("ingress-dest-cidr-matches", "203.0.113.5 > eni-x tcp 80", True, EXT, "sg-five-r2"),
    ("ingress-dest-cidr-other-member", "203.0.113.5 > eni-z tcp 80", False, EXT, DENY),
]

ACROSS_ROWS: list[TopologyRow] = [
    ("address-before-the-rules", BY_ADDRESS_BEFORE, "eni-a > eni-b icmp", False, OUT, DENY),
    ("address-a-to-b", BY_ADDRESS_AFTER, "eni-a > eni-b icmp", True, OUT, "sg2-r1"),
    ("address-b-to-a", BY_ADDRESS_AFTER, "eni-b > eni-a icmp", True, OUT, "sg1-r1"),
    ("accounts-a-to-b", CROSS_BOTH, "eni-a > eni-b icmp", True, OUT, "sg2-r1"),
    ("accounts-b-to-a", CROSS_BOTH, "eni-b > eni-a icmp", True, OUT, "sg1-r1"),
    ("accounts-one-way-authorized", CROSS_ONE_WAY, "eni-b > eni-a icmp", True, OUT, "sg1-r1"),
    ("accounts-one-way-not-back", CROSS_ONE_WAY, "eni-a > eni-b icmp", False, OUT, DENY),
    ("accounts-wrong-owner", CROSS_WRONG_OWNER, "eni-b > eni-a icmp", False, OUT, DENY),
]


@table(PRACTICE_1_ROWS)
def test_1_1_inbound_rules(ask: str, allowed: bool, egress_by: str, ingress_by: str) -> None:
    assert verdict(PRACTICE_1, ask) == (allowed, egress_by, ingress_by)


@table(PRACTICE_2_ROWS)
def test_1_2_authorize_by_group(ask: str, allowed: bool, egress_by: str, ingress_by: str) -> None:
    assert verdict(PRACTICE_2, ask) == (allowed, egress_by, ingress_by)


def test_1_2_leaving_the_referenced_group_closes_the_way() -> None:
    # group references follow membership: once eni-web leaves sg-web it is just another
    # address to sg-redis's drop rule
    left = Topology(
        PRACTICE_2.groups.values(),
        [PRACTICE_2.interface("eni-redis"), eni("eni-web", "10.0.0.10", "sg-other")],
    )
    assert verdict(left, "eni-web > eni-redis tcp 6379") == (False, OUT, "sg-redis-r2")


@table(FOUR_WAYS_ROWS)
def test_1_4_four_ways_to_connect(
    topology: Topology, ask: str, allowed: bool, egress_by: str, ingress_by: str
) -> None:
    assert verdict(topology, ask) == (allowed, egress_by, ingress_by)


@table(ISOLATION_ROWS)
def test_1_5_isolation_in_a_group(ask: str, allowed: bool, egress_by: str, ingress_by: str) -> None:
    assert verdict(ISOLATION, ask) == (allowed, egress_by, ingress_by)


def test_1_5_isolated_group_alone_isolates() -> None:
    assert verdict(ISOLATED_ONLY, "eni-ecs1 > eni-ecs2 icmp") == (False, OUT, DENY)


@table(FIVE_TUPLE_ROWS)
def test_1_6_five_tuple_rules(ask: str, allowed: bool, egress_by: str, ingress_by: str) -> None:
    assert verdict(FIVE_TUPLE, ask) == (allowed, egress_by, ingress_by)


@table(ACROSS_ROWS)
def test_1_7_across_accounts(
    topology: Topology, ask: str, allowed: bool, egress_by: str, ingress_by: str
) -> None:
    assert verdict(topology, ask) == (allowed, egress_by, ingress_by)

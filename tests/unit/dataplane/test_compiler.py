"""The nftables compiler, on its text: gates as chains, runs as set lookups, the router's
fixed chains and the NAT table. ``tests/linux`` checks the same text against a kernel."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsim.dataplane.compiler import compile_router
from ecsim.dataplane.compiler_gates import FOLD_RANGES, member_set
from ecsim.dataplane.compiler_sets import address_text, disjoint_boxes, merge_spans
from ecsim.dataplane.plan import short_name
from ecsim.engine.evaluate import Evaluator
from ecsim.engine.rules import Span
from ecsim.engine.topology import Topology
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import SecurityGroup
from tests.support.netns import eni_port
from tests.unit.engine.builders import egress, eni, group, ingress, ref


def _compile(
    groups: Sequence[SecurityGroup],
    interfaces: Sequence[NetworkInterface],
    eips: dict[str, str] | None = None,
    fold_ranges: int = FOLD_RANGES,
) -> str:
    eips = eips or {}
    ports = [eni_port(i, eips.get(i.eni_id)) for i in interfaces]
    evaluator = Evaluator(Topology(groups, interfaces))
    return compile_router(evaluator, ports, fold_ranges=fold_ranges)


def _one(*groups: SecurityGroup) -> str:
    """eni-a (10.0.0.1) in every group given."""
    return _compile(groups, [eni("eni-a", "10.0.0.1", *(g.group_id for g in groups))])


def _block(text: str, kind: str, name: str) -> list[str]:
    """The statements of one chain, set or map, stripped, comments left out."""
    lines = text.splitlines()
    start = lines.index(f"\t{kind} {name} {{")
    end = lines.index("\t}", start)
    found = [line.strip() for line in lines[start + 1 : end]]
    return [line for line in found if line and not line.startswith("#")]


def _chain(text: str, name: str) -> list[str]:
    return _block(text, "chain", name)


def _elements(text: str, name: str) -> list[str]:
    body = _block(text, "set", name)
    if "elements = {" not in body:
        return []
    return [e.rstrip(",") for e in body[body.index("elements = {") + 1 : body.index("}")]]


def _egress(*group_ids: str) -> str:
    return short_name("eg_", *sorted(group_ids))


def _ingress(*group_ids: str) -> str:
    return short_name("in_", *sorted(group_ids))


def test_the_text_replaces_both_tables_first() -> None:
    text = _one(group("sg-a"))
    head = [line for line in text.splitlines() if line and not line.startswith("#")][:4]
    assert head == [
        "add table inet ecsim",
        "delete table inet ecsim",
        "add table ip ecsim_nat",
        "delete table ip ecsim_nat",
    ]
    assert "table inet ecsim {" in text
    assert "table ip ecsim_nat {" in text


def test_egress_accept_returns_so_that_the_receivers_ingress_still_runs() -> None:
    text = _one(
        group(
            "sg-a",
            egress("tcp", "22/22", "10.0.0.2/32"),
            egress("udp", "53/53", "10.0.0.3/32"),
            ingress("tcp", "22/22", "10.0.0.2/32"),
            enterprise=True,
        )
    )
    name = _egress("sg-a")
    assert _chain(text, name) == [f"ip daddr . meta l4proto . th dport @{name}_1p return", "drop"]
    assert _elements(text, f"{name}_1p") == ["10.0.0.2 . tcp . 22", "10.0.0.3 . udp . 53"]
    # one element needs no set: it is written in the rule
    assert _chain(text, _ingress("sg-a")) == [
        "ip saddr 10.0.0.2 meta l4proto tcp th dport 22 accept",
        "drop",
    ]


@pytest.mark.parametrize(
    ("groups", "egress_default", "ingress_default"),
    [
        ([group("sg-a")], "return", "drop"),
        ([group("sg-a", enterprise=True)], "drop", "drop"),
        # one basic group among enterprise ones: egress allowed
        ([group("sg-a", enterprise=True), group("sg-b")], "return", "drop"),
        ([], "drop", "drop"),
    ],
)
def test_defaults_end_each_chain(
    groups: list[SecurityGroup], egress_default: str, ingress_default: str
) -> None:
    text = _one(*groups)
    ids = [g.group_id for g in groups]
    assert _chain(text, _egress(*ids)) == [egress_default]
    assert _chain(text, _ingress(*ids)) == [ingress_default]


def test_a_run_of_rules_is_one_lookup_of_disjoint_elements() -> None:
    text = _one(
        group(
            "sg-a",
            ingress("tcp", "22/25", "10.0.0.0/8"),
            ingress("tcp", "24/30", "10.0.0.0/8", priority=2),
            # inside the first two: adds nothing
            ingress("tcp", "23/23", "10.1.0.0/16", priority=3),
            # overlaps the addresses, not the ports
            ingress("tcp", "80/80", "10.0.0.0/24", priority=4),
            ingress("udp", "53/53", "0.0.0.0/0", priority=5),
        )
    )
    name = _ingress("sg-a")
    assert _chain(text, name) == [f"ip saddr . meta l4proto . th dport @{name}_1p accept", "drop"]
    assert _elements(text, f"{name}_1p") == [
        "10.0.0.0/24 . tcp . 22-30",
        "10.0.0.0/24 . tcp . 80",
        "10.0.1.0-10.255.255.255 . tcp . 22-30",
        "0.0.0.0/0 . udp . 53",
    ]


def test_runs_keep_their_order_and_each_gets_its_own_sets() -> None:
    text = _one(
        group(
            "sg-a",
            ingress("tcp", "22/22", "10.0.0.0/8", priority=1),
            ingress("udp", "22/22", "10.0.0.0/8", priority=1),
            ingress("tcp", "22/22", "10.0.0.5/32", policy="drop", priority=2),
            ingress("tcp", "22/22", "10.0.0.7/32", policy="drop", priority=2),
            # no packet matches both this and a drop: it may join the first run
            ingress("icmp", "-1/-1", "10.0.0.0/8", priority=3),
            ingress("gre", "-1/-1", "10.0.0.0/8", priority=3),
            # tcp/22 from 10.0.0.5 matches both: this one must stay behind the drops
            ingress("all", "-1/-1", "10.0.0.0/24", priority=3),
        )
    )
    name = _ingress("sg-a")
    assert _chain(text, name) == [
        f"ip saddr . meta l4proto @{name}_1l accept",
        f"ip saddr . meta l4proto . th dport @{name}_1p accept",
        f"ip saddr . meta l4proto . th dport @{name}_2p drop",
        "ip saddr 10.0.0.0/24 accept",
        "drop",
    ]
    assert _elements(text, f"{name}_1l") == ["10.0.0.0/8 . 47", "10.0.0.0/8 . icmp"]
    assert _elements(text, f"{name}_2p") == ["10.0.0.5 . tcp . 22", "10.0.0.7 . tcp . 22"]


@pytest.mark.parametrize("ports", ["20/22", "23/25"])
def test_a_rule_sharing_one_port_with_a_rule_of_the_other_verdict_stays_behind_it(
    ports: str,
) -> None:
    text = _one(
        group(
            "sg-a",
            ingress("udp", "53/53", "10.0.0.0/8", priority=1),
            ingress("tcp", "22/23", "10.0.0.5/32", policy="drop", priority=2),
            ingress("tcp", ports, "10.0.0.0/8", priority=3),
        )
    )
    assert _chain(text, _ingress("sg-a"))[1:] == [
        "ip saddr 10.0.0.5 meta l4proto tcp th dport 22-23 drop",
        f"ip saddr 10.0.0.0/8 meta l4proto tcp th dport {ports.replace('/', '-')} accept",
        "drop",
    ]


def test_drop_before_accept_at_one_priority_and_pooled_groups() -> None:
    text = _one(
        group("sg-a", ingress("tcp", "22/22", "10.0.0.0/8", priority=5)),
        group("sg-b", ingress("tcp", "22/22", "10.0.0.0/8", policy="drop", priority=5)),
    )
    assert _chain(text, _ingress("sg-a", "sg-b")) == [
        "ip saddr 10.0.0.0/8 meta l4proto tcp th dport 22 drop",
        "ip saddr 10.0.0.0/8 meta l4proto tcp th dport 22 accept",
        "drop",
    ]


def test_trailing_runs_that_decide_as_the_default_are_left_out() -> None:
    text = _one(group("sg-a", egress("all", "-1/-1", "0.0.0.0/0")))
    assert _chain(text, _egress("sg-a")) == ["return"]


def test_all_with_ports_means_tcp_and_udp_and_gre_by_number() -> None:
    text = _one(
        group(
            "sg-a",
            ingress("all", "20/21", "10.0.0.0/24"),
            ingress("gre", "-1/-1", "10.0.0.0/24"),
        )
    )
    name = _ingress("sg-a")
    assert _elements(text, f"{name}_1p") == [
        "10.0.0.0/24 . tcp . 20-21",
        "10.0.0.0/24 . udp . 20-21",
    ]
    # nft resolves "gre" through /etc/protocols; the number needs nothing
    assert "ip saddr 10.0.0.0/24 meta l4proto 47 accept" in _chain(text, name)


def test_source_ports_and_local_addresses_are_plain_rules() -> None:
    text = _one(
        group(
            "sg-a",
            ingress("udp", "53/53", "10.0.0.9/32", source_ports="1000/2000"),
            ingress("tcp", "22/22", "10.0.0.0/24", local="10.0.0.1/32"),
            ingress("all", "-1/-1", "10.0.0.0/24", source_ports="5/6"),
            egress("tcp", "-1/-1", "10.0.0.0/24", local="10.0.0.0/30", policy="drop"),
        )
    )
    assert _chain(text, _ingress("sg-a")) == [
        "ip saddr 10.0.0.9 meta l4proto udp th sport 1000-2000 th dport 53 accept",
        "ip saddr 10.0.0.0/24 ip daddr 10.0.0.1 meta l4proto tcp th dport 22 accept",
        "ip saddr 10.0.0.0/24 meta l4proto { tcp, udp } th sport 5-6 accept",
        "drop",
    ]
    assert _chain(text, _egress("sg-a")) == [
        "ip daddr 10.0.0.0/24 ip saddr 10.0.0.0/30 meta l4proto tcp drop",
        "return",
    ]


def test_group_peers_are_their_members_and_an_empty_one_emits_nothing() -> None:
    groups = [
        group(
            "sg-a",
            ingress("tcp", "22/22", ref("sg-nobody")),
            ingress("tcp", "22/22", ref("sg-b"), priority=2),
            ingress("icmp", "-1/-1", ref("sg-b"), priority=3, source_ports="1/2"),
            ingress("tcp", "22/22", "::/0", policy="drop"),
        ),
        group("sg-b"),
        group("sg-nobody"),
    ]
    interfaces = [
        eni("eni-a", "10.0.0.1", "sg-a"),
        eni("eni-b", "10.0.0.2", "sg-b"),
        eni("eni-c", "10.0.0.3", "sg-b"),
        eni("eni-d", "10.0.0.4", "sg-b"),
        eni("eni-f", "10.0.0.6", "sg-b"),
    ]
    text = _compile(groups, interfaces)
    name = _ingress("sg-a")
    # the IPv6 drop and the empty group emit nothing, so the two runs of accepts are one;
    # ICMP with a source-port restriction can match no packet
    assert _chain(text, name) == [f"ip saddr . meta l4proto . th dport @{name}_1p accept", "drop"]
    assert _elements(text, f"{name}_1p") == [
        "10.0.0.2-10.0.0.4 . tcp . 22",
        "10.0.0.6 . tcp . 22",
    ]


def test_large_groups_are_looked_up_through_one_member_set() -> None:
    groups = [
        group(
            "sg-a",
            ingress("tcp", "22/22", ref("sg-big")),
            ingress("tcp", "80/81", ref("sg-big")),
            ingress("udp", "5353/5353", ref("sg-big")),
            ingress("icmp", "-1/-1", ref("sg-big")),
            ingress("udp", "53/53", ref("sg-big"), source_ports="53/53"),
            egress("all", "-1/-1", ref("sg-big"), policy="drop"),
        ),
        group("sg-big"),
    ]
    members = [eni(f"eni-{n}", f"10.0.1.{n}", "sg-big") for n in (1, 3, 4, 5, 7, 9)]
    interfaces = [eni("eni-a", "10.0.0.1", "sg-a"), *members]
    text = _compile(groups, interfaces, fold_ranges=3)
    name, big = _ingress("sg-a"), member_set("sg-big")
    ports = f"{name}_1p_{short_name('g', 'sg-big')}"
    assert _chain(text, name) == [
        f"ip saddr @{big} meta l4proto icmp accept",
        f"ip saddr @{big} meta l4proto . th dport @{ports} accept",
        f"ip saddr @{big} meta l4proto udp th sport 53 th dport 53 accept",
        "drop",
    ]
    assert _elements(text, ports) == ["tcp . 22", "tcp . 80-81", "udp . 5353"]
    assert _chain(text, _egress("sg-a")) == [f"ip daddr @{big} drop", "return"]
    assert _elements(text, big) == ["10.0.1.1", "10.0.1.3-10.0.1.5", "10.0.1.7", "10.0.1.9"]
    # declared once, though two chains look it up
    assert text.count(f"\tset {big} {{") == 1
    # four ranges: small enough to fold into the run's set like a CIDR
    folded = _compile(groups, interfaces, fold_ranges=4)
    assert big not in folded
    assert _elements(folded, f"{name}_1p")[:3] == [
        "10.0.1.1 . tcp . 22",
        "10.0.1.1 . tcp . 80-81",
        "10.0.1.3-10.0.1.5 . tcp . 22",
    ]


def test_chains_are_shared_by_interfaces_with_the_same_groups_and_named_stably() -> None:
    groups = [group("sg-a"), group("sg-b")]
    interfaces = [
        eni("eni-a", "10.0.0.1", "sg-a", "sg-b"),
        eni("eni-b", "10.0.0.2", "sg-b", "sg-a"),
        eni("eni-c", "10.0.0.3", "sg-b"),
    ]
    text = _compile(groups, interfaces)
    both, only_b = _egress("sg-a", "sg-b"), _egress("sg-b")
    assert _block(text, "map", "egress_gates") == [
        "type ifname : verdict",
        "elements = {",
        f'"ve1" : jump {both},',
        f'"ve2" : jump {both},',
        f'"ve3" : jump {only_b}',
        "}",
    ]
    assert text.count(f"chain {both} {{") == 1
    assert _compile(groups, interfaces[::-1]) == text


def test_forward_chain_order() -> None:
    groups = [group("sg-in"), group("sg-alone"), group("sg-iso", isolated=True)]
    interfaces = [
        eni("eni-a", "10.0.0.1", "sg-in", "sg-iso"),
        eni("eni-b", "10.0.0.2", "sg-in", "sg-alone", "sg-iso"),
        eni("eni-c", "10.0.0.3", "sg-iso"),
    ]
    text = _compile(groups, interfaces)
    inner = short_name("inner_", "sg-in")
    assert _chain(text, "forward") == [
        "type filter hook forward priority filter; policy drop;",
        "ct state established,related accept",
        "ct state invalid drop",
        "meta nfproto ipv6 drop",
        "iifname @eni_ports iifname . ip saddr != @eni_addresses drop",
        # from the host's side, only the host reaches private addresses (VPCs never meet)
        'iifname "up0" ip saddr != 100.64.255.1 ct status != dnat drop',
        # only the Accept group with two ports here gets a set
        f"iifname @{inner} oifname @{inner} accept",
        "iifname vmap @egress_gates",
        "oifname vmap @ingress_gates",
        'iifname @eni_ports oifname "up0" accept',
    ]
    assert _elements(text, inner) == ['"ve1"', '"ve2"']
    assert _elements(text, "eni_addresses") == [
        '"ve1" . 10.0.0.1',
        '"ve2" . 10.0.0.2',
        '"ve3" . 10.0.0.3',
    ]


def test_input_chain_guards_the_router() -> None:
    text = _one(group("sg-a"))
    assert _chain(text, "input")[-4:] == [
        "iifname @eni_ports iifname . ip saddr != @eni_addresses drop",
        "ip daddr 100.100.100.200 tcp dport 80 accept",
        "ip daddr @router_addresses meta l4proto icmp accept",
        'iifname "up0" accept',
    ]
    assert _elements(text, "router_addresses") == ["10.0.0.253", "100.64.255.2", "100.100.100.200"]


def test_eips_are_nat_maps_and_empty_maps_load_the_same_way() -> None:
    groups = [group("sg-a")]
    interfaces = [eni("eni-a", "10.0.0.1", "sg-a"), eni("eni-b", "10.0.0.2", "sg-a")]
    text = _compile(groups, interfaces, {"eni-b": "198.18.0.7"})
    assert _block(text, "map", "eip_to_private")[-2] == "198.18.0.7 : 10.0.0.2"
    assert _block(text, "map", "private_to_eip")[-2] == "10.0.0.2 : 198.18.0.7"
    assert '\t\tiifname "up0" dnat to ip daddr map @eip_to_private' in text.splitlines()
    assert '\t\toifname "up0" snat to ip saddr map @private_to_eip' in text.splitlines()
    bare = _compile(groups, interfaces)
    assert _block(bare, "map", "eip_to_private") == ["type ipv4_addr : ipv4_addr"]


def test_classic_nic_types_match_the_uplink_or_the_instances() -> None:
    text = _one(
        group(
            "sg-a",
            ingress("tcp", "22/22", "0.0.0.0/0", nic="internet"),
            ingress("tcp", "80/80", "0.0.0.0/0", nic="internet"),
            ingress("tcp", "22/22", "10.0.0.0/8", nic="intranet"),
            vpc_id=None,
        )
    )
    name = _ingress("sg-a")
    assert _chain(text, name) == [
        f'iifname "up0" ip saddr . meta l4proto . th dport @{name}_1p_internet accept',
        'iifname != "up0" ip saddr 10.0.0.0/8 meta l4proto tcp th dport 22 accept',
        "drop",
    ]
    assert _chain(text, _egress("sg-a")) == ["return"]


def _rich_world() -> tuple[list[SecurityGroup], list[NetworkInterface]]:
    groups = [
        group(
            "sg-web",
            ingress("tcp", "80/80", "0.0.0.0/0"),
            ingress("tcp", "1/65535", "10.0.0.0/8", policy="drop", priority=2),
            ingress("tcp", "22/22", "10.0.0.0/24", priority=2),
            ingress("tcp", "20/30", "10.0.0.0/25", priority=3),
            ingress("udp", "53/53", ref("sg-db"), priority=3, source_ports="1000/2000"),
            ingress("icmp", "-1/-1", "10.0.0.0/24", priority=4),
            ingress("all", "8000/9000", "10.0.0.0/16", priority=4, local="10.0.0.1/32"),
            egress("all", "-1/-1", "192.0.2.0/24", policy="drop"),
        ),
        group("sg-db", ingress("tcp", "3306/3306", ref("sg-web")), isolated=True),
        group("sg-ent", egress("tcp", "443/443", "0.0.0.0/0"), enterprise=True),
    ]
    interfaces = [
        eni("eni-a", "10.0.0.1", "sg-web"),
        eni("eni-b", "10.0.0.2", "sg-web", "sg-db"),
        eni("eni-c", "10.0.0.3", "sg-db"),
        eni("eni-d", "10.0.0.4", "sg-ent"),
    ]
    return groups, interfaces


# ``nft -c`` in a network namespace of its own (as root of a user namespace when not root):
# nothing on the machine is touched, and no root is needed where user namespaces are allowed
_NFT_CHECK = ["unshare", "--net", "--map-root-user", "nft", "-c", "-f", "-"]


def _nft_check_unavailable() -> str | None:
    if shutil.which("nft") is None or shutil.which("unshare") is None:
        return "needs nft and unshare"
    probe = subprocess.run([*_NFT_CHECK[:3], "true"], capture_output=True, check=False)
    return None if probe.returncode == 0 else "cannot make a network namespace here"


@pytest.mark.parametrize("fold_ranges", [0, FOLD_RANGES])
def test_nft_accepts_the_text(fold_ranges: int) -> None:
    reason = _nft_check_unavailable()
    if reason is not None:
        pytest.skip(reason)
    groups, interfaces = _rich_world()
    text = _compile(groups, interfaces, {"eni-a": "198.18.0.1"}, fold_ranges)
    # check mode: the kernel validates the whole transaction and commits nothing
    checked = subprocess.run(_NFT_CHECK, input=text, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_address_text() -> None:
    assert address_text((0, 2**32 - 1)) == "0.0.0.0/0"
    assert address_text((167772160, 167772160)) == "10.0.0.0"
    assert address_text((167772160, 167772415)) == "10.0.0.0/24"
    assert address_text((167772161, 167772162)) == "10.0.0.1-10.0.0.2"


_SPANS = st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda p: (min(p), max(p)))


def _covers(boxes: Sequence[tuple[Span, Span]], x: int, y: int) -> bool:
    return any(a[0] <= x <= a[1] and p[0] <= y <= p[1] for a, p in boxes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_SPANS, _SPANS), max_size=8))
def test_disjoint_boxes_cover_the_same_points_without_overlap(
    boxes: list[tuple[Span, Span]],
) -> None:
    found = disjoint_boxes(boxes)
    for x in range(42):
        for y in range(42):
            assert _covers(found, x, y) == _covers(boxes, x, y)
            assert sum(_covers([box], x, y) for box in found) <= 1


@given(st.lists(_SPANS, max_size=8))
def test_merged_spans_are_disjoint_and_apart(spans: list[Span]) -> None:
    merged = merge_spans(spans)
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(merged))
    points = {x for first, last in spans for x in range(first, last + 1)}
    assert points == {x for first, last in merged for x in range(first, last + 1)}


def test_set_names_are_nft_identifiers() -> None:
    groups, interfaces = _rich_world()
    text = _compile(groups, interfaces)
    for name in re.findall(r"@(\S+)", text):
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), name

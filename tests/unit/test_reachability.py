"""The reachability analyzer over a store: resolving ends, paths between networks, the cache,
and the all-pairs matrix against the engine asked pair by pair."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.accounts import Accounts
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.network_repositories import VpcRepository
from ecsim.control.reachability import (
    EndpointKind,
    FlowSpec,
    PathBlock,
    Reachability,
    parse_endpoint,
)
from ecsim.control.reachability_matrix import reach_rows
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.topology_builder import TopologyBuilder
from ecsim.engine.evaluate import Evaluator
from ecsim.engine.topology import Topology
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.network import Vpc
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, Rule, SecurityGroup
from ecsim.model.values import IpProtocol
from ecsim.settings import ROOT_ACCOUNT_ID
from ecsim.store.sqlite import SqliteStore
from tests.unit.engine.builders import egress, eni, group, ingress, ref

ROOT = ROOT_ACCOUNT_ID
NOW = datetime(2024, 1, 1, tzinfo=UTC)
TCP22 = FlowSpec(IpProtocol.TCP, 22)


@dataclass
class World:
    store: SqliteStore
    reach: Reachability
    other: str

    def groups(self, *groups: SecurityGroup) -> None:
        for found in groups:
            SecurityGroupRepository(self.store).save(found)

    def interface(self, interface: NetworkInterface, instance_id: str | None = None) -> None:
        if instance_id is not None:
            interface = replace(interface, instance_id=instance_id)
            InstanceRepository(self.store).save(_instance(instance_id, interface))
        NetworkInterfaceRepository(self.store).save(interface)

    def vpc(self, vpc_id: str, account: str = ROOT) -> None:
        VpcRepository(self.store).save(
            Vpc(
                vpc_id=vpc_id,
                account_id=account,
                region_id="cn-hangzhou",
                cidr_block=ipaddress.IPv4Network("10.0.0.0/8"),
                name="",
                description="",
                vrouter_id="vrt-1",
                route_table_id="vtb-1",
                user_cidrs=(),
                created_at=NOW,
                ready_at=NOW,
            )
        )

    def ask(self, source: str, destination: str, flow: FlowSpec = TCP22, **kw: str) -> str:
        """``allowed``/``denied`` and what decided each gate, as one line."""
        account = kw.pop("account", ROOT)
        found = self.reach.analyze(
            account, parse_endpoint(source), parse_endpoint(destination), flow, **kw
        )
        return " ".join(
            (
                "allowed" if found.allowed else "denied",
                _decider(found.egress),
                found.blocked.value if found.blocked else _decider(found.ingress),
            )
        )


def _decider(decision: object) -> str:
    rule = getattr(decision, "rule", None)
    if rule is not None:
        return str(rule.rule_id)
    implicit = getattr(decision, "implicit", None)
    return str(implicit.value) if implicit is not None else "?"


def _instance(instance_id: str, interface: NetworkInterface) -> Instance:
    return Instance(
        instance_id=instance_id,
        account_id=interface.account_id,
        region_id=interface.region_id,
        zone_id="cn-hangzhou-i",
        instance_type="ecs.g6.large",
        image_id="img",
        name="",
        description="",
        host_name="",
        network_type=InstanceNetworkType.VPC if interface.vpc_id else InstanceNetworkType.CLASSIC,
        vpc_id=interface.vpc_id,
        vswitch_id=interface.vswitch_id,
        primary_eni_id=interface.eni_id,
        status=InstanceStatus.RUNNING,
        scheduled=(),
        created_at=NOW,
    )


@pytest.fixture
def world() -> Iterator[World]:
    store = SqliteStore(":memory:")
    accounts = Accounts(store, IdFactory(seed=3), FrozenClock())
    accounts.ensure_root("ecsim", "ecsim-secret")
    other = accounts.create(ROOT, None).account.account_id
    try:
        yield World(store, Reachability(store, accounts), other)
    finally:
        store.close()


def test_parse_endpoint_tells_the_kinds_apart() -> None:
    assert parse_endpoint("i-abc").kind is EndpointKind.INSTANCE
    assert parse_endpoint("eni-abc").kind is EndpointKind.INTERFACE
    address = parse_endpoint(" 10.0.0.1 ")
    assert address.kind is EndpointKind.ADDRESS and address.value == "10.0.0.1"
    for bad in ("", "i-", "sg-1", "10.0.0.256", "::1", "10.0.0.0/24"):
        with pytest.raises(ValueError):
            parse_endpoint(bad)


def test_ends_by_instance_interface_or_address_and_the_deciding_rule(world: World) -> None:
    world.groups(group("sg-web"), group("sg-db", ingress("tcp", "22/22", ref("sg-web"))))
    world.interface(eni("eni-web", "10.0.0.10", "sg-web"), "i-web")
    world.interface(eni("eni-db", "10.0.0.20", "sg-db"), "i-db")
    expected = "allowed egress-default-allow-basic-group sg-db-r1"
    assert world.ask("i-web", "i-db") == expected
    assert world.ask("eni-web", "10.0.0.20") == expected
    assert world.ask("10.0.0.10", "10.0.0.20") == expected
    assert world.ask("i-db", "i-web") == (
        "denied egress-default-allow-basic-group no-matching-rule-ingress-default-deny"
    )
    assert world.ask("i-web", "i-web") == "allowed same-interface same-interface"


def test_a_change_in_the_store_is_seen_and_nothing_else_rebuilds(world: World) -> None:
    builder = TopologyBuilder(world.store)
    world.groups(group("sg-a"), group("sg-b"))
    world.interface(eni("eni-a", "10.0.0.1", "sg-a"), "i-a")
    world.interface(eni("eni-b", "10.0.0.2", "sg-b"), "i-b")
    first = builder.view("cn-hangzhou", ROOT)
    assert builder.view("cn-hangzhou", ROOT) is first
    assert world.ask("i-a", "i-b").startswith("denied")
    world.groups(group("sg-b", ingress("tcp", "22/22", "10.0.0.1/32")))
    assert builder.view("cn-hangzhou", ROOT) is not first
    assert world.ask("i-a", "i-b") == "allowed egress-default-allow-basic-group sg-b-r1"
    # a membership change (the interface record) counts too
    world.interface(eni("eni-b", "10.0.0.2", "sg-a"), "i-b")
    assert world.ask("i-a", "i-b") == ("allowed same-group-inner-accept same-group-inner-accept")


def test_networks_that_never_meet(world: World) -> None:
    world.groups(
        group("sg-1", ingress("all", "-1/-1", "0.0.0.0/0")),
        group("sg-2", ingress("all", "-1/-1", "0.0.0.0/0"), vpc_id="vpc-2"),
        group("sg-c", ingress("all", "-1/-1", "0.0.0.0/0"), vpc_id=None),
        replace(group("sg-far", ingress("all", "-1/-1", "0.0.0.0/0")), region_id="cn-beijing"),
    )
    world.interface(eni("eni-1", "10.0.0.1", "sg-1"), "i-1")
    world.interface(eni("eni-2", "10.0.0.2", "sg-2", vpc_id="vpc-2"), "i-2")
    world.interface(replace(eni("eni-c", "10.96.0.9", "sg-c"), vpc_id=None, vswitch_id=None))
    world.interface(replace(eni("eni-far", "10.0.0.3", "sg-far"), region_id="cn-beijing"))
    out = "egress-default-allow-basic-group"
    assert world.ask("i-1", "i-2") == f"denied {out} different-vpc"
    assert world.ask("i-1", "eni-c") == f"denied {out} network-type-mismatch"
    assert world.ask("eni-c", "i-2") == f"denied {out} network-type-mismatch"
    assert world.ask("i-1", "eni-far") == f"denied {out} different-region"
    found = world.reach.analyze(
        ROOT, parse_endpoint("i-1"), parse_endpoint("i-2"), FlowSpec(IpProtocol.ICMP)
    )
    assert found.blocked is PathBlock.DIFFERENT_VPC and not found.ingress.allowed


def test_a_group_of_another_network_matches_nobody_here(world: World) -> None:
    # the same address in two VPCs: a rule naming vpc-2's group must not match vpc-1's peer
    world.groups(
        group("sg-1", ingress("tcp", "22/22", ref("sg-2"))),
        group("sg-2", vpc_id="vpc-2"),
        group("sg-peer"),
    )
    world.interface(eni("eni-1", "10.0.0.1", "sg-1"), "i-1")
    world.interface(eni("eni-peer", "10.0.0.2", "sg-peer"), "i-peer")
    world.interface(eni("eni-2", "10.0.0.2", "sg-2", vpc_id="vpc-2"), "i-2")
    assert world.ask("i-peer", "i-1").endswith("no-matching-rule-ingress-default-deny")


def test_addresses_resolve_to_the_callers_interface_or_say_why_not(world: World) -> None:
    world.groups(group("sg-1"), group("sg-2", vpc_id="vpc-2"))
    world.interface(eni("eni-1", "10.0.0.1", "sg-1"), "i-1")
    world.interface(eni("eni-2", "10.0.0.1", "sg-2", vpc_id="vpc-2"), "i-2")
    world.interface(eni("eni-3", "10.0.0.3", "sg-1"), "i-3")
    with pytest.raises(EcsError) as caught:
        world.ask("10.0.0.1", "i-3", region_id="cn-hangzhou")
    assert (caught.value.code, caught.value.http_status) == ("InvalidParameter", 400)
    assert "eni-1" in caught.value.message and "eni-2" in caught.value.message
    with pytest.raises(EcsError) as caught:
        world.ask("10.0.0.99", "i-3")
    assert (caught.value.code, caught.value.http_status) == ("InvalidIpAddress.NotFound", 404)
    for source, code in (
        ("i-nope", "InvalidInstanceId.NotFound"),
        ("eni-nope", "InvalidEniId.NotFound"),
    ):
        with pytest.raises(EcsError) as caught:
            world.ask(source, "i-3")
        assert (caught.value.code, caught.value.http_status) == (code, 404)
    # another account names none of these by id or by (VPC) address
    for source in ("i-1", "eni-1", "10.0.0.3"):
        with pytest.raises(EcsError) as caught:
            world.ask(source, "10.0.0.3", account=world.other)
        assert caught.value.http_status == 404
    # the region asked for must hold the instance
    with pytest.raises(EcsError) as caught:
        world.ask("i-1", "i-3", region_id="cn-beijing")
    assert caught.value.code == "InvalidInstanceId.NotFound"


def test_the_classic_network_is_shared_by_accounts(world: World) -> None:
    classic = {"vpc_id": None, "vswitch_id": None}
    world.groups(
        group("sg-a", vpc_id=None),
        group(
            "sg-b",
            ingress("all", "-1/-1", ref("sg-a")),
            account=world.other,
            vpc_id=None,
        ),
    )
    world.interface(replace(eni("eni-a", "10.96.0.1", "sg-a"), **classic), "i-a")
    world.interface(
        replace(eni("eni-b", "10.96.0.2", "sg-b", account=world.other), **classic), "i-b"
    )
    # A names B's instance by its address; B names A's the same way
    assert world.ask("i-a", "10.96.0.2") == "allowed egress-default-allow-basic-group sg-b-r1"
    assert world.ask("i-b", "10.96.0.1", account=world.other) == (
        "denied egress-default-allow-basic-group no-matching-rule-ingress-default-deny"
    )


# -- the matrix against the engine, pair by pair -----------------------------------------------


def _random_rule(rng: random.Random, group_ids: list[str]) -> Rule:
    direction = ingress if rng.random() < 0.6 else egress
    protocol = rng.choice(["tcp", "tcp", "udp", "icmp", "all"])
    ports = rng.choice(["22/22", "1/1024", "80/443"]) if protocol in ("tcp", "udp") else "-1/-1"
    peer: str | GroupRef = rng.choice(["0.0.0.0/0", "10.0.0.0/29", "10.0.0.5/32", "10.0.0.8/30"])
    if rng.random() < 0.35:
        peer = ref(rng.choice(group_ids))
    return direction(
        protocol,
        ports,
        peer,
        policy="drop" if rng.random() < 0.3 else "accept",
        priority=rng.randint(1, 5),
        local=rng.choice(["10.0.0.0/30", "10.0.0.4/32"]) if rng.random() < 0.1 else None,
        source_ports="1000/2000" if rng.random() < 0.1 else None,
        age=rng.randint(0, 100),
    )


def _random_world(seed: int) -> tuple[Topology, list[NetworkInterface]]:
    rng = random.Random(seed)
    group_ids = [f"sg-{n}" for n in range(5)]
    groups = []
    for number, group_id in enumerate(group_ids):
        enterprise = number == 4
        rules = [_random_rule(rng, group_ids[:4]) for _ in range(rng.randint(0, 6))]
        groups.append(group(group_id, *rules, enterprise=enterprise, isolated=rng.random() < 0.3))
    interfaces = []
    for n in range(12):
        pool = group_ids[4:] if rng.random() < 0.15 else group_ids[:4]
        chosen = rng.sample(pool, rng.randint(1, len(pool)))
        interfaces.append(eni(f"eni-{n:02d}", f"10.0.0.{n + 1}", *chosen))
    return Topology(groups, interfaces), interfaces


FLOWS = [
    FlowSpec(IpProtocol.TCP, 22),
    FlowSpec(IpProtocol.TCP, 443, 1500),
    FlowSpec(IpProtocol.UDP, 53),
    FlowSpec(IpProtocol.ICMP),
    FlowSpec(IpProtocol.ALL),
]


@pytest.mark.parametrize("seed", range(40))
def test_matrix_rows_are_the_engines_answers_pair_by_pair(seed: int) -> None:
    topology, interfaces = _random_world(seed)
    for flow in FLOWS:
        rows = reach_rows(
            Evaluator(topology), interfaces, flow.protocol, flow.port, flow.source_port
        )
        pairwise = Evaluator(topology)
        for i, source in enumerate(interfaces):
            for j, destination in enumerate(interfaces):
                allowed = pairwise.between(
                    source.eni_id, destination.eni_id, flow.protocol, flow.port, flow.source_port
                ).allowed
                assert bool(rows[i] >> j & 1) == allowed, (
                    seed,
                    flow,
                    source.eni_id,
                    destination.eni_id,
                )


def test_matrix_of_a_vpc_lists_its_instances_only(world: World) -> None:
    world.vpc("vpc-1")
    world.groups(group("sg-web", ingress("tcp", "22/22", "10.0.0.0/8")), group("sg-db"))
    world.interface(eni("eni-b", "10.0.0.20", "sg-db"), "i-db")
    world.interface(eni("eni-a", "10.0.0.10", "sg-web"), "i-web")
    # a secondary interface and one without an instance are not instances
    world.interface(replace(eni("eni-x", "10.0.0.30", "sg-web"), primary=False), "i-x")
    world.interface(eni("eni-free", "10.0.0.40", "sg-web"))
    found = world.reach.matrix(ROOT, "vpc-1", TCP22)
    assert [i.instance_id for i in found.interfaces] == ["i-web", "i-db"]
    assert found.rows == (0b01, 0b11)
    assert found.allowed_pairs == 1
    with pytest.raises(EcsError) as caught:
        world.reach.matrix(world.other, "vpc-1", TCP22)
    assert (caught.value.code, caught.value.http_status) == ("InvalidVpcId.NotFound", 404)

"""The kernel against the engine: random groups, compiled, loaded into a real router, and
real packets for thousands of random flows; the kernel must decide every flow as
``Evaluator.evaluate`` does.

Each seed draws a network of 6-10 interfaces in basic (Accept or isolated) and enterprise
groups with contested rules: TCP, UDP, ICMP and ALL, priorities with collisions, accept and
drop, port ranges, source-port and five-tuple rules, group peers (one of them empty) and
IPv6 peers. Flows run between instances, from the host to instances (by private address and
by EIP) and from instances to the host; a UDP echo also shows whether the far end saw the
sender's address (or its EIP, after SNAT). A flow the kernel drops is silence, so each
probe waits briefly; an allowed flow that got no answer is tried once more, slowly, before
it counts (noise can lose a packet, never let one through).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from random import Random

import pytest

from ecsim.dataplane.compiler import compile_router
from ecsim.dataplane.plan import HOST_UPLINK_ADDRESS, EniPort
from ecsim.engine.evaluate import Evaluator
from ecsim.engine.flow import Flow
from ecsim.engine.topology import Topology
from ecsim.engine.verdict import Verdict
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, GroupType, Peer, Rule, SecurityGroup
from ecsim.model.values import (
    ANY_PORT,
    Direction,
    IpProtocol,
    NicType,
    Policy,
    PortRange,
    Priority,
)
from tests.support import netns
from tests.support.netns import Lab, Network, Outcome, Probe, eni_port
from tests.unit.engine.builders import ACCOUNT, EPOCH, eni

pytestmark = pytest.mark.linux

SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)
FLOWS_PER_SEED = 700
# every instance and the host listen on these (TCP and UDP)
PORTS = range(20, 28)
# probes use unique source ports from here (below the ephemeral range, so no other socket
# shares a four-tuple, and no conntrack entry of one probe answers for another)
FIRST_SOURCE_PORT = 30000
# seconds a probe waits for an answer, and a second try of an unanswered allowed flow
TIMEOUT = 0.3
RETRY = 1.5
PROTOCOLS = ("tcp", "udp", "icmp")
GROUP_IDS = ("sg-0", "sg-1", "sg-2", "sg-3", "sg-4")
# a group no interface is in: rules naming it match nobody
EMPTY_GROUP = "sg-empty"


@dataclass(frozen=True)
class World:
    groups: tuple[SecurityGroup, ...]
    interfaces: tuple[NetworkInterface, ...]
    ports: tuple[EniPort, ...]


def _cidrs(count: int) -> list[str]:
    """Peers and locals that cut across the instances and the host in many ways."""
    singles = [f"10.0.0.{n}/32" for n in range(1, count + 1)]
    blocks = ["0.0.0.0/0", "10.0.0.0/24", "10.0.0.0/29", "10.0.0.8/29", "10.0.0.0/30"]
    outside = ["0.0.0.0/0", f"{HOST_UPLINK_ADDRESS}/32", "100.64.0.0/10", "192.0.2.0/24"]
    return [*blocks, "10.0.0.4/31", *outside, *singles]


def _port_range(rng: Random) -> PortRange:
    first = rng.choice(PORTS)
    return PortRange(first, min(first + rng.choice((0, 0, 1, 3)), PORTS[-1]))


def _rule(rng: Random, number: int, cidrs: list[str], span: int) -> Rule:
    protocol = rng.choice(
        [IpProtocol.TCP] * 4
        + [IpProtocol.UDP] * 3
        + [IpProtocol.ICMP] * 2
        + [IpProtocol.ALL] * 2
        + [IpProtocol.GRE]
    )
    ported = protocol.has_ports or (protocol is IpProtocol.ALL and rng.random() < 0.15)
    source_ports = None
    if protocol.has_ports and rng.random() < 0.25:
        first = FIRST_SOURCE_PORT + rng.randrange(span)
        source_ports = PortRange(first, first + rng.randrange(span))
    draw = rng.random()
    peer: Peer
    if draw < 0.3:
        peer = GroupRef(rng.choice((*GROUP_IDS, EMPTY_GROUP)), ACCOUNT)
    elif draw < 0.33:
        peer = ip_network("::/0")
    else:
        peer = ip_network(rng.choice(cidrs))
    local = ip_network(rng.choice(cidrs[:6] + cidrs[-3:])) if rng.random() < 0.15 else None
    return Rule(
        rule_id=f"r{number}",
        direction=rng.choice(tuple(Direction)),
        protocol=protocol,
        port_range=_port_range(rng) if ported and rng.random() < 0.85 else ANY_PORT,
        source_port_range=source_ports,
        peer=peer,
        local=local,
        nic_type=NicType.INTRANET,
        policy=Policy.ACCEPT if rng.random() < 0.6 else Policy.DROP,
        priority=Priority(rng.choice((1, 1, 2, 5, 50, 100, rng.randint(1, 100)))),
        description="",
        created_at=EPOCH - timedelta(seconds=rng.randrange(3)),
    )


def _group(rng: Random, group_id: str, cidrs: list[str], span: int) -> SecurityGroup:
    kind = rng.choice(("accept", "isolated", "isolated", "enterprise", "enterprise"))
    rules = tuple(
        replace(_rule(rng, n, cidrs, span), rule_id=f"{group_id}-r{n}")
        for n in range(1, rng.randint(4, 16))
    )
    return SecurityGroup(
        group_id=group_id,
        account_id=ACCOUNT,
        region_id="cn-hangzhou",
        vpc_id="vpc-1",
        name=group_id,
        description="",
        group_type=GroupType.ENTERPRISE if kind == "enterprise" else GroupType.NORMAL,
        inner_access_policy=Policy.ACCEPT if kind == "accept" else Policy.DROP,
        rules=rules,
        created_at=EPOCH,
    )


def random_world(rng: Random, span: int) -> World:
    count = rng.randint(6, 10)
    cidrs = _cidrs(count)
    groups = [_group(rng, gid, cidrs, span) for gid in (*GROUP_IDS, EMPTY_GROUP)]
    interfaces = []
    for n in range(1, count + 1):
        # now and then an interface in no group at all (nothing passes either gate)
        joined = 0 if rng.random() < 0.05 else rng.randint(1, 3)
        member_of = sorted(rng.sample(GROUP_IDS, joined))
        interfaces.append(eni(f"eni-{n}", f"10.0.0.{n}", *member_of))
    # a third of the instances have an EIP
    ports = [
        eni_port(interface, f"198.18.0.{n}" if n % 3 == 1 else None)
        for n, interface in enumerate(interfaces, 1)
    ]
    return World(tuple(groups), tuple(interfaces), tuple(ports))


@dataclass(frozen=True)
class Case:
    """One flow: what the engine says, and the probe that asks the kernel."""

    probe: Probe
    flow: Flow
    source: str | None
    destination: str | None
    # what a UDP echo from the far end should show as the sender (after SNAT)
    seen_as: str


def _case(rng: Random, ports: tuple[EniPort, ...], network: Network, source_port: int) -> Case:
    source: EniPort | None
    destination: EniPort | None
    draw = rng.random()
    if draw < 0.12:
        # the host, to an instance's private address or its EIP
        source, destination = None, rng.choice(ports)
        via = rng.choice([destination.address, destination.eip or destination.address])
    else:
        source = rng.choice(ports)
        destination = None if draw < 0.2 else rng.choice([p for p in ports if p != source])
        via = HOST_UPLINK_ADDRESS if destination is None else destination.address
    address = HOST_UPLINK_ADDRESS if source is None else source.address
    # what the far end sees: the source, or its EIP when it leaves through the uplink
    seen = source.eip if source and destination is None and source.eip else address
    protocol = rng.choice(PROTOCOLS)
    ported = protocol != "icmp"
    dport = rng.choice(PORTS) if ported else None
    flow = Flow(
        protocol=IpProtocol(protocol),
        source=address,
        destination=HOST_UPLINK_ADDRESS if destination is None else destination.address,
        destination_port=dport,
        source_port=source_port if ported else None,
    )
    netns_name = network.host if source is None else network.netns_of(source.eni_id)
    return Case(
        probe=Probe(netns_name, protocol, address, via, source_port, dport),
        flow=flow,
        source=None if source is None else source.eni_id,
        destination=None if destination is None else destination.eni_id,
        seen_as=str(seen),
    )


def random_cases(rng: Random, world: World, network: Network, count: int) -> list[Case]:
    return [
        _case(rng, world.ports, network, source_port)
        for source_port in range(FIRST_SOURCE_PORT, FIRST_SOURCE_PORT + count)
    ]


def _explain(case: Case, verdict: Verdict, outcome: Outcome) -> str:
    probe = case.probe
    return (
        f"{probe.protocol} {case.source or 'host'}:{probe.source_port} -> "
        f"{case.destination or 'host'} {probe.destination}:{probe.destination_port}: "
        f"engine {'allows' if verdict.allowed else 'denies'} "
        f"(egress {verdict.egress}, ingress {verdict.ingress}), kernel {outcome}"
    )


async def _probe(
    network: Network, cases: Sequence[Case], timeout: float, *, warm: bool = True
) -> list[Outcome]:
    servers = netns.Servers()
    await servers.start([network.host, *network.instances.values()], PORTS)
    try:
        if warm:
            await netns.warm_up(network)
        return await netns.reach_all([case.probe for case in cases], timeout)
    finally:
        await servers.close()


def _disagrees(case: Case, verdict: Verdict, outcome: Outcome) -> bool:
    if outcome.reached != verdict.allowed:
        return True
    return outcome.seen_as is not None and outcome.seen_as != case.seen_as


@pytest.mark.parametrize("seed", SEEDS)
def test_kernel_decides_every_flow_as_the_engine(lab: Lab, tmp_path: Path, seed: int) -> None:
    started = time.monotonic()
    rng = Random(seed)
    world = random_world(rng, FLOWS_PER_SEED)
    evaluator = Evaluator(Topology(world.groups, world.interfaces))
    network = lab.network(world.ports)
    # groups larger than this are looked up through member sets: 0-2 mixes both ways
    ruleset = compile_router(evaluator, world.ports, fold_ranges=seed % 3)
    (tmp_path / "ruleset.nft").write_text(ruleset)
    network.load(ruleset)
    cases = random_cases(rng, world, network, FLOWS_PER_SEED)
    verdicts = [evaluator.evaluate(c.flow, c.source, c.destination) for c in cases]
    outcomes = asyncio.run(_probe(network, cases, TIMEOUT))
    suspect = [i for i, v in enumerate(verdicts) if v.allowed and not outcomes[i].reached]
    if suspect:
        again = asyncio.run(_probe(network, [cases[i] for i in suspect], RETRY, warm=False))
        for i, outcome in zip(suspect, again, strict=True):
            outcomes[i] = outcome
    wrong = [
        _explain(c, verdicts[i], outcomes[i])
        for i, c in enumerate(cases)
        if _disagrees(c, verdicts[i], outcomes[i])
    ]
    allowed = sum(v.allowed for v in verdicts)
    print(
        f"seed {seed}: {len(cases)} flows ({allowed} allowed, {len(cases) - allowed} denied), "
        f"{len(wrong)} disagree, {len(suspect)} retried, {time.monotonic() - started:.1f} s"
    )
    assert not wrong, (
        f"{len(wrong)} of {len(cases)} flows disagree (ruleset in {tmp_path}):\n"
        + "\n".join(wrong[:20])
    )

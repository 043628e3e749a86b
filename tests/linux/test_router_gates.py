"""The compiled router in a real kernel, case by case: independent gates, state, spoofing,
EIPs, the router's own services, and reloading."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from ipaddress import IPv4Address

import pytest

from ecsim.dataplane.compiler import compile_router
from ecsim.dataplane.plan import HOST_UPLINK_ADDRESS, METADATA_ADDRESS, EniPort
from ecsim.engine.evaluate import Evaluator
from ecsim.engine.topology import Topology
from ecsim.model.security_group import SecurityGroup
from ecsim.model.values import IpProtocol
from tests.support import netns
from tests.support.netns import GATEWAY, Lab, Network, Outcome, Probe, eni_port
from tests.unit.engine.builders import egress, eni, group, ingress

pytestmark = pytest.mark.linux

LISTENING = (21, 22, 23, 80)


def _up(
    lab: Lab, groups: Sequence[SecurityGroup], ports: Sequence[EniPort]
) -> tuple[Network, Evaluator]:
    interfaces = [eni(port.eni_id, str(port.address), *port.group_ids) for port in ports]
    evaluator = Evaluator(Topology(groups, interfaces))
    network = lab.network(ports)
    network.load(compile_router(evaluator, ports))
    return network, evaluator


def _probes(network: Network, probes: Sequence[Probe]) -> list[Outcome]:
    async def run() -> list[Outcome]:
        servers = netns.Servers()
        await servers.start([network.host, network.router, *network.instances.values()], LISTENING)
        try:
            await netns.warm_up(network)
            return await netns.reach_all(probes, 0.5)
        finally:
            await servers.close()

    return asyncio.run(run())


def _from(
    network: Network, port: EniPort, protocol: str, to: IPv4Address, dport: int | None, sport: int
) -> Probe:
    return Probe(network.netns_of(port.eni_id), protocol, port.address, to, sport, dport)


def test_egress_accept_in_the_sender_does_not_bypass_ingress_drop_in_the_receiver(
    lab: Lab,
) -> None:
    groups = [
        # enterprise: egress denies by default, so the accept rule is what lets a through
        group("sg-a", egress("tcp", "20/30", "10.0.0.2/32"), enterprise=True),
        group(
            "sg-b",
            ingress("tcp", "22/22", "10.0.0.1/32", policy="drop", priority=1),
            ingress("tcp", "20/30", "10.0.0.1/32", priority=2),
            isolated=True,
        ),
    ]
    a, b = eni_port(eni("eni-a", "10.0.0.1", "sg-a")), eni_port(eni("eni-b", "10.0.0.2", "sg-b"))
    network, evaluator = _up(lab, groups, [a, b])
    refused, allowed = _probes(
        network,
        [
            _from(network, a, "tcp", b.address, 22, 30001),
            _from(network, a, "tcp", b.address, 23, 30002),
        ],
    )
    assert not evaluator.between("eni-a", "eni-b", IpProtocol.TCP, 22).allowed
    assert not refused.reached
    assert allowed.reached


def test_replies_pass_but_the_reverse_flow_is_judged_anew(lab: Lab) -> None:
    groups = [
        group("sg-a", isolated=True),
        group("sg-b", ingress("all", "-1/-1", "10.0.0.1/32"), isolated=True),
    ]
    a, b = eni_port(eni("eni-a", "10.0.0.1", "sg-a")), eni_port(eni("eni-b", "10.0.0.2", "sg-b"))
    network, _ = _up(lab, groups, [a, b])
    forward_tcp, forward_udp, back_tcp, back_udp, back_ping = _probes(
        network,
        [
            _from(network, a, "tcp", b.address, 22, 30001),
            _from(network, a, "udp", b.address, 22, 30002),
            _from(network, b, "tcp", a.address, 22, 30003),
            _from(network, b, "udp", a.address, 22, 30004),
            _from(network, b, "icmp", a.address, None, 30005),
        ],
    )
    # a's ingress denies everything from b, yet the answers to a's flows come back
    assert forward_tcp.reached
    assert forward_udp == Outcome(True, str(a.address))
    assert not (back_tcp.reached or back_udp.reached or back_ping.reached)


def test_a_spoofed_source_address_is_dropped(lab: Lab) -> None:
    groups = [group("sg-open", ingress("all", "-1/-1", "0.0.0.0/0"), isolated=True)]
    a = eni_port(eni("eni-a", "10.0.0.1", "sg-open"))
    b = eni_port(eni("eni-b", "10.0.0.2", "sg-open"))
    network, _ = _up(lab, groups, [a, b])
    spoofed = IPv4Address("10.0.0.50")
    netns.ip_batch(network.netns_of(a.eni_id), [f"addr add {spoofed}/32 dev eth0"])
    # the router could route answers back to the spoofed address: only the check stops it
    netns.ip_batch(network.router, [f"route add {spoofed}/32 dev {a.ifname}"])
    honest, forged, forged_to_router = _probes(
        network,
        [
            _from(network, a, "tcp", b.address, 22, 30001),
            Probe(network.netns_of(a.eni_id), "tcp", spoofed, b.address, 30002, 22),
            Probe(network.netns_of(a.eni_id), "icmp", spoofed, GATEWAY, 30003),
        ],
    )
    assert honest.reached
    assert not forged.reached
    assert not forged_to_router.reached


def test_eips_are_translated_both_ways(lab: Lab) -> None:
    groups = [group("sg-web", ingress("all", "-1/-1", "0.0.0.0/0"), isolated=True)]
    web = eni_port(eni("eni-a", "10.0.0.1", "sg-web"), eip="198.18.0.1")
    plain = eni_port(eni("eni-b", "10.0.0.2", "sg-web"))
    network, _ = _up(lab, groups, [web, plain])
    host = network.host
    to_eip, to_private, out_eip, out_private = _probes(
        network,
        [
            Probe(host, "udp", HOST_UPLINK_ADDRESS, IPv4Address("198.18.0.1"), 30001, 22),
            Probe(host, "udp", HOST_UPLINK_ADDRESS, plain.address, 30002, 22),
            _from(network, web, "udp", HOST_UPLINK_ADDRESS, 22, 30003),
            _from(network, plain, "udp", HOST_UPLINK_ADDRESS, 22, 30004),
        ],
    )
    # the instance sees the host as it is; the host sees the instance by its EIP if it has one
    assert to_eip == Outcome(True, str(HOST_UPLINK_ADDRESS))
    assert to_private == Outcome(True, str(HOST_UPLINK_ADDRESS))
    assert out_eip == Outcome(True, "198.18.0.1")
    assert out_private == Outcome(True, str(plain.address))


def test_instances_reach_the_metadata_service_and_ping_the_gateway_only(lab: Lab) -> None:
    a = eni_port(eni("eni-a", "10.0.0.1", "sg-a"))
    network, _ = _up(lab, [group("sg-a", isolated=True)], [a])
    metadata, ping, other_port = _probes(
        network,
        [
            _from(network, a, "tcp", METADATA_ADDRESS, 80, 30001),
            _from(network, a, "icmp", GATEWAY, None, 30002),
            _from(network, a, "tcp", GATEWAY, 22, 30003),
        ],
    )
    assert metadata.reached
    assert ping.reached
    assert not other_port.reached


def test_loading_again_replaces_the_whole_ruleset(lab: Lab) -> None:
    opened = [group("sg-b", ingress("tcp", "22/22", "10.0.0.1/32"), isolated=True)]
    a, b = eni_port(eni("eni-a", "10.0.0.1", "sg-a")), eni_port(eni("eni-b", "10.0.0.2", "sg-b"))
    network, _ = _up(lab, [group("sg-a"), *opened], [a, b])
    closed = [group("sg-a"), group("sg-b", isolated=True)]
    interfaces = [eni("eni-a", "10.0.0.1", "sg-a"), eni("eni-b", "10.0.0.2", "sg-b")]
    network.load(compile_router(Evaluator(Topology(closed, interfaces)), [a, b]))
    (after,) = _probes(network, [_from(network, a, "tcp", b.address, 22, 30001)])
    assert not after.reached

"""Real network namespaces for the Linux tests: a router per network, one namespace per
instance, the host at the far end of the uplink, and probes sent from any of them.

The layout is the data plane's: each instance's interface is a point-to-point veth whose
router end (``EniPort.ifname``) has a /32 route to the instance and answers ARP for the whole
subnet (proxy ARP), and whose instance end (created inside the instance's namespace) holds
the address with a default route through the gateway, an address of the router. The router's
``up0`` leads to a namespace standing for the host.

Everything a test makes lives in namespaces named with one unique prefix, and nothing is
added to the test machine's own namespace, so ``Lab.close`` (removing the namespaces) removes
everything, however far the set-up got. Sockets are opened inside a namespace by switching
the calling thread into it for the ``socket()`` call only: a socket stays in the namespace it
was made in, so one asyncio loop in the test process drives probes in every namespace at once
instead of a helper process per namespace.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import socket
import struct
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import cast

from ecsim.dataplane.linux.netns import entered
from ecsim.dataplane.plan import (
    HOST_UPLINK_ADDRESS,
    METADATA_ADDRESS,
    ROUTER_UPLINK_ADDRESS,
    UPLINK_IFNAME,
    EniPort,
)
from ecsim.model.network_interface import NetworkInterface

HOST_IFNAME = "h0"
# the vSwitch of the ports ``eni_port`` makes, and its gateway (an address of the router)
SUBNET = IPv4Network("10.0.0.0/24")
GATEWAY = IPv4Address("10.0.0.253")


@functools.cache
def unavailable() -> str | None:
    """Why namespaces cannot be made here (not root, no ``ip`` or ``nft``), or None."""
    if os.geteuid() != 0:
        return "needs root"
    missing = [tool for tool in ("ip", "nft") if shutil.which(tool) is None]
    if missing:
        return f"needs {' and '.join(missing)}"
    name = f"ecsimcheck{os.getpid()}"
    try:
        _run(["ip", "netns", "add", name])
    except subprocess.CalledProcessError as error:
        return f"ip netns add failed: {error.stderr.strip()}"
    _run(["ip", "netns", "delete", name])
    return None


def _run(argv: Sequence[str], text: str | None = None) -> None:
    subprocess.run(argv, input=text, check=True, capture_output=True, text=True, timeout=30)


def ip_batch(netns: str | None, commands: Iterable[str]) -> None:
    """``ip`` commands run by one process (inside ``netns`` when given)."""
    where = ["-n", netns] if netns else []
    _run(["ip", *where, "-batch", "-"], "\n".join(commands) + "\n")


def load_ruleset(netns: str, ruleset: str) -> None:
    """``nft -f`` inside ``netns``: one transaction, all of it or nothing."""
    _run(["ip", "netns", "exec", netns, "nft", "-f", "-"], ruleset)


def socket_in(netns: str, kind: int, protocol: int = 0) -> socket.socket:
    """A non-blocking IPv4 socket of ``netns``."""
    with entered(netns):
        made = socket.socket(socket.AF_INET, kind, protocol)
    made.setblocking(False)
    return made


def sysctl(netns: str, values: dict[str, str]) -> None:
    """Write sysctls of ``netns`` (/proc/sys/net answers for the opening thread's namespace)."""
    with entered(netns):
        for name, value in values.items():
            Path("/proc/sys", *name.split(".")).write_text(value)


def eni_port(
    interface: NetworkInterface,
    eip: str | None = None,
    network: IPv4Network = SUBNET,
    gateway: IPv4Address = GATEWAY,
) -> EniPort:
    """The port of an interface, named after the last byte of its address (``ve7`` for
    x.x.x.7), as the data plane would plan it."""
    n = int(interface.primary_ip) & 0xFF
    return EniPort(
        eni_id=interface.eni_id,
        instance_id=f"i-{n}",
        ifname=f"ve{n}",
        guest_ifname="eth0",
        address=interface.primary_ip,
        network=network,
        gateway=gateway,
        mac=f"02:00:0a:00:00:{n:02x}",
        group_ids=interface.security_group_ids,
        eip=IPv4Address(eip) if eip else None,
    )


# every group may open ICMP echo sockets (the default lets nobody)
_PING = {"net.ipv4.ping_group_range": "0 2147483647"}


@dataclass
class Network:
    """One router namespace with its instances and the host namespace at its uplink."""

    router: str
    host: str
    ports: tuple[EniPort, ...]
    # eni_id -> the instance's namespace
    instances: dict[str, str] = field(default_factory=dict)

    def netns_of(self, eni_id: str) -> str:
        return self.instances[eni_id]

    def load(self, ruleset: str) -> None:
        load_ruleset(self.router, ruleset)


class Lab:
    """The namespaces of one test, all named ``<prefix>-<role>``; ``close`` removes them."""

    def __init__(self) -> None:
        self.prefix = f"et{os.getpid() % 100000}{secrets.token_hex(2)}"
        self._namespaces: list[str] = []

    def namespaces(self, *roles: str) -> list[str]:
        names = [f"{self.prefix}-{role}" for role in roles]
        # tracked before they exist, so that a half-done batch is cleaned up too
        self._namespaces += names
        ip_batch(None, (f"netns add {name}" for name in names))
        return names

    def close(self) -> None:
        for name in reversed(self._namespaces):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
        self._namespaces.clear()

    def network(self, ports: Sequence[EniPort]) -> Network:
        """A router with one veth per port, an instance namespace per port and a host."""
        roles = ["router", "host", *(f"i{n}" for n in range(len(ports)))]
        router, host, *instances = self.namespaces(*roles)
        network = Network(router, host, tuple(ports))
        sysctl(
            router,
            {
                "net.ipv4.ip_forward": "1",
                "net.ipv4.conf.all.rp_filter": "0",
                "net.ipv4.conf.default.rp_filter": "0",
                **_PING,
            },
        )
        ip_batch(router, _router_commands(network, instances))
        sysctl(router, {name: value for port in ports for name, value in _proxy_arp(port)})
        for port, netns in zip(ports, instances, strict=True):
            network.instances[port.eni_id] = netns
            sysctl(netns, _PING)
            ip_batch(netns, _instance_commands(port))
        sysctl(host, _PING)
        ip_batch(host, _host_commands(ports))
        return network


def _proxy_arp(port: EniPort) -> Iterator[tuple[str, str]]:
    yield f"net.ipv4.conf.{port.ifname}.proxy_arp", "1"
    # a proxied ARP answer is delayed up to 0.8 s by default (per interface: a namespace
    # other than the first has no neigh/default sysctls on recent kernels)
    yield f"net.ipv4.neigh.{port.ifname}.proxy_delay", "0"


def _router_commands(network: Network, instances: Sequence[str]) -> Iterator[str]:
    yield "link set lo up"
    for address in sorted({p.gateway for p in network.ports} | {METADATA_ADDRESS}):
        # on the loopback as /32s: no connected route competes with the per-instance routes
        yield f"addr add {address}/32 dev lo"
    yield f"link add {UPLINK_IFNAME} type veth peer name {HOST_IFNAME} netns {network.host}"
    yield f"addr add {ROUTER_UPLINK_ADDRESS} peer {HOST_UPLINK_ADDRESS} dev {UPLINK_IFNAME}"
    yield f"link set {UPLINK_IFNAME} up"
    for port, netns in zip(network.ports, instances, strict=True):
        yield (
            f"link add {port.ifname} type veth peer name {port.guest_ifname}"
            f" address {port.mac} netns {netns}"
        )
        yield f"link set {port.ifname} up"
        yield f"route add {port.address}/32 dev {port.ifname}"


def _instance_commands(port: EniPort) -> Iterator[str]:
    yield "link set lo up"
    yield f"addr add {port.interface} dev {port.guest_ifname}"
    yield f"link set {port.guest_ifname} up"
    yield f"route add default via {port.gateway} dev {port.guest_ifname}"


def _host_commands(ports: Sequence[EniPort]) -> Iterator[str]:
    yield "link set lo up"
    yield f"addr add {HOST_UPLINK_ADDRESS} peer {ROUTER_UPLINK_ADDRESS} dev {HOST_IFNAME}"
    yield f"link set {HOST_IFNAME} up"
    blocks = {port.network for port in ports} | {
        f"{port.eip}/32" for port in ports if port.eip is not None
    }
    for block in sorted(map(str, blocks)):
        yield f"route add {block} via {ROUTER_UPLINK_ADDRESS}"


@dataclass(frozen=True)
class Probe:
    """One flow to try: the opening packet from ``source`` in ``netns``. For ICMP,
    ``source_port`` is the echo identifier and ``destination_port`` is None."""

    netns: str
    protocol: str
    source: IPv4Address
    destination: IPv4Address
    source_port: int
    destination_port: int | None = None


@dataclass(frozen=True)
class Outcome:
    reached: bool
    # UDP: the source address the far end saw (after any NAT)
    seen_as: str | None = None


async def reach(probe: Probe, timeout: float) -> Outcome:
    """Did the opening packet get through? A TCP connect that completes or is refused, a UDP
    datagram answered (or refused: ICMP port unreachable), an echo reply: yes. Silence within
    ``timeout``: no (the gates drop without a word)."""
    kinds = {
        "tcp": (socket.SOCK_STREAM, 0),
        "udp": (socket.SOCK_DGRAM, 0),
        "icmp": (socket.SOCK_DGRAM, socket.IPPROTO_ICMP),
    }
    kind, protocol = kinds[probe.protocol]
    sock = socket_in(probe.netns, kind, protocol)
    try:
        # unique four-tuples: a port still in TIME_WAIT from another probe is no obstacle
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((str(probe.source), probe.source_port))
        return await asyncio.wait_for(_exchange(sock, probe), timeout)
    except ConnectionRefusedError:
        return Outcome(True)
    except (TimeoutError, OSError):
        return Outcome(False)
    finally:
        sock.close()


async def _exchange(sock: socket.socket, probe: Probe) -> Outcome:
    loop = asyncio.get_running_loop()
    target = (str(probe.destination), probe.destination_port or 0)
    if probe.protocol == "tcp":
        await loop.sock_connect(sock, target)
        return Outcome(True)
    sock.connect(target)
    if probe.protocol == "udp":
        await loop.sock_sendall(sock, b"probe")
        return Outcome(True, (await loop.sock_recv(sock, 64)).decode())
    # the kernel fills in the identifier (the bound port) and the checksum
    await loop.sock_sendall(sock, struct.pack("!BBHHH", 8, 0, 0, 0, 1) + b"ecsim")
    reply = await loop.sock_recv(sock, 64)
    return Outcome(reply[0] == 0)


class _Echo(asyncio.DatagramProtocol):
    """Answers each datagram with the address it came from."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.transport.sendto(str(addr[0]).encode(), addr)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


class Servers:
    """TCP listeners and UDP echo servers on some ports in some namespaces."""

    def __init__(self) -> None:
        self._tcp: list[asyncio.Server] = []
        self._udp: list[asyncio.DatagramTransport] = []

    async def start(self, namespaces: Iterable[str], ports: Iterable[int]) -> None:
        loop = asyncio.get_running_loop()
        wanted = list(ports)
        for netns in namespaces:
            for port in wanted:
                listener = socket_in(netns, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("0.0.0.0", port))
                self._tcp.append(await asyncio.start_server(_hang_up, sock=listener, backlog=1024))
                datagrams = socket_in(netns, socket.SOCK_DGRAM)
                datagrams.bind(("0.0.0.0", port))
                transport, _ = await loop.create_datagram_endpoint(_Echo, sock=datagrams)
                self._udp.append(transport)

    async def close(self) -> None:
        for transport in self._udp:
            transport.close()
        for server in self._tcp:
            server.close()
            await server.wait_closed()


async def warm_up(network: Network) -> None:
    """Resolve neighbours before the probes, so that no probe waits on ARP: the router
    pings each instance (its entry for the instance), each instance sends one datagram to
    the discard port of every other (its proxy-ARP entry for the other)."""
    pings = [
        Probe(network.router, "icmp", ROUTER_UPLINK_ADDRESS, port.address, source_port=0)
        for port in network.ports
    ]
    # bound to the router's uplink address: replies come back as established traffic
    await asyncio.gather(*(reach(probe, 1.0) for probe in pings))
    for port in network.ports:
        sender = socket_in(network.netns_of(port.eni_id), socket.SOCK_DGRAM)
        with sender:
            for other in network.ports:
                if other is not port:
                    sender.sendto(b"", (str(other.address), 9))
    await asyncio.sleep(0.05)


async def reach_all(probes: Sequence[Probe], timeout: float, limit: int = 256) -> list[Outcome]:
    """``reach`` for every probe, ``limit`` at a time, in the order given."""
    gate = asyncio.Semaphore(limit)

    async def one(probe: Probe) -> Outcome:
        async with gate:
            return await reach(probe, timeout)

    return list(await asyncio.gather(*(one(probe) for probe in probes)))

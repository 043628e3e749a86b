"""The wanted state of the data plane, as plain values built from the database.

A ``WorldPlan`` is complete: the driver converges the kernel to it (creating what is missing,
changing what differs, removing what it owns and the plan no longer names), so applying the
same plan twice changes nothing and a restart after a crash needs only the current plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

__all__ = [
    "HOST_UPLINK_ADDRESS",
    "METADATA_ADDRESS",
    "ROUTER_UPLINK_ADDRESS",
    "UPLINK_IFNAME",
    "DiskPort",
    "EniPort",
    "InstancePlan",
    "Naming",
    "RouterPlan",
    "WorldPlan",
    "short_name",
]

# The metadata service every instance reaches (guide §7).
METADATA_ADDRESS = IPv4Address("100.100.100.200")
# Each network's router meets the host over a point-to-point veth: the host end and the router
# end carry the same two addresses on every uplink (routes name the device), so the host's
# connections to EIPs leave from one well-known address.
HOST_UPLINK_ADDRESS = IPv4Address("100.64.255.1")
ROUTER_UPLINK_ADDRESS = IPv4Address("100.64.255.2")
# the router's end of its uplink
UPLINK_IFNAME = "up0"


def short_name(prefix: str, *parts: str) -> str:
    """A kernel name (interface names hold 15 bytes) derived from ``parts``, stable and
    practically unique: ``prefix`` and 12 hex digits of a hash."""
    digest = hashlib.blake2s("\0".join(parts).encode(), digest_size=6).hexdigest()
    return f"{prefix}{digest}"


@dataclass(frozen=True, slots=True)
class EniPort:
    """One network interface of a running instance: a veth whose router end is ``ifname`` and
    whose instance end is ``guest_ifname`` (eth0 for the primary interface)."""

    eni_id: str
    instance_id: str
    ifname: str
    guest_ifname: str
    address: IPv4Address
    # the vSwitch's block and gateway (what the instance's route table shows)
    network: IPv4Network
    gateway: IPv4Address
    mac: str
    group_ids: tuple[str, ...]
    eip: IPv4Address | None = None

    @property
    def interface(self) -> IPv4Interface:
        return IPv4Interface(f"{self.address}/{self.network.prefixlen}")


@dataclass(frozen=True, slots=True)
class DiskPort:
    """A disk of a running instance: its raw image, shown inside as ``/dev/<device>`` (``vdb``
    for the API's ``/dev/xvdb``, as a virtio disk appears in an ECS instance; ``vda`` for the
    system disk)."""

    disk_id: str
    image: Path
    device: str
    # bytes: the size an online ResizeDisk grew the disk to, which the running instance's
    # device shows at once (0: none). Otherwise a device shows the image as it was when the
    # instance booted or the disk was attached: an offline resize shows at the next boot.
    size: int = 0


@dataclass(frozen=True, slots=True)
class RouterPlan:
    """One routed network (a VPC, or a region's classic network): its router namespace, the
    gateways it answers for, the ports of its running instances and their compiled gates."""

    network_id: str
    netns: str
    # the host's end of the uplink veth
    host_ifname: str
    gateways: tuple[IPv4Interface, ...]
    ports: tuple[EniPort, ...]
    # the nftables ruleset of the router (``compiler.compile_router``)
    ruleset: str
    # blocks the host routes into this network: its EIPs, and its vSwitch blocks when no
    # other network uses them (private addresses reachable from the host when unambiguous)
    host_routes: tuple[IPv4Network, ...] = ()


@dataclass(frozen=True, slots=True)
class InstancePlan:
    """One instance that should exist in the kernel: its namespace, and whether it runs."""

    instance_id: str
    network_id: str
    netns: str
    running: bool
    ports: tuple[EniPort, ...]
    hostname: str
    # changes with every start or reboot of the instance: a running instance whose boot
    # differs from the one it was started for is restarted (RebootInstance)
    boot: str = ""
    # ForceStop: a stop kills the instance instead of asking it to shut down
    force_stop: bool = False
    # what the instance's own /etc and /root get at boot
    password: str = ""
    authorized_keys: str = ""
    user_data: bytes = b""
    # the metadata service's answers for this instance: path (without /latest/) -> text
    metadata: Mapping[str, str] = field(default_factory=dict)
    # HttpTokens=required: metadata answers only with a token from PUT /latest/api/token
    tokens_required: bool = False
    # attached data disks, by device (running instances only)
    disks: tuple[DiskPort, ...] = ()
    # the system disk, whose file system holds the instance's writable root (running
    # instances only); None: the root is a directory of the host's (no system disk attached)
    system_disk: DiskPort | None = None


@dataclass(frozen=True, slots=True)
class WorldPlan:
    routers: tuple[RouterPlan, ...] = ()
    instances: tuple[InstancePlan, ...] = ()


@dataclass(frozen=True, slots=True)
class Naming:
    """Kernel names for one server's objects. ``tag`` tells servers on one host apart (it is
    derived from the data directory), so a server cleans up only what is its own."""

    tag: str

    @property
    def prefix(self) -> str:
        return f"ecsim-{self.tag}-"

    def router_netns(self, network_id: str) -> str:
        return f"{self.prefix}{network_id}"

    def instance_netns(self, instance_id: str) -> str:
        return f"{self.prefix}{instance_id}"

    def port_ifname(self, eni_id: str) -> str:
        return short_name("e", self.tag, eni_id)

    def host_ifname(self, network_id: str) -> str:
        return short_name("u", self.tag, network_id)

    @property
    def host_alias(self) -> str:
        """The alias (ifalias) marking the host ends of this server's uplinks."""
        return f"ecsim:{self.tag}"

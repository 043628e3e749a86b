"""VPCs and vSwitches: the private networks instances live in.

A VPC owns one IPv4 block; its vSwitches carve zone-bound, non-overlapping subnets out of it.
Both are created ``Pending`` and become ``Available`` at ``ready_at`` (the clock decides, so
a realistic-delays profile only moves ``ready_at``). ecsim creates no default VPC or vSwitch:
``is_default`` is stored so the ``IsDefault`` filters work, and it is always False today.

CIDR parsing here raises ``ValueError``; the caller knows which parameter the value came
from and turns the failure into that parameter's ECS code.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

__all__ = [
    "DEFAULT_VPC_BLOCK",
    "RESERVED_BLOCKS",
    "VPC_PREFIX_LENGTHS",
    "VSWITCH_PREFIX_LENGTHS",
    "VSWITCH_RESERVED_ADDRESSES",
    "NetworkStatus",
    "VSwitch",
    "Vpc",
    "is_reserved",
    "parse_block",
]

# dotted quad and a prefix length; ``ipaddress`` alone would also take a netmask after the /
_BLOCK = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}/[0-9]{1,2}")

# CreateVpc's documented default block.
DEFAULT_VPC_BLOCK = ipaddress.IPv4Network("172.16.0.0/12")

# Blocks no VPC may use, nor any subnet of them (CreateVpc's CidrBlock text).
RESERVED_BLOCKS: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(text)
    for text in ("100.64.0.0/10", "224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16")
)

# The current VPC documentation gives 8-28 for a VPC's mask (older pages said 16-28); we follow
# the current text, so 10.0.0.0/8 works as it does on Alibaba Cloud today.
VPC_PREFIX_LENGTHS = range(8, 29)
# CreateVSwitch: "the mask length is 16 to 29".
VSWITCH_PREFIX_LENGTHS = range(16, 30)

# The first address and the last three of every vSwitch are the system's (CreateVSwitch text:
# 192.168.1.0/24 reserves .0, .253, .254 and .255).
VSWITCH_RESERVED_ADDRESSES = 4


def parse_block(text: str) -> ipaddress.IPv4Network:
    """An IPv4 block written ``a.b.c.d/n`` with no host bits set (``10.0.0.5/24`` is refused:
    a VPC's block is named exactly, unlike a security-group rule's source)."""
    if not _BLOCK.fullmatch(text):
        raise ValueError(f"{text!r} is not of the form a.b.c.d/n")
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 CIDR block") from None


def is_reserved(block: ipaddress.IPv4Network) -> bool:
    """Whether ``block`` overlaps a reserved range (a subnet of one, or one inside it)."""
    return any(block.overlaps(reserved) for reserved in RESERVED_BLOCKS)


class NetworkStatus(Enum):
    PENDING = "Pending"
    AVAILABLE = "Available"


def _status(now: datetime, ready_at: datetime) -> NetworkStatus:
    return NetworkStatus.AVAILABLE if now >= ready_at else NetworkStatus.PENDING


@dataclass(frozen=True)
class Vpc:
    vpc_id: str
    account_id: str
    region_id: str
    cidr_block: ipaddress.IPv4Network
    name: str
    description: str
    # the router and its system route table, created with the VPC
    vrouter_id: str
    route_table_id: str
    # the user-side blocks (at most 3) that instances may reach through the VPC
    user_cidrs: tuple[ipaddress.IPv4Network, ...]
    created_at: datetime
    ready_at: datetime
    is_default: bool = False
    resource_group_id: str = ""

    def status(self, now: datetime) -> NetworkStatus:
        return _status(now, self.ready_at)

    def renamed(self, name: str | None, description: str | None) -> Vpc:
        return replace(
            self,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
        )


@dataclass(frozen=True)
class VSwitch:
    vswitch_id: str
    account_id: str
    region_id: str
    vpc_id: str
    zone_id: str
    cidr_block: ipaddress.IPv4Network
    name: str
    description: str
    created_at: datetime
    ready_at: datetime
    is_default: bool = False
    resource_group_id: str = ""

    def status(self, now: datetime) -> NetworkStatus:
        return _status(now, self.ready_at)

    @property
    def capacity(self) -> int:
        """Addresses instances can use: the block less the system's four."""
        return self.cidr_block.num_addresses - VSWITCH_RESERVED_ADDRESSES

    def renamed(self, name: str | None, description: str | None) -> VSwitch:
        return replace(
            self,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
        )

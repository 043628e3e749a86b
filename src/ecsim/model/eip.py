"""Elastic IP addresses (EIPs): a public address an account holds until it releases it.

Addresses come from one pool per ecsim host, shared by every account and region:
198.18.0.0/15, the range RFC 2544 sets aside for benchmarking. It is never routed on the
Internet, so when an ecsim host later NATs to these addresses it cannot shadow a real public
address. The first and last address of the pool are left out.

Status: ``Available`` -> (associate) ``Associating`` -> ``InUse`` -> (unassociate)
``Unassociating`` -> ``Available``. An EIP is bound to a network interface: binding to an ECS
instance means binding to the instance's primary interface, so ``binding`` keeps the
interface and the instance as the caller named them. A transition settles at
``settles_at`` (the clock decides, so a realistic-delays profile only moves that time).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

__all__ = [
    "DEFAULT_BANDWIDTH",
    "EIP_POOL",
    "BandwidthRange",
    "BoundType",
    "Eip",
    "EipBinding",
    "EipStatus",
    "InternetChargeType",
    "pool_address",
    "pool_size",
]

EIP_POOL = ipaddress.IPv4Network("198.18.0.0/15")

# 5 Mbit/s is the documented default peak bandwidth of a new EIP.
DEFAULT_BANDWIDTH = 5


def pool_size(pool: ipaddress.IPv4Network) -> int:
    """How many addresses ``pool`` hands out (all but its first and last)."""
    return max(pool.num_addresses - 2, 0)


def pool_address(pool: ipaddress.IPv4Network, counter: int) -> ipaddress.IPv4Address:
    """The address for the ``counter``-th allocation: the pool in order, wrapping around."""
    return pool.network_address + 1 + (counter % pool_size(pool))


class EipStatus(Enum):
    ASSOCIATING = "Associating"
    UNASSOCIATING = "Unassociating"
    IN_USE = "InUse"
    AVAILABLE = "Available"
    RELEASING = "Releasing"


class InternetChargeType(Enum):
    PAY_BY_BANDWIDTH = "PayByBandwidth"
    PAY_BY_TRAFFIC = "PayByTraffic"

    @property
    def bandwidth(self) -> BandwidthRange:
        """The peak bandwidths (Mbit/s) a pay-as-you-go EIP may have under this charge type."""
        if self is InternetChargeType.PAY_BY_TRAFFIC:
            return BandwidthRange(1, 200)
        return BandwidthRange(1, 500)


@dataclass(frozen=True)
class BandwidthRange:
    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


class BoundType(Enum):
    """What an EIP is bound to, as the caller named it."""

    ECS_INSTANCE = "EcsInstance"
    NETWORK_INTERFACE = "NetworkInterface"


@dataclass(frozen=True)
class EipBinding:
    bound_type: BoundType
    eni_id: str
    # the instance the interface belongs to, when it belongs to one
    instance_id: str | None
    private_ip: ipaddress.IPv4Address

    @property
    def target_id(self) -> str:
        """The id the caller associated: the instance's, or the interface's."""
        if self.bound_type is BoundType.ECS_INSTANCE and self.instance_id is not None:
            return self.instance_id
        return self.eni_id


@dataclass(frozen=True)
class Eip:
    allocation_id: str
    account_id: str
    region_id: str
    address: ipaddress.IPv4Address
    bandwidth: int
    internet_charge_type: InternetChargeType
    isp: str
    name: str
    description: str
    allocated_at: datetime
    binding: EipBinding | None = None
    # when the last association change completes; before it the EIP is in transition
    settles_at: datetime | None = None
    resource_group_id: str = ""

    def status(self, now: datetime) -> EipStatus:
        settling = self.settles_at is not None and now < self.settles_at
        if self.binding is not None:
            return EipStatus.ASSOCIATING if settling else EipStatus.IN_USE
        return EipStatus.UNASSOCIATING if settling else EipStatus.AVAILABLE

    def bound(self, binding: EipBinding, settles_at: datetime) -> Eip:
        return replace(self, binding=binding, settles_at=settles_at)

    def unbound(self, settles_at: datetime) -> Eip:
        return replace(self, binding=None, settles_at=settles_at)

"""DescribeNetworkInterfaces: its filters, and what it shows of each interface."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from ecsim.model.network_interface import NetworkInterface

__all__ = ["InterfaceQuery", "InterfaceView"]


@dataclass(frozen=True)
class InterfaceQuery:
    """DescribeNetworkInterfaces' filters; None (or empty tags) filters nothing."""

    eni_ids: frozenset[str] | None = None
    vswitch_id: str | None = None
    vpc_id: str | None = None
    primary_ip: ipaddress.IPv4Address | None = None
    private_ips: frozenset[ipaddress.IPv4Address] | None = None
    group_id: str | None = None
    name: str | None = None
    # Type: True for Primary, False for Secondary
    primary: bool | None = None
    instance_id: str | None = None
    status: str | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str | None] = field(default_factory=dict)
    # filters no ecsim interface can match (IPv6 addresses, service-managed interfaces)
    matches_nothing: bool = False

    def matches(self, eni: NetworkInterface) -> bool:
        """Whether ``eni`` passes every filter but the tags (the tag store answers those)."""
        checks = (
            self.eni_ids is None or eni.eni_id in self.eni_ids,
            self.vswitch_id is None or eni.vswitch_id == self.vswitch_id,
            self.vpc_id is None or eni.vpc_id == self.vpc_id,
            self.primary_ip is None or eni.primary_ip == self.primary_ip,
            self.private_ips is None or eni.primary_ip in self.private_ips,
            self.group_id is None or self.group_id in eni.security_group_ids,
            self.name is None or eni.name == self.name,
            self.primary is None or eni.primary == self.primary,
            self.instance_id is None or eni.instance_id == self.instance_id,
            self.status is None or eni.status == self.status,
            # interfaces belong to no resource group in ecsim
            self.resource_group_id is None or self.resource_group_id == "",
        )
        return not self.matches_nothing and all(checks)


@dataclass(frozen=True)
class InterfaceView:
    eni: NetworkInterface
    tags: Mapping[str, str]
    # the public address reaching it: its EIP, or its instance's public IP; "" when none
    public_ip: str = ""
    # the EIP's allocation id; "" when none
    allocation_id: str = ""
    # its place among its instance's interfaces (the primary one is 0)
    device_index: int = 0

"""Network interfaces (ENIs): what security groups attach to (guide §1.5: membership is per
interface, not per instance)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

__all__ = ["NetworkInterface"]


@dataclass(frozen=True)
class NetworkInterface:
    eni_id: str
    account_id: str
    region_id: str
    # None on the classic network
    vpc_id: str | None
    vswitch_id: str | None
    primary_ip: ipaddress.IPv4Address
    security_group_ids: tuple[str, ...]
    instance_id: str | None = None
    # "Primary" interfaces are created with their instance and never detached
    primary: bool = True
    mac_address: str = ""
    zone_id: str = ""
    name: str = ""
    description: str = ""
    created_at: datetime | None = None

    @property
    def status(self) -> str:
        return "InUse" if self.instance_id else "Available"

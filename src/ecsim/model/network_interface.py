"""Network interfaces (ENIs): what security groups attach to (guide §1.5: membership is per
interface, not per instance)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

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

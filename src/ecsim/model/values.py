"""Value objects of the network domain: protocols, port ranges, addresses, priorities, policies.

Parsing here raises ``ValueError`` with a reason; the caller knows which parameter the value
came from and turns it into that parameter's ECS code (``InvalidSourceCidrIp.Malformed`` and
``InvalidDestCidrIp.Malformed`` are the same mistake in two places).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

__all__ = [
    "ANY_PORT",
    "Cidr",
    "Direction",
    "IpProtocol",
    "NicType",
    "Policy",
    "PortRange",
    "Priority",
    "parse_cidr",
]

Cidr = ipaddress.IPv4Network | ipaddress.IPv6Network


_E = TypeVar("_E", bound=Enum)


def _member(enum: type[_E], text: str, expected: str) -> _E:
    """The member whose (lower-case) value is ``text`` in any case, as ECS reads them."""
    lowered = text.strip().lower()
    for member in enum:
        if member.value == lowered:
            return member
    raise ValueError(f"{text!r} is not {expected}")


def parse_cidr(text: str) -> Cidr:
    """A CIDR block or a single address (as /32 or /128), host bits cleared: ``10.0.0.5/24``
    is ``10.0.0.0/24`` as ECS normalises it."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or CIDR block") from None


class IpProtocol(Enum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"
    GRE = "gre"
    ALL = "all"

    @classmethod
    def parse(cls, text: str) -> IpProtocol:
        return _member(cls, text, "one of TCP, UDP, ICMP, ICMPv6, GRE, ALL")

    @property
    def has_ports(self) -> bool:
        return self in (IpProtocol.TCP, IpProtocol.UDP)

    @property
    def wire(self) -> str:
        """As DescribeSecurityGroupAttribute returns it: ``TCP``, ``ICMPv6``, ``ALL``."""
        return "ICMPv6" if self is IpProtocol.ICMPV6 else self.value.upper()


@dataclass(frozen=True, order=True)
class PortRange:
    """``start/end``; ``-1/-1`` (``ANY``) for protocols without ports."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> PortRange:
        parts = text.strip().split("/")
        if len(parts) != 2:
            raise ValueError(f"{text!r} is not of the form start/end")
        try:
            start, end = int(parts[0]), int(parts[1])
        except ValueError:
            raise ValueError(f"{text!r} is not of the form start/end") from None
        if (start, end) == (-1, -1):
            return ANY_PORT
        if not (1 <= start <= 65535 and 1 <= end <= 65535):
            raise ValueError(f"{text!r}: ports are 1..65535, or -1/-1")
        if start > end:
            raise ValueError(f"{text!r}: the start port is greater than the end port")
        return cls(start, end)

    @property
    def is_any(self) -> bool:
        return self.start == -1

    def contains(self, port: int) -> bool:
        return self.is_any or self.start <= port <= self.end

    @property
    def wire(self) -> str:
        return f"{self.start}/{self.end}"


ANY_PORT = PortRange(-1, -1)


class Policy(Enum):
    ACCEPT = "accept"
    DROP = "drop"

    @classmethod
    def parse(cls, text: str) -> Policy:
        return _member(cls, text, "accept or drop")

    @property
    def wire(self) -> str:
        """Capitalised, as the API returns it: ``Accept`` / ``Drop``."""
        return self.value.capitalize()


@dataclass(frozen=True, order=True)
class Priority:
    """1 is the highest; 100 the lowest; 1 by default."""

    value: int = 1

    @classmethod
    def parse(cls, text: str | int) -> Priority:
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise ValueError(f"{text!r} is not an integer") from None
        if not 1 <= value <= 100:
            raise ValueError(f"{text!r} is not in 1..100")
        return cls(value)


class Direction(Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


class NicType(Enum):
    INTERNET = "internet"
    INTRANET = "intranet"

    @classmethod
    def parse(cls, text: str) -> NicType:
        return _member(cls, text, "internet or intranet")

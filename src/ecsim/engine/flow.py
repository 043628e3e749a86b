"""The question the engine answers: may this five-tuple be opened?

A ``Flow`` is what the first packet of a connection carries: protocol, source address and
port, destination address and port. Security groups are stateful (reference §2.2), so the
engine judges only the opening packet; replies of an allowed flow pass.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ecsim.model.network_interface import NetworkInterface
from ecsim.model.values import IpProtocol, NicType

__all__ = ["KINDS", "Flow", "IpAddress", "flow_between", "kind_of", "parse_address"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_PORTS = range(1, 65536)
# every (protocol, NIC type) a flow can have, numbered: lookup tables index by the number
# rather than hash enum members on every query
KINDS: tuple[tuple[IpProtocol, NicType], ...] = tuple(
    (protocol, nic) for protocol in IpProtocol for nic in NicType
)
_KIND_NUMBERS = {kind: number for number, kind in enumerate(KINDS)}


def kind_of(protocol: IpProtocol, nic_type: NicType) -> int:
    return _KIND_NUMBERS[(protocol, nic_type)]


def parse_address(text: str) -> IpAddress:
    """An IPv4 or IPv6 address; ``ValueError`` otherwise."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address") from None


@dataclass(frozen=True, slots=True)
class Flow:
    """The opening packet of a connection.

    ``destination_port`` is required for TCP and UDP and absent otherwise. ``source_port`` is
    optional: ``None`` means "any port the client picks", which a rule restricting the source
    port does not match (the restriction cannot be shown to hold). ``IpProtocol.ALL`` stands for
    a protocol no specific rule names, so only rules for all protocols match it.
    ``nic_type`` matters only to classic-network groups: in a VPC every flow is intranet.
    """

    protocol: IpProtocol
    source: IpAddress
    destination: IpAddress
    destination_port: int | None = None
    source_port: int | None = None
    nic_type: NicType = NicType.INTRANET
    # derived once, for the classifier: the kind's number and the addresses as integers
    kind: int = field(init=False, repr=False, compare=False)
    version: int = field(init=False, repr=False, compare=False)
    source_int: int = field(init=False, repr=False, compare=False)
    destination_int: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.source.version != self.destination.version:
            raise ValueError("the source and destination addresses are of different families")
        if self.protocol.has_ports:
            if self.destination_port is None:
                raise ValueError(f"a {self.protocol.wire} flow needs a destination port")
            _check_port(self.destination_port)
            if self.source_port is not None:
                _check_port(self.source_port)
        elif self.destination_port is not None or self.source_port is not None:
            raise ValueError(f"{self.protocol.wire} has no ports")
        object.__setattr__(self, "kind", kind_of(self.protocol, self.nic_type))
        object.__setattr__(self, "version", self.source.version)
        object.__setattr__(self, "source_int", int(self.source))
        object.__setattr__(self, "destination_int", int(self.destination))


def _check_port(port: int) -> None:
    if port not in _PORTS:
        raise ValueError(f"port {port} is not in 1..65535")


def flow_between(
    source: NetworkInterface,
    destination: NetworkInterface,
    protocol: IpProtocol,
    destination_port: int | None = None,
    source_port: int | None = None,
) -> Flow:
    """A flow from one interface's primary address to another's."""
    return Flow(
        protocol=protocol,
        source=source.primary_ip,
        destination=destination.primary_ip,
        destination_port=destination_port,
        source_port=source_port,
    )

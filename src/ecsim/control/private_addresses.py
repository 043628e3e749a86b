"""Private addresses for network interfaces, and their MAC addresses.

In a vSwitch the first address and the last three are the system's (reference §3.2); an
interface gets the address it asks for (inside the block, not reserved, not taken) or the
next free one. The classic network of a region is one shared block for every account
(``CLASSIC_BLOCK``), as ECS's classic network was.

Each address in use is held by a claim record (kind ``private_ip``), written in the caller's
transaction, so checking an address is one lookup and a failed call leaves none behind.
Free addresses are found from a per-network cursor that moves forward and wraps, so handing
out the ten-thousandth address costs what the first did.
"""

from __future__ import annotations

import hashlib
import ipaddress

from ecsim.errors import EcsError
from ecsim.model.network import VSwitch
from ecsim.store.base import ResourceRecord, Store

__all__ = ["CLAIM_KIND", "CLASSIC_BLOCK", "PrivateAddresses", "mac_address"]

# ECS's classic addresses were 10.x; one /12 per region is a million instances.
CLASSIC_BLOCK = ipaddress.IPv4Network("10.96.0.0/12")
CLAIM_KIND = "private_ip"

# Alibaba Cloud's OUI: real ECS interfaces have MAC addresses 00:16:3e:xx:xx:xx.
_OUI = "00:16:3e"


def mac_address(eni_id: str) -> str:
    """A stable MAC for an interface, derived from its id."""
    digest = hashlib.sha256(eni_id.encode()).digest()
    return f"{_OUI}:{digest[0]:02x}:{digest[1]:02x}:{digest[2]:02x}"


def _bounds(block: ipaddress.IPv4Network) -> tuple[int, int]:
    """First and last usable address, as integers."""
    return int(block.network_address) + 1, int(block.broadcast_address) - 3


class PrivateAddresses:
    def __init__(self, store: Store) -> None:
        self._store = store

    def allocate(
        self,
        vswitch: VSwitch,
        eni_id: str,
        requested: ipaddress.IPv4Address | None = None,
    ) -> ipaddress.IPv4Address:
        """Claim ``requested`` (validated) or the next free address of ``vswitch``."""
        scope = vswitch.vswitch_id
        first, last = _bounds(vswitch.cidr_block)
        if requested is not None:
            if not first <= int(requested) <= last:
                raise EcsError(
                    "The specified private IP address is not in the CIDR block of the "
                    "specified VSwitch.",
                    code="InvalidPrivateIpAddress",
                    http_status=400,
                )
            if self.holder(scope, requested) is not None:
                raise EcsError(
                    "The specified private IP address is already in use.",
                    code="InvalidPrivateIpAddress.Duplicated",
                    http_status=400,
                )
            address = requested
        else:
            found = self._next_free(scope, first, last)
            if found is None:
                raise EcsError(
                    "The specified VSwitch has no available IP address.",
                    code="InvalidVSwitchId.IpNotEnough",
                    http_status=403,
                )
            address = found
        self._claim(scope, vswitch.account_id, vswitch.region_id, address, eni_id)
        return address

    def allocate_classic(
        self, region_id: str, account_id: str, eni_id: str
    ) -> ipaddress.IPv4Address:
        """Claim the next free address of the region's classic network."""
        scope = f"classic:{region_id}"
        first, last = _bounds(CLASSIC_BLOCK)
        address = self._next_free(scope, first, last)
        if address is None:
            raise EcsError(
                "The classic network of this region has no free address.",
                code="OperationDenied.NoStock",
                http_status=403,
            )
        self._claim(scope, account_id, region_id, address, eni_id)
        return address

    def release(
        self, vswitch_id: str | None, region_id: str, address: ipaddress.IPv4Address
    ) -> None:
        """Free an interface's address (``vswitch_id`` None: the classic network)."""
        scope = vswitch_id if vswitch_id is not None else f"classic:{region_id}"
        self._store.delete_resource(CLAIM_KIND, f"{scope}/{address}")

    def holder(self, scope: str, address: ipaddress.IPv4Address) -> str | None:
        """The interface holding ``address`` in ``scope`` (a vSwitch id), if any."""
        record = self._store.get_resource(CLAIM_KIND, f"{scope}/{address}")
        return str(record.body["eni_id"]) if record else None

    def _next_free(self, scope: str, first: int, last: int) -> ipaddress.IPv4Address | None:
        span = last - first + 1
        for _ in range(span):
            offset = self._store.next_value(f"private_ip:{scope}", 0) % span
            address = ipaddress.IPv4Address(first + offset)
            if self.holder(scope, address) is None:
                return address
        return None

    def _claim(
        self,
        scope: str,
        account_id: str,
        region_id: str,
        address: ipaddress.IPv4Address,
        eni_id: str,
    ) -> None:
        self._store.put_resource(
            ResourceRecord(
                CLAIM_KIND, f"{scope}/{address}", account_id, region_id, {"eni_id": eni_id}
            )
        )

"""The host's pool of public addresses for EIPs (model.eip: 198.18.0.0/15 by default).

Addresses are handed out in order from a store sequence, wrapping around at the end, so a
released address comes back only after the rest of the pool has been handed out once. The
sequence starts at a random point of the pool when a data directory first allocates: two
servers on one host then (almost surely) hand out different addresses, whose host routes
would otherwise replace each other. An
address is held by a claim record for as long as its EIP exists, across every account and
region of the host; when every address is held, allocation fails with
``InsufficientEipCapacity`` (500), Alibaba's answer when a region runs out of EIPs.
"""

from __future__ import annotations

import ipaddress
import secrets

from ecsim.errors import EcsError
from ecsim.model.eip import EIP_POOL, Eip, pool_address, pool_size
from ecsim.store.base import Store
from ecsim.store.codecs import eips as codec

__all__ = ["AddressPool"]

_SEQUENCE = "eip_pool"


class AddressPool:
    def __init__(self, store: Store, pool: ipaddress.IPv4Network = EIP_POOL) -> None:
        self._store = store
        self._pool = pool

    def next_free(self) -> ipaddress.IPv4Address:
        """The next address in pool order that no EIP holds."""
        for _ in range(pool_size(self._pool)):
            start = secrets.randbelow(pool_size(self._pool))
            address = pool_address(self._pool, self._store.next_value(_SEQUENCE, start))
            if self.is_free(address):
                return address
        raise EcsError(
            "Insufficient EIP capacity to fulfill your request.",
            code="InsufficientEipCapacity",
            http_status=500,
        )

    def contains(self, address: ipaddress.IPv4Address) -> bool:
        """Whether the pool hands out ``address`` (its first and last are never handed out)."""
        first = self._pool.network_address + 1
        return first <= address < first + pool_size(self._pool)

    def is_free(self, address: ipaddress.IPv4Address) -> bool:
        return self._store.get_resource(codec.KIND_ADDRESS, str(address)) is None

    def claim(self, eip: Eip) -> None:
        self._store.put_resource(codec.encode_address_claim(eip))

    def free(self, eip: Eip) -> None:
        self._store.delete_resource(codec.KIND_ADDRESS, str(eip.address))

"""The rule engine's view of a region's networks, built from the store and kept until the
store changes.

Networks never reach each other: each VPC, and the region's classic network shared by every
account. Each network gets its own engine ``Topology``, so addresses are unique inside one, as
they are on the wire, and a reference to a group whose members are in another network matches
nobody, as no packet can come from there. So a view needs only:

- for an account's VPCs: that account's groups and interfaces in the region (a VPC, its
  groups and its interfaces belong to one account); the account's classic interfaces are
  there too, to be found by address, but they are judged in the classic view;
- for the classic network: every account's groups and classic interfaces in the region
  (guide §1.7: accounts meet there, and authorize each other's groups).

Building a view costs a pass over its groups and interfaces; answering from a built one costs
microseconds. A view is reused for as long as the store returns the very same records (the
store hands out a new record object for every write, and the view holds the ones it was built
from, so identity is a safe test of "nothing changed").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address
from types import MappingProxyType

from ecsim.engine.evaluate import Evaluator
from ecsim.engine.topology import Topology
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import SecurityGroup
from ecsim.store.base import ResourceRecord, Store
from ecsim.store.codecs import network_interfaces as eni_codec
from ecsim.store.codecs import security_groups as sg_codec

__all__ = ["CLASSIC", "NetworkKey", "RegionView", "TopologyBuilder", "network_of"]

# a VPC id, or None for the region's classic network
NetworkKey = str | None
# the scope of the classic network's view: every account
CLASSIC = "*"


def network_of(interface: NetworkInterface) -> NetworkKey:
    return interface.vpc_id


@dataclass
class RegionView:
    """The groups and interfaces of one scope of a region (an account, or the classic network
    of every account), and an evaluator per network of the scope (an account's VPCs, or the
    classic network), compiled on first use."""

    region_id: str
    groups: tuple[SecurityGroup, ...]
    interfaces: Mapping[str, NetworkInterface]
    by_network: Mapping[NetworkKey, tuple[NetworkInterface, ...]]
    _evaluators: dict[NetworkKey, Evaluator] = field(default_factory=dict, repr=False)
    _by_address: dict[IPv4Address, tuple[NetworkInterface, ...]] | None = field(
        default=None, repr=False
    )

    def evaluator(self, network: NetworkKey) -> Evaluator:
        found = self._evaluators.get(network)
        if found is None:
            topology = Topology(self.groups, self.by_network.get(network, ()))
            found = self._evaluators[network] = Evaluator(topology)
        return found

    def holding(self, address: IPv4Address) -> tuple[NetworkInterface, ...]:
        """The interfaces whose primary address is ``address`` (one per network at most)."""
        if self._by_address is None:
            index: dict[IPv4Address, list[NetworkInterface]] = {}
            for interface in self.interfaces.values():
                index.setdefault(interface.primary_ip, []).append(interface)
            self._by_address = {a: tuple(found) for a, found in index.items()}
        return self._by_address.get(address, ())


@dataclass(frozen=True)
class _Cached:
    records: tuple[ResourceRecord, ...]
    view: RegionView


class TopologyBuilder:
    """Views, rebuilt only when a group or interface of their scope has changed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[tuple[str, str], _Cached] = {}
        # views already checked against the store in the current ``pinned`` block
        self._pinned: dict[tuple[str, str], RegionView] | None = None

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Inside, each view is checked against the store once: one question reads one state,
        and does not list the same records again for each of its ends."""
        outer = self._pinned
        if outer is None:
            self._pinned = {}
        try:
            yield
        finally:
            self._pinned = outer

    def view(self, region_id: str, scope: str) -> RegionView:
        """``scope``: an account id (its VPCs) or ``CLASSIC`` (the classic network)."""
        key = (region_id, scope)
        if self._pinned is not None and key in self._pinned:
            return self._pinned[key]
        records = self._records(region_id, scope)
        cached = self._cache.get(key)
        if cached is not None and _same(cached.records, records):
            view = cached.view
        else:
            view = self._build(region_id, scope, records)
            self._cache[key] = _Cached(records, view)
        if self._pinned is not None:
            self._pinned[key] = view
        return view

    def view_of(self, interface: NetworkInterface) -> RegionView:
        """The view holding ``interface``'s network."""
        scope = CLASSIC if interface.vpc_id is None else interface.account_id
        return self.view(interface.region_id, scope)

    def _records(self, region_id: str, scope: str) -> tuple[ResourceRecord, ...]:
        accounts = (
            [account.account_id for account in self._store.list_accounts()]
            if scope == CLASSIC
            else [scope]
        )
        found: list[ResourceRecord] = []
        for account_id in accounts:
            found.extend(self._store.list_resources(sg_codec.KIND, account_id, region_id))
            found.extend(self._store.list_resources(eni_codec.KIND, account_id, region_id))
        return tuple(found)

    def _build(self, region_id: str, scope: str, records: Sequence[ResourceRecord]) -> RegionView:
        classic = scope == CLASSIC
        groups: list[SecurityGroup] = []
        interfaces: list[NetworkInterface] = []
        for record in records:
            if record.kind == sg_codec.KIND:
                groups.append(self._store.decoded(record, sg_codec.decode_security_group))
                continue
            interface = self._store.decoded(record, eni_codec.decode_network_interface)
            # other accounts' VPCs are none of the classic view's business
            if not classic or interface.vpc_id is None:
                interfaces.append(interface)
        known = {group.group_id for group in groups}
        by_id = {i.eni_id: i for i in _member_of_known(interfaces, known)}
        by_network: dict[NetworkKey, list[NetworkInterface]] = {}
        for interface in by_id.values():
            # an account's classic interfaces are found here by address, but judged in the
            # classic view, with the other accounts they meet there
            if (interface.vpc_id is None) == classic:
                by_network.setdefault(network_of(interface), []).append(interface)
        return RegionView(
            region_id=region_id,
            groups=tuple(groups),
            interfaces=MappingProxyType(by_id),
            by_network=MappingProxyType({k: tuple(v) for k, v in by_network.items()}),
        )


def _member_of_known(
    interfaces: Iterable[NetworkInterface], known: set[str]
) -> Iterable[NetworkInterface]:
    """Interfaces with only the groups that exist: a group deleted under an interface (which
    the API refuses) can admit nothing, and must not stop the engine judging the rest."""
    for interface in interfaces:
        if all(group_id in known for group_id in interface.security_group_ids):
            yield interface
        else:
            kept = tuple(g for g in interface.security_group_ids if g in known)
            yield replace(interface, security_group_ids=kept)


def _same(first: Sequence[ResourceRecord], second: Sequence[ResourceRecord]) -> bool:
    return len(first) == len(second) and all(a is b for a, b in zip(first, second, strict=True))

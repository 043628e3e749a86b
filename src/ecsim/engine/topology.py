"""A snapshot of security groups and the interfaces in them, indexed once for many queries.

The snapshot is what the engine reasons over: the groups (any account, so that cross-account
references resolve, guide §1.7) and the interfaces with their group memberships. Membership is
per interface, not per instance (guide §1.5). Indexes are built in the constructor; nothing in
a snapshot changes afterwards, so a new state of the world is a new ``Topology``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import ip_network
from types import MappingProxyType

from ecsim.engine.flow import IpAddress
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, SecurityGroup
from ecsim.model.values import Cidr, Policy

__all__ = ["GroupSet", "Topology", "UnknownInterface"]

# The groups of one interface as a set: interfaces with the same set share their compiled gates.
GroupSet = frozenset[str]


class UnknownInterface(KeyError):
    """An interface id the snapshot does not hold."""


class Topology:
    """Groups by id, interfaces by id, and the indexes between them.

    An interface naming a group the snapshot lacks is refused (``ValueError``): its gates could
    not be judged. A rule referring to a group the snapshot lacks matches nobody, as a
    reference to a group with no members does.
    """

    def __init__(
        self, groups: Iterable[SecurityGroup], interfaces: Iterable[NetworkInterface]
    ) -> None:
        self._groups: dict[str, SecurityGroup] = {g.group_id: g for g in groups}
        self._interfaces: dict[str, NetworkInterface] = {}
        members: dict[str, list[NetworkInterface]] = {gid: [] for gid in self._groups}
        for interface in interfaces:
            if interface.eni_id in self._interfaces:
                raise ValueError(f"interface {interface.eni_id} is given twice")
            for group_id in interface.security_group_ids:
                if group_id not in self._groups:
                    raise ValueError(f"{interface.eni_id} is in {group_id}, which is not given")
                members[group_id].append(interface)
            self._interfaces[interface.eni_id] = interface
        self._members: dict[str, tuple[NetworkInterface, ...]] = {
            gid: tuple(found) for gid, found in members.items()
        }
        self._member_addresses: dict[str, frozenset[IpAddress]] = {
            gid: frozenset(i.primary_ip for i in found) for gid, found in self._members.items()
        }
        # an address (as an integer: primary addresses are IPv4) -> the groups it is a member
        # of; a rule naming a group matches a remote address through this
        groups_at: dict[int, set[str]] = {}
        for gid, found in self._members.items():
            for interface in found:
                groups_at.setdefault(int(interface.primary_ip), set()).add(gid)
        self._groups_at = {address: tuple(sorted(g)) for address, g in groups_at.items()}
        self._member_blocks: dict[str, tuple[Cidr, ...]] = {}
        # the basic groups whose members reach each other (InnerAccessPolicy=Accept)
        self._inner_accept: dict[str, frozenset[str]] = {
            eni_id: frozenset(
                gid for gid in interface.security_group_ids if self._admits_members(gid)
            )
            for eni_id, interface in self._interfaces.items()
        }

    def _admits_members(self, group_id: str) -> bool:
        group = self._groups[group_id]
        return not group.is_enterprise and group.inner_access_policy is Policy.ACCEPT

    @property
    def groups(self) -> Mapping[str, SecurityGroup]:
        return MappingProxyType(self._groups)

    @property
    def interfaces(self) -> Mapping[str, NetworkInterface]:
        return MappingProxyType(self._interfaces)

    def interface(self, eni_id: str) -> NetworkInterface:
        try:
            return self._interfaces[eni_id]
        except KeyError:
            raise UnknownInterface(eni_id) from None

    def group_set(self, eni_id: str) -> GroupSet:
        return frozenset(self.interface(eni_id).security_group_ids)

    def groups_in(self, group_set: GroupSet) -> tuple[SecurityGroup, ...]:
        """The groups of a set, in id order: nothing depends on the order they were joined."""
        return tuple(self._groups[gid] for gid in sorted(group_set))

    def members(self, group_id: str) -> tuple[NetworkInterface, ...]:
        return self._members.get(group_id, ())

    def addresses_of(self, ref: GroupRef) -> frozenset[IpAddress]:
        """The primary addresses of the referenced group's members now.

        The owner must be the group's account: a reference naming another owner does not
        resolve (the group it means is not this one)."""
        return self._member_addresses[ref.group_id] if self.resolves(ref) else frozenset()

    def member_blocks(self, ref: GroupRef) -> tuple[Cidr, ...]:
        """``addresses_of`` as single-address blocks, in address order; built once per group,
        since every rule naming the group shares them."""
        if not self.resolves(ref):
            return ()
        found = self._member_blocks.get(ref.group_id)
        if found is None:
            found = tuple(ip_network(a) for a in sorted(self._member_addresses[ref.group_id]))
            self._member_blocks[ref.group_id] = found
        return found

    @property
    def groups_at(self) -> Mapping[int, tuple[str, ...]]:
        """IPv4 address (as an integer) -> the groups with a member at that address."""
        return MappingProxyType(self._groups_at)

    def resolves(self, ref: GroupRef) -> bool:
        """The reference names a group of the snapshot, owned by the account it says."""
        group = self._groups.get(ref.group_id)
        return group is not None and group.account_id == ref.owner_account_id

    def shared_inner_accept_group(self, first: str, second: str) -> str | None:
        """A basic group with InnerAccessPolicy=Accept both interfaces are in (the smallest id
        when several are), or None."""
        mine, theirs = self._inner_accept[first], self._inner_accept[second]
        if mine.isdisjoint(theirs):
            return None
        return min(mine & theirs)

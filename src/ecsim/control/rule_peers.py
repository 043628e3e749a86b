"""A rule's peer as requested -> the peer the rule stores, checked against the rule's group.

A peer group is looked up in its owner's account: the caller's, or the one named by
SourceGroupOwnerId / SourceGroupOwnerAccount (an account id or login name). Same-account
peers must share the group's VPC; peers of another account need only the same region and
network type, as the guide's cross-account recipe (§1.7) does it.
"""

from __future__ import annotations

from ecsim.control.accounts import Accounts
from ecsim.control.repositories import SecurityGroupRepository
from ecsim.control.rule_errors import (
    network_type_mismatch,
    peer_is_enterprise,
    peer_is_self,
    peer_not_found,
    peer_vpc_mismatch,
    prefix_list_not_found,
)
from ecsim.model.rule_spec import GroupPeer, PrefixListPeer, RequestedPeer
from ecsim.model.security_group import GroupRef, Peer, SecurityGroup
from ecsim.model.values import Direction

__all__ = ["RulePeers"]


class RulePeers:
    def __init__(self, groups: SecurityGroupRepository, accounts: Accounts) -> None:
        self._groups = groups
        self._accounts = accounts

    def resolve(self, group: SecurityGroup, peer: RequestedPeer, direction: Direction) -> Peer:
        """The peer of a rule being added to (or changed in) ``group``; it must exist."""
        if isinstance(peer, PrefixListPeer):
            # ecsim has no prefix lists, so every id names a missing one
            raise prefix_list_not_found()
        if not isinstance(peer, GroupPeer):
            return peer
        owner = self._owner(group, peer, direction)
        found = self._groups.find(peer.group_id)
        if found is None or found.account_id != owner or found.region_id != group.region_id:
            raise peer_not_found(direction)
        if direction is Direction.EGRESS and found.group_id == group.group_id:
            raise peer_is_self()
        if (found.vpc_id is None) != (group.vpc_id is None):
            raise network_type_mismatch(direction)
        if owner == group.account_id and found.vpc_id != group.vpc_id:
            raise peer_vpc_mismatch(direction)
        if found.is_enterprise and not group.is_enterprise:
            raise peer_is_enterprise()
        return GroupRef(found.group_id, owner)

    def key_of(self, group: SecurityGroup, peer: RequestedPeer, direction: Direction) -> Peer:
        """The peer as an existing rule would store it, for matching; the group may be gone."""
        if isinstance(peer, PrefixListPeer):
            raise prefix_list_not_found()
        if not isinstance(peer, GroupPeer):
            return peer
        return GroupRef(peer.group_id, self._owner(group, peer, direction))

    def exists(self, ref: GroupRef) -> bool:
        found = self._groups.find(ref.group_id)
        return found is not None and found.account_id == ref.owner_account_id

    def _owner(self, group: SecurityGroup, peer: GroupPeer, direction: Direction) -> str:
        if peer.owner is None:
            return group.account_id
        account = self._accounts.resolve(peer.owner)
        if account is None:
            # an unknown owner cannot own the group: the group is what is reported missing
            raise peer_not_found(direction)
        return account.account_id

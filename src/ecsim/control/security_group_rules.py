"""Security-group rules: authorize, revoke and modify, in both directions.

Every call validates all of its rules before it writes anything, and the API runs it in one
store transaction, so a batch with one bad entry adds none. Authorizing a rule the group
already has succeeds and adds nothing; revoking a rule it does not have succeeds and deletes
nothing (reference §2.2, §2.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.control.repositories import SecurityGroupRepository
from ecsim.control.rule_errors import (
    duplicate_permissions,
    enterprise_rule_denied,
    group_reference_limit,
    modify_duplicate,
    modify_entity_type,
    modify_nic_type,
    peer_needs_intranet,
    peer_not_found,
    rule_id_invalid,
    rule_id_repeated,
    rule_limit,
    rule_not_found,
)
from ecsim.control.rule_peers import RulePeers
from ecsim.ids import IdFactory
from ecsim.model.rule_spec import (
    GroupPeer,
    PrefixListPeer,
    RequestedPeer,
    RuleChange,
    RuleSpec,
    check_rule_shape,
)
from ecsim.model.security_group import GroupRef, Peer, Rule, SecurityGroup
from ecsim.model.values import Direction, NicType, Policy
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["SecurityGroupRules"]


class SecurityGroupRules:
    def __init__(
        self, store: Store, ids: IdFactory, clock: Clock, limits: Limits, accounts: Accounts
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._accounts = accounts
        self._groups = SecurityGroupRepository(store)
        self._peers = RulePeers(self._groups, accounts)

    def authorize(
        self, account_id: str, region_id: str, group_id: str, specs: Sequence[RuleSpec]
    ) -> None:
        group = self._groups.get(account_id, group_id, region_id)
        now = self._clock.now()
        rules = [self._new_rule(group, spec, now) for spec in specs]
        if len({rule.key for rule in rules}) < len(rules):
            raise duplicate_permissions()
        updated = group.with_rules_added(tuple(rules))
        if len(updated.rules) == len(group.rules):
            return
        self._check_limits(group, updated)
        self._groups.save(updated)

    def revoke(
        self,
        account_id: str,
        region_id: str,
        group_id: str,
        direction: Direction,
        *,
        rule_ids: Sequence[str] = (),
        specs: Sequence[RuleSpec] = (),
    ) -> None:
        """Delete the rules named by id (each must exist) or matching ``specs`` (if any)."""
        group = self._groups.get(account_id, group_id, region_id)
        if rule_ids:
            doomed = _rules_by_id(group, direction, rule_ids)
        else:
            doomed = self._rules_matching(group, specs)
        if doomed:
            self._groups.save(group.without_rules(doomed))

    def modify(
        self,
        account_id: str,
        region_id: str,
        group_id: str,
        direction: Direction,
        target: str | RuleSpec,
        change: RuleChange,
    ) -> None:
        """Change the rule with id ``target``, or (the legacy form) the rule ``target`` is."""
        group = self._groups.get(account_id, group_id, region_id)
        rule = self._find(group, direction, target)
        updated = self._changed(group, rule, change)
        clash = next(
            (r for r in group.rules if r.rule_id != rule.rule_id and r.key == updated.key), None
        )
        if clash is not None:
            raise modify_duplicate(clash.rule_id)
        self._groups.save(group.with_rule_replaced(updated))

    # -- authorize ---------------------------------------------------------------------------

    def _new_rule(self, group: SecurityGroup, spec: RuleSpec, now: datetime) -> Rule:
        _check_enterprise(group, spec.peer, spec.policy)
        peer = self._peers.resolve(group, spec.peer, spec.direction)
        rule = _rule(group, spec, peer, self._ids.new("security_group_rule"), now)
        if isinstance(peer, GroupRef) and rule.nic_type is not NicType.INTRANET:
            raise peer_needs_intranet(spec.direction)
        return rule

    def _check_limits(self, before: SecurityGroup, after: SecurityGroup) -> None:
        if len(after.rules) > self._limits.rules_per_security_group:
            raise rule_limit()
        limit = self._limits.group_reference_rules_per_group
        references = _group_references(after)
        # a group already over a lowered limit may still gain rules of other kinds
        if references > limit and references > _group_references(before):
            raise group_reference_limit(limit)

    # -- revoke ------------------------------------------------------------------------------

    def _rules_matching(self, group: SecurityGroup, specs: Sequence[RuleSpec]) -> frozenset[str]:
        now = self._clock.now()
        wanted = [
            _rule(group, spec, self._peers.key_of(group, spec.peer, spec.direction), "", now)
            for spec in specs
        ]
        if len({rule.key for rule in wanted}) < len(wanted):
            raise duplicate_permissions()
        present = {rule.key: rule.rule_id for rule in group.rules}
        doomed: set[str] = set()
        for rule in wanted:
            rule_id = present.get(rule.key)
            if rule_id is not None:
                doomed.add(rule_id)
            elif isinstance(rule.peer, GroupRef) and not self._peers.exists(rule.peer):
                raise peer_not_found(rule.direction)
        return frozenset(doomed)

    # -- modify ------------------------------------------------------------------------------

    def _find(self, group: SecurityGroup, direction: Direction, target: str | RuleSpec) -> Rule:
        if isinstance(target, str):
            found = next((r for r in group.rules_in(direction) if r.rule_id == target), None)
        else:
            peer = self._peers.key_of(group, target.peer, direction)
            key = _rule(group, target, peer, "", self._clock.now()).key
            found = next((r for r in group.rules if r.key == key), None)
        if found is None:
            raise rule_not_found()
        return found

    def _changed(self, group: SecurityGroup, rule: Rule, change: RuleChange) -> Rule:
        policy = change.policy or rule.policy
        _check_enterprise(group, change.peer, policy)
        peer = rule.peer
        if change.peer is not None:
            if _entity(change.peer) != _entity(rule.peer):
                raise modify_entity_type()
            peer = self._peers.resolve(group, change.peer, rule.direction)
        if change.nic_type is not None and _nic_type(group, change.nic_type) != rule.nic_type:
            raise modify_nic_type()
        updated = replace(
            rule,
            protocol=change.protocol or rule.protocol,
            port_range=change.port_range or rule.port_range,
            source_port_range=change.source_port_range or rule.source_port_range,
            peer=peer,
            local=change.local or rule.local,
            policy=policy,
            priority=change.priority or rule.priority,
            description=change.description or rule.description,
        )
        check_rule_shape(
            updated.protocol,
            updated.port_range,
            updated.source_port_range,
            updated.peer,
            updated.local,
        )
        return updated


def _rule(group: SecurityGroup, spec: RuleSpec, peer: Peer, rule_id: str, now: datetime) -> Rule:
    return Rule(
        rule_id=rule_id,
        direction=spec.direction,
        protocol=spec.protocol,
        port_range=spec.port_range,
        source_port_range=spec.source_port_range,
        peer=peer,
        local=spec.local,
        nic_type=_nic_type(group, spec.nic_type),
        policy=spec.policy,
        priority=spec.priority,
        description=spec.description,
        created_at=now,
    )


def _nic_type(group: SecurityGroup, requested: NicType | None) -> NicType:
    # VPC groups have only the intranet side; Packer still sends internet, and ECS takes it.
    if group.vpc_id is not None:
        return NicType.INTRANET
    return requested or NicType.INTERNET


def _check_enterprise(group: SecurityGroup, peer: RequestedPeer | None, policy: Policy) -> None:
    if group.is_enterprise and (isinstance(peer, GroupPeer) or policy is Policy.DROP):
        raise enterprise_rule_denied()


def _entity(peer: RequestedPeer | Peer) -> str:
    """The kind of a peer, which Modify may not change: IPv4, IPv6, group or prefix list."""
    if isinstance(peer, GroupPeer | GroupRef):
        return "group"
    if isinstance(peer, PrefixListPeer):
        return "prefix-list"
    return f"ipv{peer.version}"


def _group_references(group: SecurityGroup) -> int:
    return sum(1 for rule in group.rules if rule.references_group)


def _rules_by_id(
    group: SecurityGroup, direction: Direction, rule_ids: Sequence[str]
) -> frozenset[str]:
    known = {rule.rule_id for rule in group.rules_in(direction)}
    seen: set[str] = set()
    for rule_id in rule_ids:
        if rule_id in seen:
            raise rule_id_repeated(rule_id)
        if rule_id not in known:
            raise rule_id_invalid(rule_id)
        seen.add(rule_id)
    return frozenset(seen)

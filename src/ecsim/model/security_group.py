"""Security groups and their rules.

A rule is direction + protocol + port range (+ source port range) + NIC type + policy +
priority + the peer (a CIDR block or another group) + optionally the local CIDR of a five-tuple
rule (DestCidrIp on ingress, SourceCidrIp on egress). Everything but the id, description and
creation time identifies it: authorizing an identical rule adds nothing (reference §2.2).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from ecsim.model.values import (
    Cidr,
    Direction,
    IpProtocol,
    NicType,
    Policy,
    PortRange,
    Priority,
)

__all__ = ["GroupRef", "GroupType", "Peer", "Rule", "RuleKey", "SecurityGroup"]


class GroupType(Enum):
    NORMAL = "normal"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class GroupRef:
    """A rule's peer given as a group, possibly of another account (guide §1.7)."""

    group_id: str
    owner_account_id: str


Peer = Cidr | GroupRef

RuleKey = tuple[object, ...]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    direction: Direction
    protocol: IpProtocol
    port_range: PortRange
    # None when the rule does not restrict the peer's port
    source_port_range: PortRange | None
    # the source on ingress, the destination on egress
    peer: Peer
    # the instance side of a five-tuple rule: DestCidrIp on ingress, SourceCidrIp on egress
    local: Cidr | None
    nic_type: NicType
    policy: Policy
    priority: Priority
    description: str
    created_at: datetime

    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        # Rules are looked up by value (codec memo, key sets) far more often than they are
        # made, and hashing addresses and enums field by field is slow: hash once.
        return hash((self.rule_id, self.key, self.description, self.created_at))

    @functools.cached_property
    def key(self) -> RuleKey:
        return (
            self.direction,
            self.protocol,
            self.port_range,
            self.source_port_range,
            self.peer,
            self.local,
            self.nic_type,
            self.policy,
            self.priority,
        )

    @property
    def references_group(self) -> bool:
        return isinstance(self.peer, GroupRef)


@dataclass(frozen=True)
class SecurityGroup:
    group_id: str
    account_id: str
    region_id: str
    # None for a classic-network group
    vpc_id: str | None
    name: str
    description: str
    group_type: GroupType
    # Accept lets members reach each other; enterprise groups are always Drop
    inner_access_policy: Policy
    rules: tuple[Rule, ...]
    created_at: datetime
    resource_group_id: str = ""

    @property
    def is_enterprise(self) -> bool:
        return self.group_type is GroupType.ENTERPRISE

    def rules_in(self, direction: Direction) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.direction is direction)

    @functools.cached_property
    def rule_keys(self) -> frozenset[RuleKey]:
        return frozenset(r.key for r in self.rules)

    def with_rules_added(self, rules: tuple[Rule, ...]) -> SecurityGroup:
        """Rules not already present (by key) are appended; existing ones stay as they are."""
        present = set(self.rule_keys)
        fresh: list[Rule] = []
        for rule in rules:
            if rule.key not in present:
                present.add(rule.key)
                fresh.append(rule)
        grown = replace(self, rules=self.rules + tuple(fresh))
        # Hand the key set on (copying a set keeps its hashes): a group grows one rule at a
        # time, and rehashing every key on each change would make authorizing quadratic.
        grown.__dict__["rule_keys"] = frozenset(present)
        return grown

    def without_rules(self, rule_ids: frozenset[str]) -> SecurityGroup:
        return replace(self, rules=tuple(r for r in self.rules if r.rule_id not in rule_ids))

    def with_rule_replaced(self, rule: Rule) -> SecurityGroup:
        return replace(
            self, rules=tuple(rule if r.rule_id == rule.rule_id else r for r in self.rules)
        )

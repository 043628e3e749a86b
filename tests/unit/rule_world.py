"""A SecurityGroupRules on an in-memory store, with groups saved straight through the repository."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.accounts import Accounts
from ecsim.control.repositories import SecurityGroupRepository
from ecsim.control.security_group_rules import SecurityGroupRules
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.rule_spec import RequestedPeer, RuleSpec
from ecsim.model.security_group import GroupType, Rule, SecurityGroup
from ecsim.model.values import Direction, IpProtocol, Policy, PortRange
from ecsim.settings import ROOT_ACCOUNT_ID, Limits
from ecsim.store.sqlite import SqliteStore

ROOT = ROOT_ACCOUNT_ID
REGION = "cn-hangzhou"
IN = Direction.INGRESS
OUT = Direction.EGRESS


@dataclass
class World:
    store: SqliteStore
    clock: FrozenClock
    accounts: Accounts
    groups: SecurityGroupRepository
    rules: SecurityGroupRules

    def group(
        self,
        group_id: str,
        *,
        account: str = ROOT,
        vpc: str | None = "vpc-1",
        region: str = REGION,
        enterprise: bool = False,
    ) -> SecurityGroup:
        group = SecurityGroup(
            group_id=group_id,
            account_id=account,
            region_id=region,
            vpc_id=vpc,
            name=group_id,
            description="",
            group_type=GroupType.ENTERPRISE if enterprise else GroupType.NORMAL,
            inner_access_policy=Policy.DROP if enterprise else Policy.ACCEPT,
            rules=(),
            created_at=self.clock.now(),
        )
        self.groups.save(group)
        return group

    def stored(self, group_id: str) -> tuple[Rule, ...]:
        found = self.groups.find(group_id)
        assert found is not None
        return found.rules


@contextmanager
def open_world() -> Iterator[World]:
    store = SqliteStore(":memory:")
    ids = IdFactory(seed=7)
    clock = FrozenClock()
    accounts = Accounts(store, ids, clock)
    accounts.ensure_root("ecsim", "ecsim-secret")
    limits = Limits(rules_per_security_group=4, group_reference_rules_per_group=2)
    rules = SecurityGroupRules(store, ids, clock, limits, accounts)
    try:
        yield World(store, clock, accounts, SecurityGroupRepository(store), rules)
    finally:
        store.close()


def spec(
    peer: RequestedPeer | str = "10.0.0.0/8",
    *,
    direction: Direction = IN,
    protocol: IpProtocol = IpProtocol.TCP,
    ports: str = "22/22",
    **extra: object,
) -> RuleSpec:
    resolved = ipaddress.ip_network(peer) if isinstance(peer, str) else peer
    return RuleSpec(
        direction=direction,
        protocol=protocol,
        port_range=PortRange.parse(ports),
        source_port_range=None,
        peer=resolved,
        **extra,  # type: ignore[arg-type]
    )


def refused(call: object) -> EcsError:
    assert callable(call)
    with pytest.raises(EcsError) as caught:
        call()
    return caught.value

"""Security-group rules: authorize, revoke and modify, in both directions."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.ids import IdFactory
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

"""Security groups: create, delete, describe, attributes, policy, references."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["SecurityGroups"]


class SecurityGroups:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        accounts: Accounts,
        tags: Tags,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._accounts = accounts
        self._tags = tags

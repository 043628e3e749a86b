"""The reachability analyzer: the rule engine over the current state of an account's network."""

from __future__ import annotations

from ecsim.control.accounts import Accounts
from ecsim.store.base import Store

__all__ = ["Reachability"]


class Reachability:
    def __init__(
        self,
        store: Store,
        accounts: Accounts,
    ) -> None:
        self._store = store
        self._accounts = accounts

"""Accounts and their AccessKeys: the root account at first start, more on request."""

from __future__ import annotations

from ecsim.clock import Clock
from ecsim.errors import EcsError, Forbidden
from ecsim.ids import IdFactory
from ecsim.model.account import Account, AccountName, NewAccount
from ecsim.settings import ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME
from ecsim.store.base import AccessKeyRecord, AccountRecord, Store
from ecsim.times import format_seconds

__all__ = ["Accounts"]


class Accounts:
    def __init__(self, store: Store, ids: IdFactory, clock: Clock) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._root_key_id = ""

    def ensure_root(self, access_key_id: str, access_key_secret: str) -> None:
        """Create the root account on first start; (re)bind its configured key every start."""
        with self._store.transaction():
            if self._store.get_account(ROOT_ACCOUNT_ID) is None:
                self._store.add_account(
                    AccountRecord(
                        ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME, format_seconds(self._clock.now())
                    )
                )
            existing = self._store.get_access_key(access_key_id)
            if existing is not None and existing.account_id != ROOT_ACCOUNT_ID:
                raise ValueError(f"AccessKeyId {access_key_id!r} belongs to another account")
            self._store.put_access_key(
                AccessKeyRecord(access_key_id, access_key_secret, ROOT_ACCOUNT_ID, "Active")
            )
        self._root_key_id = access_key_id

    def find_access_key(self, access_key_id: str) -> AccessKeyRecord | None:
        return self._store.get_access_key(access_key_id)

    def root_principal(self) -> tuple[str, str]:
        return ROOT_ACCOUNT_ID, self._root_key_id

    def create(self, caller_account_id: str, name: AccountName | None) -> NewAccount:
        if caller_account_id != ROOT_ACCOUNT_ID:
            raise Forbidden("Only the root account may create accounts.")
        with self._store.transaction():
            number = self._store.next_value("account_id", int(ROOT_ACCOUNT_ID) + 1)
            account_id = str(number)
            login = name.value if name else f"account{number}@ecsim.local"
            if self._store.find_account_by_name(login) is not None:
                raise EcsError(
                    f"An account named {login!r} already exists.",
                    code="InvalidAccountName.Duplicate",
                    http_status=400,
                )
            self._store.add_account(
                AccountRecord(account_id, login, format_seconds(self._clock.now()))
            )
            key_id, secret = self._ids.access_key_id(), self._ids.access_key_secret()
            self._store.put_access_key(AccessKeyRecord(key_id, secret, account_id, "Active"))
        return NewAccount(Account(account_id, login), key_id, secret)

    def resolve(self, id_or_name: str) -> Account | None:
        """An account by its id or its login name (SourceGroupOwnerId / ...OwnerAccount)."""
        record = self._store.get_account(id_or_name) or self._store.find_account_by_name(id_or_name)
        return Account(record.account_id, record.name) if record else None

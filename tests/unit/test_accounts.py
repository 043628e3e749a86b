"""Accounts use cases: the root account, creating accounts, resolving by id or name."""

from __future__ import annotations

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.accounts import Accounts
from ecsim.errors import EcsError, Forbidden
from ecsim.ids import IdFactory
from ecsim.model.account import AccountName
from ecsim.settings import ROOT_ACCOUNT_ID
from ecsim.store.sqlite import SqliteStore


@pytest.fixture
def accounts() -> Accounts:
    service = Accounts(SqliteStore(":memory:"), IdFactory(seed=7), FrozenClock())
    service.ensure_root("ecsim", "ecsim-secret")
    return service


def test_root_account_and_key(accounts: Accounts) -> None:
    key = accounts.find_access_key("ecsim")
    assert key is not None
    assert key.account_id == ROOT_ACCOUNT_ID == "1000000000000001"
    assert key.access_key_secret == "ecsim-secret"
    assert accounts.root_principal() == (ROOT_ACCOUNT_ID, "ecsim")


def test_ensure_root_is_idempotent_and_rebinds_secret(accounts: Accounts) -> None:
    accounts.ensure_root("ecsim", "new-secret")
    key = accounts.find_access_key("ecsim")
    assert key is not None and key.access_key_secret == "new-secret"


def test_create_account_gives_new_id_and_key(accounts: Accounts) -> None:
    first = accounts.create(ROOT_ACCOUNT_ID, AccountName.parse("b@aliyun.com"))
    second = accounts.create(ROOT_ACCOUNT_ID, None)
    assert first.account.account_id == "1000000000000002"
    assert second.account.account_id == "1000000000000003"
    assert first.access_key_id.startswith("LTAI") and len(first.access_key_secret) == 30
    key = accounts.find_access_key(first.access_key_id)
    assert key is not None and key.account_id == first.account.account_id
    resolved_by_name = accounts.resolve("b@aliyun.com")
    resolved_by_id = accounts.resolve("1000000000000002")
    assert resolved_by_name == resolved_by_id == first.account


def test_only_root_creates_accounts(accounts: Accounts) -> None:
    created = accounts.create(ROOT_ACCOUNT_ID, None)
    with pytest.raises(Forbidden):
        accounts.create(created.account.account_id, None)


def test_duplicate_name_refused_and_nothing_written(accounts: Accounts) -> None:
    accounts.create(ROOT_ACCOUNT_ID, AccountName.parse("dup@x.com"))
    with pytest.raises(EcsError) as caught:
        accounts.create(ROOT_ACCOUNT_ID, AccountName.parse("dup@x.com"))
    assert caught.value.code == "InvalidAccountName.Duplicate"
    # the failed attempt did not consume an account id
    assert accounts.create(ROOT_ACCOUNT_ID, None).account.account_id == "1000000000000003"


@pytest.mark.parametrize("name", ["", " spaced", "a b", "x" * 129, "-lead"])
def test_bad_account_names(name: str) -> None:
    with pytest.raises(EcsError) as caught:
        AccountName.parse(name)
    assert caught.value.code == "InvalidAccountName.Malformed"
    assert caught.value.http_status == 400

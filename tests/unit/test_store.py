"""SqliteStore: transactions, isolation by account and region, durability across reopen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsim.store.base import AccessKeyRecord, AccountRecord, ResourceRecord, TokenRecord
from ecsim.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(str(tmp_path / "state.sqlite3"))
    yield opened
    opened.close()


def _record(resource_id: str, account: str = "1", region: str = "cn-hangzhou") -> ResourceRecord:
    return ResourceRecord("vpc", resource_id, account, region, {"Name": resource_id})


def test_resources_are_partitioned_by_account_and_region(store: SqliteStore) -> None:
    store.put_resource(_record("vpc-a", "1", "cn-hangzhou"))
    store.put_resource(_record("vpc-b", "1", "cn-beijing"))
    store.put_resource(_record("vpc-c", "2", "cn-hangzhou"))
    ids = [r.resource_id for r in store.list_resources("vpc", "1", "cn-hangzhou")]
    assert ids == ["vpc-a"]
    assert [r.resource_id for r in store.list_resources("vpc", "2", "cn-hangzhou")] == ["vpc-c"]
    everywhere = [r.resource_id for r in store.list_resources("vpc", "1")]
    assert everywhere == ["vpc-a", "vpc-b"]


def test_resources_keep_creation_order_across_updates(store: SqliteStore) -> None:
    for name in ("vpc-1", "vpc-2", "vpc-3"):
        store.put_resource(_record(name))
    store.put_resource(ResourceRecord("vpc", "vpc-1", "1", "cn-hangzhou", {"Name": "renamed"}))
    listed = list(store.list_resources("vpc", "1", "cn-hangzhou"))
    assert [r.resource_id for r in listed] == ["vpc-1", "vpc-2", "vpc-3"]
    assert listed[0].body == {"Name": "renamed"}


def test_failed_transaction_leaves_nothing(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put_resource(_record("vpc-x"))
        with store.transaction():  # nested: part of the outer one
            store.put_resource(_record("vpc-y"))
        raise RuntimeError("boom")
    assert store.get_resource("vpc", "vpc-x") is None
    assert store.get_resource("vpc", "vpc-y") is None


def test_delete_and_get(store: SqliteStore) -> None:
    store.put_resource(_record("vpc-a"))
    assert store.get_resource("vpc", "vpc-a") is not None
    store.delete_resource("vpc", "vpc-a")
    assert store.get_resource("vpc", "vpc-a") is None


def test_state_survives_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite3")
    first = SqliteStore(path)
    first.add_account(AccountRecord("1000000000000002", "b@aliyun.com", "2024-01-02T03:04:05Z"))
    first.put_access_key(AccessKeyRecord("LTAIx", "secret", "1000000000000002", "Active"))
    first.put_token("1000000000000002", "Ecs:CreateVpc:", "tok", TokenRecord("f", {"VpcId": "v"}))
    first.put_resource(_record("vpc-a", "1000000000000002"))
    assert first.next_value("seq", 5) == 5
    first.close()
    second = SqliteStore(path)
    try:
        account = second.find_account_by_name("b@aliyun.com")
        assert account is not None and account.account_id == "1000000000000002"
        key = second.get_access_key("LTAIx")
        assert key is not None and key.account_id == "1000000000000002"
        token = second.get_token("1000000000000002", "Ecs:CreateVpc:", "tok")
        assert token == TokenRecord("f", {"VpcId": "v"})
        assert second.get_resource("vpc", "vpc-a") is not None
        assert second.next_value("seq", 5) == 6
    finally:
        second.close()


def test_account_names_are_unique(store: SqliteStore) -> None:
    store.add_account(AccountRecord("1", "a@x", "t"))
    with pytest.raises(Exception, match="UNIQUE"):
        store.add_account(AccountRecord("2", "a@x", "t"))
    assert [a.account_id for a in store.list_accounts()] == ["1"]


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_sync_modes_commit(tmp_path: Path, sync: str) -> None:
    path = str(tmp_path / "state.sqlite3")
    first = SqliteStore(path, sync=sync)
    first.put_resource(_record("vpc-a"))
    first.close()
    second = SqliteStore(path, sync=sync)
    try:
        assert second.get_resource("vpc", "vpc-a") is not None
    finally:
        second.close()
    with pytest.raises(ValueError):
        SqliteStore(path, sync="off")


def test_cache_forgets_rolled_back_writes(store: SqliteStore) -> None:
    store.put_resource(_record("vpc-a"))
    with pytest.raises(RuntimeError), store.transaction():
        store.put_resource(ResourceRecord("vpc", "vpc-a", "1", "cn-hangzhou", {"Name": "new"}))
        store.delete_resource("vpc", "vpc-a")
        raise RuntimeError("boom")
    record = store.get_resource("vpc", "vpc-a")
    assert record is not None and record.body == {"Name": "vpc-a"}
    assert [r.resource_id for r in store.list_resources("vpc", "1")] == ["vpc-a"]


def test_decoded_values_follow_the_current_row(store: SqliteStore) -> None:
    calls: list[str] = []

    def decode(record: ResourceRecord) -> str:
        calls.append(record.resource_id)
        return str(record.body["Name"])

    store.put_resource(_record("vpc-a"))
    first = store.get_resource("vpc", "vpc-a")
    assert first is not None
    assert store.decoded(first, decode) == "vpc-a"
    assert store.decoded(first, decode) == "vpc-a"
    assert calls == ["vpc-a"]
    store.put_resource(ResourceRecord("vpc", "vpc-a", "1", "cn-hangzhou", {"Name": "b"}))
    second = store.get_resource("vpc", "vpc-a")
    assert second is not None and store.decoded(second, decode) == "b"
    store.put_resource(_record("vpc-c"), decoded="seeded")
    third = store.get_resource("vpc", "vpc-c")
    assert third is not None and store.decoded(third, decode) == "seeded"


def test_find_network_interfaces_by_instance(store: SqliteStore) -> None:
    def eni(eni_id: str, account: str, instance: str | None) -> ResourceRecord:
        body = {"instance_id": instance, "primary": True}
        return ResourceRecord("network_interface", eni_id, account, "cn-hangzhou", body)

    for record in (
        eni("eni-1", "1", "i-a"),
        eni("eni-2", "1", "i-b"),
        eni("eni-3", "1", None),
        eni("eni-4", "2", "i-a"),
        eni("eni-5", "1", "i-a"),
    ):
        store.put_resource(record)
    found = store.find_network_interfaces("1", ["i-a", "i-b", "i-a"])
    assert [r.resource_id for r in found] == ["eni-1", "eni-2", "eni-5"]
    assert store.find_network_interfaces("1", []) == []
    store.put_resource(eni("eni-2", "1", None))  # detached
    assert [r.resource_id for r in store.find_network_interfaces("1", ["i-b"])] == []


def test_list_decoded_follows_writes_and_rollbacks(store: SqliteStore) -> None:
    def name(record: ResourceRecord) -> str:
        return str(record.body["Name"])

    store.put_resource(_record("vpc-a"))
    store.put_resource(_record("vpc-b", region="cn-beijing"))
    assert store.list_decoded("vpc", "1", None, name) == ["vpc-a", "vpc-b"]
    assert store.list_decoded("vpc", "1", "cn-beijing", name) == ["vpc-b"]
    with pytest.raises(RuntimeError), store.transaction():
        store.put_resource(_record("vpc-c"))
        store.delete_resource("vpc", "vpc-a")
        assert store.list_decoded("vpc", "1", None, name) == ["vpc-b", "vpc-c"]
        raise RuntimeError("boom")
    assert store.list_decoded("vpc", "1", None, name) == ["vpc-a", "vpc-b"]
    assert [r.resource_id for r in store.list_resources("vpc", "1")] == ["vpc-a", "vpc-b"]


def test_listing_read_inside_a_rolled_back_transaction_is_forgotten(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put_resource(_record("vpc-new"))
        assert store.resource_ids("vpc", "1") == ["vpc-new"]
        raise RuntimeError("boom")
    assert store.resource_ids("vpc", "1") == []
    assert list(store.list_resources("vpc", "1")) == []

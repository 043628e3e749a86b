"""ResourceRepository: the lazy listing decodes on demand and matches the eager one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ecsim.control.resource_repository import ResourceRepository
from ecsim.errors import EcsError
from ecsim.store.base import ResourceRecord
from ecsim.store.sqlite import SqliteStore


@dataclass(frozen=True)
class Thing:
    thing_id: str
    account_id: str
    region_id: str


def _repository(store: SqliteStore, decoded: list[str]) -> ResourceRepository[Thing]:
    def decode(record: ResourceRecord) -> Thing:
        decoded.append(record.resource_id)
        return Thing(record.resource_id, record.account_id, record.region_id)

    def encode(thing: Thing) -> ResourceRecord:
        return ResourceRecord("thing", thing.thing_id, thing.account_id, thing.region_id, {})

    return ResourceRepository(store, "thing", encode, decode, lambda: EcsError("gone"))


def test_lazy_listing_decodes_only_what_is_asked() -> None:
    store = SqliteStore(":memory:")
    decoded: list[str] = []
    things = _repository(store, decoded)
    for n in range(10):
        store.put_resource(ResourceRecord("thing", f"t-{n}", "1", "r", {}))
    store.put_resource(ResourceRecord("thing", "t-other", "1", "elsewhere", {}))
    lazy = things.owned_lazily("1", "r")
    assert len(lazy) == 10
    assert decoded == []
    page = lazy[3:5]
    assert [t.thing_id for t in page] == ["t-3", "t-4"]
    assert decoded == ["t-3", "t-4"]
    assert lazy[-1].thing_id == "t-9"
    assert [t.thing_id for t in lazy] == [t.thing_id for t in things.owned_by("1", "r")]
    with pytest.raises(IndexError):
        lazy[10]

"""An in-memory copy of the resource rows, and of what they decode to.

One ecsim process owns its database, and every write goes through the store, so the store
can keep what it last read or wrote and skip the JSON parse (and the model decode) on the
next read. Keys written inside a transaction are remembered; a rollback evicts them, so the
cache never holds a row the database does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ecsim.store.base import ResourceRecord

__all__ = ["RecordCache"]

T = TypeVar("T")
Key = tuple[str, str]


class RecordCache:
    def __init__(self) -> None:
        self._records: dict[Key, ResourceRecord] = {}
        # (record it was decoded from, decoded value): valid while that record is current
        self._decoded: dict[Key, tuple[ResourceRecord, Any]] = {}
        self._touched: set[Key] = set()
        # (kind, account) -> {resource id: region id}, in creation order, once listed
        self._partitions: dict[Key, dict[str, str]] = {}
        self._touched_partitions: set[Key] = set()

    def get(self, kind: str, resource_id: str) -> ResourceRecord | None:
        return self._records.get((kind, resource_id))

    def put(self, record: ResourceRecord, *, written: bool, decoded: object = None) -> None:
        key = (record.kind, record.resource_id)
        self._records[key] = record
        if decoded is not None:
            self._decoded[key] = (record, decoded)
        if written:
            self._touched.add(key)
            partition = self._partitions.get((record.kind, record.account_id))
            if partition is not None:
                # A new row goes last (its seq is the highest); an update keeps its place.
                partition[record.resource_id] = record.region_id
                self._touched_partitions.add((record.kind, record.account_id))

    def listing(self, kind: str, account_id: str) -> dict[str, str] | None:
        """Ids and regions of an account's resources of ``kind``, if known."""
        return self._partitions.get((kind, account_id))

    def remember_listing(self, kind: str, account_id: str, ids: dict[str, str]) -> None:
        self._partitions[(kind, account_id)] = ids
        # Read inside a transaction, the listing may show rows a rollback will take back:
        # forget it on the next rollback (a commit keeps it).
        self._touched_partitions.add((kind, account_id))

    def drop(self, kind: str, resource_id: str) -> None:
        key = (kind, resource_id)
        record = self._records.pop(key, None)
        self._decoded.pop(key, None)
        self._touched.add(key)
        if record is not None:
            partition = self._partitions.get((kind, record.account_id))
            if partition is not None:
                partition.pop(resource_id, None)
                self._touched_partitions.add((kind, record.account_id))
        else:
            # Unknown owner: forget every listing of this kind rather than guess.
            for partition_key in [k for k in self._partitions if k[0] == kind]:
                del self._partitions[partition_key]

    def decoded(self, record: ResourceRecord, decode: Callable[[ResourceRecord], T]) -> T:
        key = (record.kind, record.resource_id)
        entry = self._decoded.get(key)
        if entry is not None and entry[0] is record:
            value: T = entry[1]
            return value
        value = decode(record)
        if self._records.get(key) is record:
            self._decoded[key] = (record, value)
        return value

    def decoded_many(
        self, kind: str, ids: list[str], decode: Callable[[ResourceRecord], T]
    ) -> tuple[list[T], list[str]]:
        """Decoded values of the cached rows among ``ids`` (in order), and the ids that are
        not cached; the hot path of listings, so it touches each dict once per row."""
        records, memo = self._records, self._decoded
        values: list[T] = []
        missing: list[str] = []
        for resource_id in ids:
            key = (kind, resource_id)
            record = records.get(key)
            if record is None:
                missing.append(resource_id)
                continue
            entry = memo.get(key)
            if entry is not None and entry[0] is record:
                values.append(entry[1])
            else:
                value = decode(record)
                memo[key] = (record, value)
                values.append(value)
        return values, missing

    def committed(self) -> None:
        self._touched.clear()
        self._touched_partitions.clear()

    def rolled_back(self) -> None:
        for key in self._touched:
            self._records.pop(key, None)
            self._decoded.pop(key, None)
        for partition_key in self._touched_partitions:
            self._partitions.pop(partition_key, None)
        self._touched.clear()
        self._touched_partitions.clear()

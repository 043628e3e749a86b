"""SQLite store: WAL journal, one transaction per mutating call, synchronous=FULL.

A commit is durable before the API answers. One connection serves the server's event loop;
a lock makes it safe for the occasional worker thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ecsim.store.base import (
    AccessKeyRecord,
    AccountRecord,
    ResourceRecord,
    TagOwner,
    TagRow,
    TokenRecord,
)
from ecsim.store.cache import RecordCache

__all__ = ["SqliteStore"]

T = TypeVar("T")

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS access_keys (
    access_key_id TEXT PRIMARY KEY,
    access_key_secret TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_tokens (
    account_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    token TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (account_id, scope, token)
);
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    body TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, resource_id)
);
CREATE INDEX IF NOT EXISTS resources_by_owner ON resources (kind, account_id, region_id, seq);
CREATE INDEX IF NOT EXISTS interfaces_by_instance
    ON resources (account_id, json_extract(body, '$.instance_id'))
    WHERE kind = 'network_interface';
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tags (
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
);
CREATE INDEX IF NOT EXISTS tags_by_owner ON tags (account_id, region_id, resource_type, seq);
"""


class SqliteStore:
    def __init__(self, path: str, *, sync: str = "full") -> None:
        """``sync="full"`` fsyncs every commit (durable across a machine crash);
        ``"normal"`` survives a crash of ecsim but not of the machine, and commits faster."""
        if sync not in ("full", "normal"):
            raise ValueError(f"sync must be full or normal, not {sync!r}")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Transactions are ours (BEGIN/COMMIT below), not the module's implicit ones.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._depth = 0
        self._cache = RecordCache()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={sync.upper()}")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                    self._cache.rolled_back()
                raise
            self._depth -= 1
            if outermost:
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    self._cache.rolled_back()
                    raise
                self._cache.committed()

    # accounts and keys -------------------------------------------------------------------

    def add_account(self, record: AccountRecord) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO accounts(account_id, name, created_at) VALUES (?, ?, ?)",
                (record.account_id, record.name, record.created_at),
            )

    def get_account(self, account_id: str) -> AccountRecord | None:
        row = self._db.execute(
            "SELECT account_id, name, created_at FROM accounts WHERE account_id = ?",
            (account_id,),
        ).fetchone()
        return AccountRecord(*row) if row else None

    def find_account_by_name(self, name: str) -> AccountRecord | None:
        row = self._db.execute(
            "SELECT account_id, name, created_at FROM accounts WHERE name = ?", (name,)
        ).fetchone()
        return AccountRecord(*row) if row else None

    def list_accounts(self) -> list[AccountRecord]:
        rows = self._db.execute(
            "SELECT account_id, name, created_at FROM accounts ORDER BY account_id"
        ).fetchall()
        return [AccountRecord(*row) for row in rows]

    def put_access_key(self, record: AccessKeyRecord) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO access_keys"
                "(access_key_id, access_key_secret, account_id, status) VALUES (?, ?, ?, ?)",
                (record.access_key_id, record.access_key_secret, record.account_id, record.status),
            )

    def get_access_key(self, access_key_id: str) -> AccessKeyRecord | None:
        row = self._db.execute(
            "SELECT access_key_id, access_key_secret, account_id, status FROM access_keys "
            "WHERE access_key_id = ?",
            (access_key_id,),
        ).fetchone()
        return AccessKeyRecord(*row) if row else None

    # idempotency ---------------------------------------------------------------------------

    def get_token(self, account_id: str, scope: str, token: str) -> TokenRecord | None:
        row = self._db.execute(
            "SELECT fingerprint, result FROM client_tokens "
            "WHERE account_id = ? AND scope = ? AND token = ?",
            (account_id, scope, token),
        ).fetchone()
        return TokenRecord(row[0], json.loads(row[1])) if row else None

    def put_token(self, account_id: str, scope: str, token: str, record: TokenRecord) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO client_tokens"
                "(account_id, scope, token, fingerprint, result) VALUES (?, ?, ?, ?, ?)",
                (account_id, scope, token, record.fingerprint, json.dumps(record.result)),
            )

    # resources -----------------------------------------------------------------------------

    def put_resource(self, record: ResourceRecord, decoded: object = None) -> None:
        with self.transaction():
            body = json.dumps(record.body, separators=(",", ":"))
            updated = self._db.execute(
                "UPDATE resources SET body = ?, account_id = ?, region_id = ? "
                "WHERE kind = ? AND resource_id = ?",
                (body, record.account_id, record.region_id, record.kind, record.resource_id),
            ).rowcount
            if not updated:
                seq = self.next_value("resource_seq", 1)
                self._db.execute(
                    "INSERT INTO resources(kind, resource_id, account_id, region_id, body, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        record.kind,
                        record.resource_id,
                        record.account_id,
                        record.region_id,
                        body,
                        seq,
                    ),
                )
            self._cache.put(record, written=True, decoded=decoded)

    def get_resource(self, kind: str, resource_id: str) -> ResourceRecord | None:
        cached = self._cache.get(kind, resource_id)
        if cached is not None:
            return cached
        row = self._db.execute(
            "SELECT kind, resource_id, account_id, region_id, body FROM resources "
            "WHERE kind = ? AND resource_id = ?",
            (kind, resource_id),
        ).fetchone()
        if row is None:
            return None
        record = _resource(row)
        self._cache.put(record, written=False)
        return record

    def decoded(self, record: ResourceRecord, decode: Callable[[ResourceRecord], T]) -> T:
        return self._cache.decoded(record, decode)

    def delete_resource(self, kind: str, resource_id: str) -> None:
        with self.transaction():
            self._db.execute(
                "DELETE FROM resources WHERE kind = ? AND resource_id = ?", (kind, resource_id)
            )
            self._cache.drop(kind, resource_id)

    def list_resources(
        self, kind: str, account_id: str, region_id: str | None = None
    ) -> Iterator[ResourceRecord]:
        records: list[ResourceRecord] = []
        for resource_id in self._listed_ids(kind, account_id, region_id):
            record = self.get_resource(kind, resource_id)
            if record is not None:
                records.append(record)
        return iter(records)

    def list_decoded(
        self,
        kind: str,
        account_id: str,
        region_id: str | None,
        decode: Callable[[ResourceRecord], T],
    ) -> list[T]:
        ids = self._listed_ids(kind, account_id, region_id)
        values, missing = self._cache.decoded_many(kind, ids, decode)
        if not missing:
            return values
        # Some rows are not cached yet: read them, then decode the whole listing in order.
        for resource_id in missing:
            self.get_resource(kind, resource_id)
        values, _ = self._cache.decoded_many(kind, ids, decode)
        return values

    def resource_ids(self, kind: str, account_id: str, region_id: str | None = None) -> list[str]:
        return self._listed_ids(kind, account_id, region_id)

    def _listed_ids(self, kind: str, account_id: str, region_id: str | None) -> list[str]:
        # The ids of an account's resources of a kind are read once and then kept up to date
        # by the writes; bodies are parsed only for rows the cache does not hold.
        listing = self._cache.listing(kind, account_id)
        if listing is None:
            rows = self._db.execute(
                "SELECT resource_id, region_id FROM resources "
                "WHERE kind = ? AND account_id = ? ORDER BY seq",
                (kind, account_id),
            ).fetchall()
            listing = {resource_id: region for resource_id, region in rows}
            self._cache.remember_listing(kind, account_id, listing)
        if region_id is None:
            return list(listing)
        return [resource_id for resource_id, region in listing.items() if region == region_id]

    def find_network_interfaces(
        self, account_id: str, instance_ids: Iterable[str]
    ) -> list[ResourceRecord]:
        """The interfaces attached to any of ``instance_ids``, in creation order, through an
        index: a page of instances must not cost a walk over every interface."""
        wanted = list(dict.fromkeys(instance_ids))
        found: list[tuple[int, str]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.extend(
                self._db.execute(
                    "SELECT seq, resource_id FROM resources WHERE kind = 'network_interface' "
                    f"AND account_id = ? AND json_extract(body, '$.instance_id') IN ({marks})",
                    (account_id, *chunk),
                ).fetchall()
            )
        records: list[ResourceRecord] = []
        for _, resource_id in sorted(found):
            record = self.get_resource("network_interface", resource_id)
            if record is not None:
                records.append(record)
        return records

    # tags --------------------------------------------------------------------------------

    def get_tags(self, resource_type: str, resource_id: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT tag_key, tag_value FROM tags WHERE resource_type = ? AND resource_id = ? "
            "ORDER BY seq",
            (resource_type, resource_id),
        ).fetchall()
        return {key: value for key, value in rows}

    def put_tags(self, owner: TagOwner, tags: Mapping[str, str]) -> None:
        with self.transaction():
            for key, value in tags.items():
                updated = self._db.execute(
                    "UPDATE tags SET tag_value = ? "
                    "WHERE resource_type = ? AND resource_id = ? AND tag_key = ?",
                    (value, owner.resource_type, owner.resource_id, key),
                ).rowcount
                if not updated:
                    self._db.execute(
                        "INSERT INTO tags(resource_type, resource_id, tag_key, tag_value, "
                        "account_id, region_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            owner.resource_type,
                            owner.resource_id,
                            key,
                            value,
                            owner.account_id,
                            owner.region_id,
                            self.next_value("tag_seq", 1),
                        ),
                    )

    def delete_tags(
        self, resource_type: str, resource_id: str, keys: Iterable[str] | None = None
    ) -> None:
        with self.transaction():
            if keys is None:
                self._db.execute(
                    "DELETE FROM tags WHERE resource_type = ? AND resource_id = ?",
                    (resource_type, resource_id),
                )
                return
            self._db.executemany(
                "DELETE FROM tags WHERE resource_type = ? AND resource_id = ? AND tag_key = ?",
                [(resource_type, resource_id, key) for key in keys],
            )

    def list_tags(
        self, account_id: str, region_id: str, resource_type: str | None = None
    ) -> list[TagRow]:
        query = (
            "SELECT resource_type, resource_id, tag_key, tag_value FROM tags "
            "WHERE account_id = ? AND region_id = ?"
        )
        args: tuple[str, ...] = (account_id, region_id)
        if resource_type is not None:
            query += " AND resource_type = ?"
            args += (resource_type,)
        rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [TagRow(*row) for row in rows]

    def next_value(self, sequence: str, start: int) -> int:
        with self.transaction():
            row = self._db.execute(
                "SELECT value FROM sequences WHERE name = ?", (sequence,)
            ).fetchone()
            value = start if row is None else int(row[0]) + 1
            self._db.execute(
                "INSERT OR REPLACE INTO sequences(name, value) VALUES (?, ?)", (sequence, value)
            )
            return value


def _resource(row: tuple[str, str, str, str, str]) -> ResourceRecord:
    return ResourceRecord(row[0], row[1], row[2], row[3], json.loads(row[4]))

"""The store interface the use cases depend on.

State is partitioned by account and region: every resource row carries both, and queries
always name them, so one account never sees another's resources. Resources are stored as
JSON documents by kind; each family encodes its own model (``encode``/``decode`` pairs next
to the model), so no ORM object leaks out of the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

__all__ = [
    "AccessKeyRecord",
    "AccountRecord",
    "ResourceRecord",
    "Store",
    "TagOwner",
    "TagRow",
    "TokenRecord",
]

T = TypeVar("T")


@dataclass(frozen=True)
class AccountRecord:
    account_id: str
    name: str
    created_at: str


@dataclass(frozen=True)
class AccessKeyRecord:
    access_key_id: str
    access_key_secret: str
    account_id: str
    status: str


@dataclass(frozen=True)
class TokenRecord:
    fingerprint: str
    result: dict[str, Any]


@dataclass(frozen=True)
class ResourceRecord:
    kind: str
    resource_id: str
    account_id: str
    region_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class TagOwner:
    """The resource a tag belongs to, with the account and region it lives in."""

    account_id: str
    region_id: str
    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class TagRow:
    resource_type: str
    resource_id: str
    key: str
    value: str


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together, durably, or not at all. Re-entrant."""
        ...

    def close(self) -> None: ...

    # accounts and keys
    def add_account(self, record: AccountRecord) -> None: ...
    def get_account(self, account_id: str) -> AccountRecord | None: ...
    def find_account_by_name(self, name: str) -> AccountRecord | None: ...
    def list_accounts(self) -> list[AccountRecord]: ...
    def put_access_key(self, record: AccessKeyRecord) -> None: ...
    def get_access_key(self, access_key_id: str) -> AccessKeyRecord | None: ...

    # ClientToken idempotency
    def get_token(self, account_id: str, scope: str, token: str) -> TokenRecord | None: ...
    def put_token(self, account_id: str, scope: str, token: str, record: TokenRecord) -> None: ...

    # resources, by kind, per account and region
    def put_resource(self, record: ResourceRecord, decoded: object = None) -> None:
        """Insert or replace; ``decoded`` is the model ``record`` encodes, if the caller has
        it (later reads then skip decoding)."""
        ...

    def get_resource(self, kind: str, resource_id: str) -> ResourceRecord | None: ...
    def delete_resource(self, kind: str, resource_id: str) -> None: ...
    def list_resources(
        self, kind: str, account_id: str, region_id: str | None = None
    ) -> Iterator[ResourceRecord]: ...
    def resource_ids(self, kind: str, account_id: str, region_id: str | None = None) -> list[str]:
        """The ids ``list_resources`` would return, in the same order, without the rows."""
        ...

    def list_decoded(
        self,
        kind: str,
        account_id: str,
        region_id: str | None,
        decode: Callable[[ResourceRecord], T],
    ) -> list[T]:
        """``list_resources`` decoded, each value remembered like ``decoded``'s."""
        ...

    def find_network_interfaces(
        self, account_id: str, instance_ids: Iterable[str]
    ) -> list[ResourceRecord]:
        """The interfaces attached to any of ``instance_ids``, in creation order."""
        ...

    def decoded(self, record: ResourceRecord, decode: Callable[[ResourceRecord], T]) -> T:
        """``decode(record)``, remembered while ``record`` is the current row."""
        ...

    # tags, for every resource type (insertion order kept)
    def get_tags(self, resource_type: str, resource_id: str) -> dict[str, str]: ...
    def put_tags(self, owner: TagOwner, tags: Mapping[str, str]) -> None:
        """Add tags, overwriting the value of keys already present."""
        ...

    def delete_tags(
        self, resource_type: str, resource_id: str, keys: Iterable[str] | None = None
    ) -> None:
        """Delete the named keys, or every tag of the resource when ``keys`` is None."""
        ...

    def list_tags(
        self, account_id: str, region_id: str, resource_type: str | None = None
    ) -> list[TagRow]: ...

    # sequences (account ids, addresses handed out, ...)
    def next_value(self, sequence: str, start: int) -> int: ...

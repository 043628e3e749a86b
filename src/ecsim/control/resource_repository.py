"""Loading and saving one kind of account-owned resource, with its family's NotFound error.

The families' repositories (VPCs, vSwitches, EIPs) are this class with their codec and error
filled in, so finding, owning and listing are written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar, overload

from ecsim.errors import EcsError
from ecsim.store.base import ResourceRecord, Store

__all__ = ["Owned", "ResourceRepository"]


class Owned(Protocol):
    @property
    def account_id(self) -> str: ...

    @property
    def region_id(self) -> str: ...


_R = TypeVar("_R", bound=Owned)


class ResourceRepository(Generic[_R]):
    def __init__(
        self,
        store: Store,
        kind: str,
        encode: Callable[[_R], ResourceRecord],
        decode: Callable[[ResourceRecord], _R],
        not_found: Callable[[], EcsError],
    ) -> None:
        self._store = store
        self._kind = kind
        self._encode = encode
        self._decode = decode
        self._not_found = not_found

    def find(self, resource_id: str) -> _R | None:
        """A resource of any account."""
        record = self._store.get_resource(self._kind, resource_id)
        return self._store.decoded(record, self._decode) if record else None

    def get(self, account_id: str, resource_id: str, region_id: str | None = None) -> _R:
        """The caller's resource, in ``region_id`` when given; otherwise NotFound."""
        found = self.find(resource_id)
        if (
            found is None
            or found.account_id != account_id
            or (region_id is not None and found.region_id != region_id)
        ):
            raise self._not_found()
        return found

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[_R]:
        return self._store.list_decoded(self._kind, account_id, region_id, self._decode)

    def owned_lazily(self, account_id: str, region_id: str | None = None) -> Sequence[_R]:
        """``owned_by`` that decodes only the items asked for: a page of a listing that no
        filter narrows needs 100 rows decoded, not 10,000."""
        return _Lazy(self, self._store.resource_ids(self._kind, account_id, region_id))

    def save(self, resource: _R) -> None:
        self._store.put_resource(self._encode(resource), decoded=resource)

    def delete(self, resource_id: str) -> None:
        self._store.delete_resource(self._kind, resource_id)


class _Lazy(Sequence[_R]):
    def __init__(self, repository: ResourceRepository[_R], ids: list[str]) -> None:
        self._repository = repository
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> _R: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[_R]: ...

    def __getitem__(self, index: int | slice) -> _R | Sequence[_R]:
        if isinstance(index, slice):
            return [self._load(resource_id) for resource_id in self._ids[index]]
        return self._load(self._ids[index])

    def _load(self, resource_id: str) -> _R:
        found = self._repository.find(resource_id)
        if found is None:  # the listing and the rows come from one store: never
            raise LookupError(resource_id)
        return found

"""Tags, once for every resource type: storage, the per-resource quota, tag filters.

Families call ``attach`` when they create a resource with ``Tag.N``, ``of`` to render it,
``matching`` to apply a Describe call's ``Tag.N`` filters and ``forget`` when the resource is
deleted. Resource types here are the store kinds (``security_group``, ``vpc``, ...); the tag
actions map the wire's ``ResourceType`` values onto them (``control.tag_resources``) and call
``tag``, ``untag``, ``remove``, ``rows`` and ``usage``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecsim.control.tag_resources import require_owned
from ecsim.errors import EcsError
from ecsim.model.tag import MAX_TAGS, Tag
from ecsim.store.base import Store, TagOwner, TagRow
from ecsim.store.codecs import key_pairs as key_pair_codec

__all__ = ["OperationDeniedQuotaExceed", "TagCondition", "TagUsage", "Tags"]


class OperationDeniedQuotaExceed(EcsError):
    code = "OperationDenied.QuotaExceed"
    message = f"The quota of tags on resource is beyond permitted range ({MAX_TAGS})."
    http_status = 400


@dataclass(frozen=True)
class TagCondition:
    """One condition on a resource's tags: it carries ``key`` with one of ``values`` (any
    value when there are none). A fuzzy condition reads ``*`` in the key and the values as
    "any characters" (``env*``, ``*env*``); an exact one compares them as they are."""

    key: str
    values: tuple[str, ...] = ()
    fuzzy: bool = False

    @classmethod
    def fuzzy_filter(cls, key: str | None, values: Iterable[str]) -> TagCondition:
        """A ``TagFilter``: a pattern key takes no values; values need an exact key."""
        wanted = tuple(values)
        if not key or ("*" in key and wanted):
            raise ValueError("a TagFilter needs a key, and values only under an exact key")
        return cls(key, wanted, fuzzy=True)

    def holds(self, tags: Mapping[str, str]) -> bool:
        keys = [key for key in tags if self._fits(self.key, key)]
        if not self.values:
            return bool(keys)
        return any(self._fits(value, tags[key]) for key in keys for value in self.values)

    def _fits(self, pattern: str, text: str) -> bool:
        if not self.fuzzy or "*" not in pattern:
            return pattern == text
        regex = ".*".join(re.escape(part) for part in pattern.split("*"))
        return re.fullmatch(regex, text, re.DOTALL) is not None


@dataclass(frozen=True)
class TagUsage:
    """One tag (key and value) and how many resources of each kind carry it."""

    key: str
    value: str
    counts: Mapping[str, int]


class Tags:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- for every family --------------------------------------------------------------------

    def attach(self, owner: TagOwner, tags: Iterable[Tag]) -> None:
        """Add or overwrite tags; a resource holds at most 20."""
        wanted = {tag.key: tag.value for tag in tags}
        if not wanted:
            return
        self._check_quota(owner.resource_type, owner.resource_id, wanted)
        self._store.put_tags(owner, wanted)

    def of(self, resource_type: str, resource_id: str) -> dict[str, str]:
        return self._store.get_tags(resource_type, resource_id)

    def detach(self, resource_type: str, resource_id: str, keys: Iterable[str] | None) -> None:
        """Remove the named keys, or all tags when ``keys`` is None."""
        self._store.delete_tags(resource_type, resource_id, keys)

    def forget(self, resource_type: str, resource_id: str) -> None:
        """The resource is gone: so are its tags."""
        self._store.delete_tags(resource_type, resource_id)

    def matching(
        self,
        account_id: str,
        region_id: str,
        resource_type: str,
        wanted: Mapping[str, str | None],
    ) -> set[str]:
        """Ids of resources carrying every wanted tag; a None value matches any value."""
        conditions = [
            TagCondition(key, () if value is None else (value,)) for key, value in wanted.items()
        ]
        return {
            resource_id
            for resource_id, tags in self._by_resource(account_id, region_id, resource_type).items()
            if all(condition.holds(tags) for condition in conditions)
        }

    # -- the tag actions ---------------------------------------------------------------------

    def tag(
        self,
        account_id: str,
        region_id: str,
        kind: str,
        resource_ids: Sequence[str],
        tags: Iterable[Tag],
    ) -> None:
        """Tag every resource or none: all must exist and stay within the quota."""
        ids = _stored_ids(account_id, region_id, kind, resource_ids)
        require_owned(self._store, account_id, region_id, kind, ids)
        wanted = {tag.key: tag.value for tag in tags}
        for resource_id in ids:
            self._check_quota(kind, resource_id, wanted)
        for resource_id in ids:
            self._store.put_tags(TagOwner(account_id, region_id, kind, resource_id), wanted)

    def untag(
        self,
        account_id: str,
        region_id: str,
        kind: str,
        resource_ids: Sequence[str],
        keys: Iterable[str] | None,
    ) -> None:
        """Remove the named keys (absent ones are no error), or every tag when ``keys`` is
        None, from resources that must all exist."""
        ids = _stored_ids(account_id, region_id, kind, resource_ids)
        require_owned(self._store, account_id, region_id, kind, ids)
        chosen = None if keys is None else tuple(keys)
        for resource_id in ids:
            self._store.delete_tags(kind, resource_id, chosen)

    def remove(
        self,
        account_id: str,
        region_id: str,
        kind: str,
        resource_id: str,
        pairs: Iterable[tuple[str, str | None]],
    ) -> None:
        """Remove each key whose value is the one given, or whatever it is when None."""
        (resource_id,) = _stored_ids(account_id, region_id, kind, (resource_id,))
        require_owned(self._store, account_id, region_id, kind, (resource_id,))
        present = self._store.get_tags(kind, resource_id)
        keys = [
            key
            for key, value in pairs
            if key in present and (value is None or present[key] == value)
        ]
        self._store.delete_tags(kind, resource_id, keys)

    def rows(
        self,
        account_id: str,
        region_id: str,
        kind: str,
        *,
        resource_ids: Collection[str] | None,
        conditions: Sequence[TagCondition],
    ) -> list[TagRow]:
        """Every tag of the resources among ``resource_ids`` (any, when None) that meet all
        ``conditions``: one row per (resource, tag)."""
        wanted = (
            None
            if resource_ids is None
            else set(_stored_ids(account_id, region_id, kind, resource_ids))
        )
        return [
            TagRow(kind, _wire_id(kind, resource_id), key, value)
            for resource_id, tags in self._by_resource(account_id, region_id, kind).items()
            if (wanted is None or resource_id in wanted)
            and all(condition.holds(tags) for condition in conditions)
            for key, value in tags.items()
        ]

    def usage(
        self,
        account_id: str,
        region_id: str,
        kinds: Collection[str],
        *,
        resource_id: str | None,
        conditions: Sequence[TagCondition],
    ) -> list[TagUsage]:
        """The distinct tags on resources of ``kinds`` (on ``resource_id`` alone, when given)
        that meet any of ``conditions`` (all tags when there are none), sorted, with the
        number of resources of each kind carrying each."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for row in self._store.list_tags(account_id, region_id):
            if row.resource_type not in kinds or resource_id not in (
                None,
                _wire_id(row.resource_type, row.resource_id),
            ):
                continue
            if conditions and not any(c.holds({row.key: row.value}) for c in conditions):
                continue
            per_kind = counts.setdefault((row.key, row.value), {})
            per_kind[row.resource_type] = per_kind.get(row.resource_type, 0) + 1
        return [TagUsage(key, value, per_kind) for (key, value), per_kind in sorted(counts.items())]

    # -- helpers -----------------------------------------------------------------------------

    def _check_quota(self, kind: str, resource_id: str, wanted: Mapping[str, str]) -> None:
        present = self._store.get_tags(kind, resource_id)
        if len(present.keys() | wanted.keys()) > MAX_TAGS:
            raise OperationDeniedQuotaExceed()

    def _by_resource(self, account_id: str, region_id: str, kind: str) -> dict[str, dict[str, str]]:
        """Tags per resource, resources and tags in the order they were first tagged."""
        by_resource: dict[str, dict[str, str]] = {}
        for row in self._store.list_tags(account_id, region_id, kind):
            by_resource.setdefault(row.resource_id, {})[row.key] = row.value
        return by_resource


def _stored_ids(
    account_id: str, region_id: str, kind: str, resource_ids: Iterable[str]
) -> list[str]:
    """The store's ids for the wire's: a key pair is named on the wire, but its name is only
    unique within an account and region, so the store keys it by all three."""
    unique = list(dict.fromkeys(resource_ids))
    if kind != key_pair_codec.KIND:
        return unique
    return [key_pair_codec.record_id(account_id, region_id, name) for name in unique]


def _wire_id(kind: str, stored_id: str) -> str:
    if kind != key_pair_codec.KIND:
        return stored_id
    return stored_id.split("/", 2)[2]

"""Tags, once for every resource type: storage, the per-resource quota, tag filters.

Families call ``attach`` when they create a resource with ``Tag.N``, ``of`` to render it,
``matching`` to apply a Describe call's ``Tag.N`` filters and ``forget`` when the resource is
deleted. Resource types here are the store kinds (``security_group``, ``vpc``, ...); the tag
actions map the wire's ``ResourceType`` values onto them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ecsim.errors import EcsError
from ecsim.model.tag import MAX_TAGS, Tag
from ecsim.store.base import Store, TagOwner

__all__ = ["Tags"]


class Tags:
    def __init__(self, store: Store) -> None:
        self._store = store

    def attach(self, owner: TagOwner, tags: Iterable[Tag]) -> None:
        """Add or overwrite tags; a resource holds at most 20."""
        wanted = {tag.key: tag.value for tag in tags}
        if not wanted:
            return
        present = self._store.get_tags(owner.resource_type, owner.resource_id)
        if len(present.keys() | wanted.keys()) > MAX_TAGS:
            raise EcsError(
                f"The resource can carry at most {MAX_TAGS} tags.",
                code="OperationDenied.QuotaExceed",
                http_status=400,
            )
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
        by_resource: dict[str, dict[str, str]] = {}
        for row in self._store.list_tags(account_id, region_id, resource_type):
            by_resource.setdefault(row.resource_id, {})[row.key] = row.value
        return {
            resource_id
            for resource_id, tags in by_resource.items()
            if all(
                key in tags and (value is None or tags[key] == value)
                for key, value in wanted.items()
            )
        }

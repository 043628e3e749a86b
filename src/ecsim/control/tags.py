"""Tags, once for every resource type: validation, storage, filters, the tag actions."""

from __future__ import annotations

from ecsim.store.base import Store

__all__ = ["Tags"]


class Tags:
    def __init__(self, store: Store) -> None:
        self._store = store

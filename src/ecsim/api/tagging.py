"""``Tag.N.Key/Value`` on the wire: the declaration, its parsing, and the ``Tags`` shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsim.api.params import Param, RepeatList, String
from ecsim.model.tag import Tag, parse_tags

__all__ = ["render_tags", "tag_filter", "tag_param", "tags_from"]


def tag_param(max_items: int = 20) -> Param:
    return RepeatList("Tag", fields=(String("Key"), String("Value")), max_items=max_items)


def tags_from(params: Mapping[str, Any]) -> tuple[Tag, ...]:
    """Validated tags from a parsed ``Tag`` list (create calls, TagResources)."""
    return parse_tags((item.get("Key"), item.get("Value")) for item in params.get("Tag", []))


def tag_filter(params: Mapping[str, Any]) -> dict[str, str | None]:
    """A Describe call's ``Tag.N`` filter: key -> value, None when only the key is given."""
    wanted: dict[str, str | None] = {}
    for item in params.get("Tag", []):
        key = item.get("Key")
        if key:
            value = item.get("Value")
            wanted[key] = value if value else None
    return wanted


def render_tags(tags: Mapping[str, str]) -> dict[str, Any]:
    return {"Tag": [{"TagKey": key, "TagValue": value} for key, value in tags.items()]}

"""Tags (reference §5): key 1-128 characters, not starting with ``aliyun`` or ``acs:``,
no ``http://``/``https://``; value 0-128 characters with the same URL rule; at most 20 on a
request and on a resource; keys unique within a request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecsim.errors import EcsError

__all__ = ["MAX_TAGS", "Tag", "parse_tags"]

MAX_TAGS = 20


@dataclass(frozen=True)
class Tag:
    key: str
    value: str


def _has_url(text: str) -> bool:
    lowered = text.lower()
    return "http://" in lowered or "https://" in lowered


def parse_tags(pairs: Iterable[tuple[str | None, str | None]]) -> tuple[Tag, ...]:
    """Tags from (key, value) pairs as a request carries them, validated as ECS does."""
    tags: list[Tag] = []
    seen: set[str] = set()
    for key, value in pairs:
        if not key or len(key) > 128 or key.lower().startswith(("aliyun", "acs:")) or _has_url(key):
            raise EcsError(
                "The specified Tag.n.Key is not valid.",
                code="InvalidTagKey.Malformed",
                http_status=400,
            )
        text = value or ""
        if len(text) > 128 or _has_url(text):
            raise EcsError(
                "The specified Tag.n.Value is not valid.",
                code="InvalidTagValue.Malformed",
                http_status=400,
            )
        if key in seen:
            raise EcsError(
                "The Tag.N.Key contain duplicate key.", code="Duplicate.TagKey", http_status=400
            )
        seen.add(key)
        tags.append(Tag(key, text))
    if len(tags) > MAX_TAGS:
        raise EcsError(
            f"The maximum number of Tags is {MAX_TAGS}.",
            code="NumberExceed.Tags",
            http_status=400,
        )
    return tuple(tags)

"""AcceptLanguage: zh-CN (default), en-US or ja; anything else is refused as ECS refuses it."""

from __future__ import annotations

from ecsim.api.params import Param, String
from ecsim.errors import EcsError
from ecsim.model.catalog import DEFAULT_LANGUAGE, Language

__all__ = ["language_param", "parse_language"]


def language_param() -> Param:
    return String("AcceptLanguage")


def parse_language(text: str | None) -> Language:
    if not text:
        return DEFAULT_LANGUAGE
    for language in Language:
        if language.value.lower() == text.lower():
            return language
    raise EcsError(
        "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
        code="InvalidAcceptLanguage.NotFound",
        http_status=404,
    )

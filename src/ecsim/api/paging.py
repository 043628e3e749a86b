"""The two paging styles of ECS: PageNumber/PageSize and NextToken/MaxResults.

Sizes above an action's maximum are clamped (the documented behaviour for MaxResults, and
what we choose for PageSize, reference §8); sizes below 1 are refused. A NextToken is opaque
to clients: the offset of the next item and a check so a made-up token is refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ecsim.api.params import Integer, Long, Param, String
from ecsim.errors import InvalidParameter

__all__ = ["NumberedPage", "TokenPage", "number_page", "page_params", "token_page", "token_params"]

T = TypeVar("T")

_TOKEN_SALT = b"ecsim-next-token"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def page_params() -> tuple[Param, Param]:
    return (Integer("PageNumber", minimum=1), Integer("PageSize", minimum=1))


def token_params(*, token_length: int = 256, long_max_results: bool = False) -> tuple[Param, Param]:
    """NextToken and MaxResults; some actions document MaxResults as int64 (``Long``)."""
    max_results = Long if long_max_results else Integer
    return (String("NextToken", max_length=token_length), max_results("MaxResults", minimum=1))


@dataclass(frozen=True)
class NumberedPage(Generic[T]):
    items: Sequence[T]
    total_count: int
    page_number: int
    page_size: int

    def fields(self) -> dict[str, Any]:
        return {
            "TotalCount": self.total_count,
            "PageNumber": self.page_number,
            "PageSize": self.page_size,
        }


@dataclass(frozen=True)
class TokenPage(Generic[T]):
    items: Sequence[T]
    next_token: str
    total_count: int


def number_page(
    items: Sequence[T],
    params: dict[str, Any],
    *,
    default_size: int = 10,
    max_size: int = 50,
) -> NumberedPage[T]:
    number = int(params.get("PageNumber") or 1)
    size = min(int(params.get("PageSize") or default_size), max_size)
    start = (number - 1) * size
    return NumberedPage(items[start : start + size], len(items), number, size)


def token_page(
    items: Sequence[T],
    params: dict[str, Any],
    *,
    default_size: int = 10,
    max_size: int = 100,
) -> TokenPage[T]:
    size = min(int(params.get("MaxResults") or default_size), max_size)
    token = params.get("NextToken") or ""
    start = _decode_token(token) if token else 0
    end = start + size
    next_token = _encode_token(end) if end < len(items) else ""
    return TokenPage(items[start:end], next_token, len(items))


def _encode_token(offset: int) -> str:
    check = hashlib.sha256(_TOKEN_SALT + str(offset).encode()).hexdigest()[:24]
    return f"{offset:08x}{check}"


def _decode_token(token: str) -> int:
    # Exactly what ``_encode_token`` writes: ``int()`` alone would also take a sign, spaces
    # or underscores, and a negative offset would page from the end.
    if not _TOKEN.fullmatch(token) or _encode_token(int(token[:8], 16)) != token:
        raise InvalidParameter(
            "NextToken", "It is not a token this API issued.", code="InvalidParameter.NextToken"
        )
    return int(token[:8], 16)

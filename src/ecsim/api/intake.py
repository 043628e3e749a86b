"""The HTTP request as the RPC skeleton sees it, and its parameters (query ∪ form body)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from ecsim.errors import InvalidParameter

__all__ = ["IncomingRequest", "decode_form"]


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    query_string: bytes
    # lower-case names; the last value wins for repeated headers
    headers: dict[str, str]
    body: bytes

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    def query(self) -> dict[str, str]:
        return decode_form(self.query_string, "query string")

    def form(self) -> dict[str, str]:
        content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if not self.body or content_type != "application/x-www-form-urlencoded":
            return {}
        return decode_form(self.body, "request body")

    def params(self) -> dict[str, str]:
        """Query and form merged; the form wins where both carry a name (POST semantics)."""
        merged = self.query()
        merged.update(self.form())
        return merged


def decode_form(raw: bytes, where: str) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` to a dict, ``+`` as space, strict UTF-8."""
    try:
        # Raw UTF-8 is accepted too (``curl --data 'Description=café'`` sends it unescaped).
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InvalidParameter(where, "It is not valid UTF-8.") from None
    # Signatures are computed over text, so a NUL or other control character in a name can
    # only be an attack or a broken client.
    for key, _ in pairs:
        if any(ord(c) < 0x20 for c in key):
            raise InvalidParameter(key.encode("unicode_escape").decode(), "Malformed name.")
    return dict(pairs)

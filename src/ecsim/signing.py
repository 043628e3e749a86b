"""Alibaba Cloud request signatures as pure functions.

The server verifies with these and the CLI signs with them, so there is one definition of each
algorithm (reference: clients-protocol.md §1):

- RPC "V1": HMAC-SHA1 over the sorted, RFC 3986-encoded parameters (query and form together).
- "V3" ``ACS3-HMAC-SHA256``: a canonical request of method, path, query, signed headers and the
  body's SHA-256, signed with HMAC-SHA256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote

__all__ = [
    "EMPTY_SHA256",
    "V3_ALGORITHM",
    "percent_encode",
    "rpc_canonical_query",
    "rpc_signature",
    "rpc_string_to_sign",
    "sha256_hex",
    "v3_canonical_request",
    "v3_signature",
    "v3_string_to_sign",
]

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def percent_encode(value: str) -> str:
    """RFC 3986: unreserved characters stay, everything else is %XX of its UTF-8 bytes."""
    return quote(value, safe="-_.~")


def rpc_canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = rpc_canonical_query(params)
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    content_sha256: str,
) -> str:
    """``headers`` maps lower-case names to values; ``signed_headers`` are lower-case names."""
    names = sorted(signed_headers)
    canonical_query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query.items())
    )
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in names)
    return "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query,
            canonical_headers,
            ";".join(names),
            content_sha256,
        ]
    )


def v3_string_to_sign(canonical_request: str) -> str:
    return f"{V3_ALGORITHM}\n{sha256_hex(canonical_request.encode())}"


def v3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()

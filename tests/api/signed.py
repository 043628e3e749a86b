"""Hand-built requests, signed with ``ecsim.signing`` so a test can then break one thing."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from ecsim import signing
from ecsim.api.products import ECS, ECSIM
from tests.support.clients import ROOT_KEY

__all__ = [
    "Reply",
    "create_account",
    "raw_exchange",
    "send",
    "timestamp",
    "v1_params",
    "v3_headers",
]


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes

    def json(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded

    @property
    def code(self) -> str | None:
        code: str | None = self.json().get("Code")
        return code


def timestamp(offset_seconds: float = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_params(
    action: str,
    params: Mapping[str, str] | None = None,
    *,
    key: tuple[str, str] = ROOT_KEY,
    method: str = "POST",
    version: str = ECS.version,
    **overrides: str | None,
) -> dict[str, str]:
    """Every V1 parameter including ``Signature``; an override of ``None`` drops that one
    before signing, a string replaces it."""
    full: dict[str, str | None] = {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": key[0],
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": timestamp(),
        **(params or {}),
        **overrides,
    }
    signed = {k: v for k, v in full.items() if v is not None}
    string_to_sign = signing.rpc_string_to_sign(method, signed)
    signed["Signature"] = signing.rpc_signature(key[1], string_to_sign)
    return signed


def v3_headers(
    host: str,
    action: str,
    query: Mapping[str, str] | None = None,
    *,
    key: tuple[str, str] = ROOT_KEY,
    body: bytes = b"",
    content_type: str | None = None,
    method: str = "POST",
    version: str = ECS.version,
    date: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers tea sends for an ACS3-HMAC-SHA256 request, Authorization included."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or timestamp(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": signing.sha256_hex(body),
        "accept": "application/json",
    }
    if content_type:
        headers["content-type"] = content_type
    canonical = signing.v3_canonical_request(
        method, "/", query or {}, headers, headers.keys(), headers["x-acs-content-sha256"]
    )
    signature = signing.v3_signature(key[1], signing.v3_string_to_sign(canonical))
    signed = ";".join(sorted(headers))
    headers["authorization"] = (
        f"{signing.V3_ALGORITHM} Credential={key[0]},SignedHeaders={signed},Signature={signature}"
    )
    return headers


def send(
    url: str,
    *,
    method: str = "POST",
    query: Mapping[str, str] | str | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | Mapping[str, str] | None = None,
) -> Reply:
    """One request with nothing added but what httpx needs; never through a proxy."""
    target = url + "/"
    if query:
        target += "?" + (query if isinstance(query, str) else urlencode(query))
    request_headers = dict(headers or {})
    content: bytes | None
    if isinstance(body, Mapping):
        content = urlencode(body).encode()
        request_headers.setdefault("content-type", "application/x-www-form-urlencoded")
    else:
        content = body
    with httpx.Client(trust_env=False, timeout=30) as client:
        response = client.request(method, target, headers=request_headers, content=content)
    return Reply(response.status_code, response.headers.get("content-type", ""), response.content)


def raw_exchange(url: str, request: bytes) -> tuple[Reply, dict[str, str]]:
    """Write ``request`` as is and read one response (sized by its Content-Length)."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    data = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before a full response: {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed before the whole body"
            body += chunk
    status = int(status_line.split()[1])
    return Reply(status, headers.get("content-type", ""), body), headers


def create_account(url: str) -> tuple[str, str]:
    """A new account through ecsim's own API; returns its (AccessKeyId, AccessKeySecret)."""
    reply = send(url, query=v1_params("CreateAccount", version=ECSIM.version))
    assert reply.status == 200, reply.body
    body = reply.json()
    return body["AccessKeyId"], body["AccessKeySecret"]

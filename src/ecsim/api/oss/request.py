"""An OSS request as the handlers see it: bucket, key, query, headers, and its body stream."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ecsim.control.oss_blobs import StagedBlob
from ecsim.model.oss_errors import InvalidArgument

__all__ = ["OssRequest", "parse_request"]

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
# the most of a body read into memory (XML documents: ACLs, the part list of a Complete)
MAX_XML_BODY = 4 * 1024 * 1024


class Disconnected(Exception):
    """The client went away mid-body."""


@dataclass
class OssRequest:
    method: str
    bucket: str
    key: str
    query: dict[str, str]
    headers: dict[str, str]
    receive: Receive
    account_id: str | None = None
    request_id: str = ""
    body_done: bool = field(default=False)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def user_meta(self) -> dict[str, str]:
        return {k[11:]: v for k, v in self.headers.items() if k.startswith("x-oss-meta-")}

    async def stream_into(self, staged: StagedBlob) -> None:
        """Write the body into ``staged`` as it arrives."""
        while not self.body_done:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            if chunk:
                staged.write(chunk)
            self.body_done = not message.get("more_body", False)

    async def read_small(self) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while not self.body_done:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_XML_BODY:
                raise InvalidArgument("The request body is too large for this request.")
            chunks.append(chunk)
            self.body_done = not message.get("more_body", False)
        return b"".join(chunks)

    async def drain(self) -> None:
        """Read and drop what is left of the body, so the answer is not met by a reset."""
        while not self.body_done:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return
            self.body_done = not message.get("more_body", False)


def _header_map(scope: MutableMapping[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers[name.decode("latin-1").lower()] = value.decode("utf-8", "surrogateescape")
    return headers


def host_bucket(host: str) -> str | None:
    """The bucket of a virtual-host style request (``<bucket>.<endpoint host>``), if any.

    ecsim does not know the host name clients use for it, so any Host of three or more labels
    whose first label could be a bucket name (and is not an IP address) names one.
    """
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else ""
    if not name or name == "localhost":
        return None
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    labels = name.split(".")
    if len(labels) >= 3 and _LABEL.match(labels[0]):
        return labels[0]
    return None


def parse_request(scope: MutableMapping[str, Any], receive: Receive) -> OssRequest:
    headers = _header_map(scope)
    path: str = scope.get("path") or "/"
    query_string: bytes = scope.get("query_string", b"")
    query = dict(parse_qsl(query_string.decode("utf-8", "surrogateescape"), keep_blank_values=True))
    bucket = host_bucket(headers.get("host", ""))
    if bucket is not None:
        key = path[1:]
    else:
        bucket, _, key = path[1:].partition("/")
    request = OssRequest(scope["method"], bucket, key, query, headers, receive)
    if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
        # a body on these is not part of the request's meaning; it is drained before answering
        request.body_done = headers.get("content-length", "0") in ("", "0") and (
            "transfer-encoding" not in headers
        )
    return request

"""The ASGI entry point: one port for every product (PRODUCT.md contract 4).

RPC requests (ECS, VPC, FaaS, ecsim's own) arrive as GET or POST on ``/`` (also in proxy form,
``POST http://ecs-cn-hangzhou.aliyuncs.com/?...``, which the server hands us as path ``/``).
``CONNECT`` is refused at once so clients behind ``HTTP_PROXY`` fall back quickly (by
``protocol``, before uvicorn parses its target; other verbs here). The handler is plain ASGI
rather than a framework route: it is the hot path, and it needs only the method, path, query,
headers and body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ecsim.api.intake import IncomingRequest
from ecsim.api.rpc import OutgoingResponse, RpcSkeleton
from ecsim.errors import EcsError

__all__ = ["AsgiApp", "build_asgi", "is_oss_request", "method_not_allowed"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_RPC_METHODS = frozenset({"GET", "POST"})
# The most of a refused body read (and dropped) so that its answer arrives; beyond it the
# client may see a reset connection instead.
_DRAIN_LIMIT = 256 * 1024 * 1024


class _Disconnected(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


def build_asgi(skeleton: RpcSkeleton, max_body_bytes: int, oss: AsgiApp | None = None) -> AsgiApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if oss is not None and is_oss_request(scope):
            await oss(scope, receive, send)
            return
        method = scope["method"]
        if method not in _RPC_METHODS:
            await _send(send, skeleton.reject(method_not_allowed(method)))
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        query_string: bytes = scope.get("query_string", b"")
        try:
            # Refused on the declared size before any of the body is read, so an oversized
            # upload is never buffered, and an ``Expect: 100-continue`` client never sends it.
            if len(query_string) > max_body_bytes or _declared_length(headers) > max_body_bytes:
                waiting = headers.get("expect", "").lower() == "100-continue"
                if not waiting:
                    await _drain(receive)
                await _send(send, skeleton.reject(_too_large(max_body_bytes)))
                return
            body = await _read_body(receive, max_body_bytes)
            if body is None:
                await _drain(receive)
                await _send(send, skeleton.reject(_too_large(max_body_bytes)))
                return
        except _Disconnected:
            return
        request = IncomingRequest(
            method=method,
            path=scope.get("path") or "/",
            query_string=query_string,
            headers=headers,
            body=body,
        )
        await _send(send, skeleton.handle(request))

    return app


def is_oss_request(scope: Scope) -> bool:
    """OSS speaks REST: an ``OSS``/``OSS4-`` Authorization header, or any path but ``/``
    (RPC requests, proxy form included, always arrive on ``/``)."""
    if scope.get("path", "/") not in ("", "/"):
        return True
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return bool(value.startswith((b"OSS ", b"OSS4-")))
    return False


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _declared_length(headers: dict[str, str]) -> int:
    text = headers.get("content-length", "").strip()
    # The HTTP parser has already refused a malformed Content-Length.
    return int(text) if text.isdigit() else 0


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of a refused body, up to a bound.

    Answering first would close the socket with unread data in it; the kernel then resets the
    connection, and clients still writing (urllib, requests) see the reset, not the answer.
    """
    size = 0
    while size <= _DRAIN_LIMIT:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _send(send: Send, response: OutgoingResponse) -> None:
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
    ]
    # One start and one body message: the server writes them out together.
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def method_not_allowed(method: str) -> EcsError:
    # CONNECT (HTTPS through a proxy) and other verbs have no meaning for the RPC API. An
    # emulator-specific code: the real gateway is never reached this way.
    return EcsError(
        f"The HTTP method {method} is not supported by this endpoint.",
        code="UnsupportedHTTPMethod",
        http_status=405,
    )


def _too_large(limit: int) -> EcsError:
    # Emulator-specific as well: the real gateway's answer to an oversized request is not
    # documented. 413 is what HTTP has for it; every client treats it as a client error.
    return EcsError(
        f"The request's query string or body is larger than {limit} bytes.",
        code="RequestTooLarge",
        http_status=413,
    )

"""The ASGI entry point: one port for every product (PRODUCT.md contract 4).

RPC requests (ECS, VPC, FaaS, ecsim's own) arrive as GET or POST on ``/`` (also in proxy form,
``POST http://ecs-cn-hangzhou.aliyuncs.com/?...``, which the server hands us as path ``/``).
``CONNECT`` is refused at once so clients behind ``HTTP_PROXY`` fall back quickly. The handler
is plain ASGI rather than a framework route: it is the hot path, and it needs only the method,
path, query, headers and body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ecsim.api.intake import IncomingRequest
from ecsim.api.render import JSON_CONTENT_TYPE, render_json
from ecsim.api.rpc import OutgoingResponse, RpcSkeleton

__all__ = ["AsgiApp", "build_asgi"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_RPC_METHODS = frozenset({"GET", "POST"})


def build_asgi(skeleton: RpcSkeleton, max_body_bytes: int) -> AsgiApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method not in _RPC_METHODS:
            await _send(send, _refusal(method))
            return
        body = await _read_body(receive, max_body_bytes)
        if body is None:
            await _send(send, _too_large(max_body_bytes))
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        request = IncomingRequest(
            method=method,
            path=scope.get("path") or "/",
            query_string=scope.get("query_string", b""),
            headers=headers,
            body=body,
        )
        await _send(send, skeleton.handle(request))

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, response: OutgoingResponse) -> None:
    # One start and one body message: the server writes them out together.
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [
                (b"content-type", response.content_type.encode()),
                (b"content-length", str(len(response.body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def _refusal(method: str) -> OutgoingResponse:
    # CONNECT (HTTPS through a proxy) and other verbs have no meaning for the RPC API. An
    # emulator-specific code: the real gateway is never reached this way.
    body = {
        "Code": "UnsupportedHTTPMethod",
        "Message": f"The HTTP method {method} is not supported by this endpoint.",
    }
    return OutgoingResponse(405, render_json(body), JSON_CONTENT_TYPE)


def _too_large(limit: int) -> OutgoingResponse:
    body = {
        "Code": "InvalidParameter",
        "Message": f"The request body is larger than {limit} bytes.",
    }
    return OutgoingResponse(400, render_json(body), JSON_CONTENT_TYPE)

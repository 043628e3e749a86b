"""The ASGI entry in-process: body limits, client disconnects, lifespan, other verbs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ecsim.app import Application, build_app
from ecsim.settings import Limits, Settings

LIMIT = 1000


@pytest.fixture
def app() -> Iterator[Application]:
    settings = Settings(
        in_memory=True,
        verify_signatures=False,
        dataplane="none",
        limits=Limits(max_body_bytes=LIMIT),
    )
    application = build_app(settings)
    try:
        yield application
    finally:
        application.close()


class Exchange:
    """Feeds ``messages`` to the app and records what it sends back."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.pending = list(messages)
        self.received = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.received += 1
        assert self.pending, "the app read past the end of the request"
        return self.pending.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        status: int = self.sent[0]["status"]
        return status

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.sent[1]["body"])
        return body


def http_scope(
    method: str = "POST", headers: dict[str, str] | None = None, query: bytes = b""
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }


def run(app: Application, scope: dict[str, Any], messages: list[dict[str, Any]]) -> Exchange:
    exchange = Exchange(messages)
    asyncio.run(app.asgi(scope, exchange.receive, exchange.send))
    return exchange


def body(chunk: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": chunk, "more_body": more}


QUERY = b"Action=DescribeRegions&Version=2014-05-26"


def test_request_in_several_chunks(app: Application) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    chunks = [body(QUERY[:10], True), body(QUERY[10:], True), body(b"")]
    exchange = run(app, http_scope(headers=form), chunks)
    assert exchange.status == 200, exchange.sent


def test_declared_oversized_body_with_expect_is_refused_unread(app: Application) -> None:
    headers = {"content-length": str(LIMIT + 1), "expect": "100-continue"}
    exchange = run(app, http_scope(headers=headers), [])
    assert exchange.received == 0
    assert (exchange.status, exchange.json()["Code"]) == (413, "RequestTooLarge")


def test_declared_oversized_body_is_drained_then_refused(app: Application) -> None:
    chunks = [body(b"x" * 600, True), body(b"x" * 600)]
    exchange = run(app, http_scope(headers={"content-length": "1200"}), chunks)
    assert exchange.received == 2
    assert (exchange.status, exchange.json()["Code"]) == (413, "RequestTooLarge")


def test_undeclared_oversized_body_is_drained_then_refused(app: Application) -> None:
    chunks = [body(b"x" * 600, True), body(b"x" * 600, True), body(b"x", True), body(b"")]
    exchange = run(app, http_scope(), chunks)
    assert exchange.received == 4
    assert exchange.status == 413


def test_body_at_the_limit_is_read(app: Application) -> None:
    exchange = run(app, http_scope(query=QUERY), [body(b"x" * LIMIT)])
    assert exchange.status == 200


def test_oversized_query_string_refused(app: Application) -> None:
    exchange = run(app, http_scope(query=b"x" * (LIMIT + 1)), [body(b"")])
    assert exchange.status == 413


@pytest.mark.parametrize("oversized", [False, True])
def test_client_gone_mid_body_gets_no_answer(app: Application, oversized: bool) -> None:
    headers = {"content-length": str(LIMIT * 2 if oversized else 10)}
    messages = [body(b"x" * 5, True), {"type": "http.disconnect"}]
    exchange = run(app, http_scope(headers=headers), messages)
    assert exchange.sent == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "CONNECT", "BREW"])
def test_other_methods_refused_unread(app: Application, method: str) -> None:
    exchange = run(app, http_scope(method=method), [])
    assert exchange.received == 0
    assert (exchange.status, exchange.json()["Code"]) == (405, "UnsupportedHTTPMethod")
    assert method in exchange.json()["Message"]


def test_lifespan(app: Application) -> None:
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    exchange = run(app, {"type": "lifespan"}, messages)
    assert [m["type"] for m in exchange.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_websocket_scope_ignored(app: Application) -> None:
    exchange = run(app, {"type": "websocket"}, [])
    assert exchange.sent == [] and exchange.received == 0


def test_response_headers(app: Application) -> None:
    exchange = run(app, http_scope(query=QUERY), [body(b"")])
    start = exchange.sent[0]
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/json;charset=utf-8"
    assert int(headers[b"content-length"]) == len(exchange.sent[1]["body"])

"""The metadata service over real sockets: HTTP/1.0 and 1.1 clients, keep-alive, and the
requests a hostile or broken instance sends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from ipaddress import IPv4Address

import httpx
import pytest
import uvloop

from ecsim.dataplane.metadata_server import MAX_BODY, MAX_LINE, MetadataServer
from ecsim.dataplane.plan import InstancePlan

LOOPBACK = IPv4Address("127.0.0.1")
NETWORK = "vpc-1"
PLAN = InstancePlan(
    instance_id="i-one",
    network_id=NETWORK,
    netns="ns",
    running=True,
    ports=(),
    hostname="one",
    metadata={"meta-data/instance-id": "i-one", "meta-data/region-id": "cn-hangzhou"},
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lookup(plan: InstancePlan | None = PLAN) -> Callable[[str, IPv4Address], InstancePlan | None]:
    def lookup(network_id: str, peer: IPv4Address) -> InstancePlan | None:
        return plan if (network_id, peer) == (NETWORK, LOOPBACK) else None

    return lookup


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@asynccontextmanager
async def serving(
    lookup: Callable[[str, IPv4Address], InstancePlan | None] | None = None,
    clock: Callable[[], float] | None = None,
    request_timeout: float = 30.0,
    max_connections: int = 256,
) -> AsyncIterator[tuple[MetadataServer, int]]:
    server = MetadataServer(
        lookup or _lookup(),
        clock or Clock(),
        request_timeout=request_timeout,
        max_connections=max_connections,
    )
    sock = _listener()
    port = sock.getsockname()[1]
    await server.serve(NETWORK, sock)
    try:
        yield server, port
    finally:
        await server.close()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        await asyncio.wait_for(scenario(), 20)

    asyncio.run(main())


async def _response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


async def _raw(port: int, data: bytes, *, then_closed: bool = False) -> tuple[int, bytes]:
    """Send ``data`` and read one response: its status and body. ``then_closed``: check that
    the server closes the connection after it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        status, _, body = await _response(reader)
        if then_closed:
            assert await asyncio.wait_for(reader.read(1), 5) == b""
        return status, body
    finally:
        writer.close()
        await writer.wait_closed()


def test_httpx_reads_lists_and_uses_tokens() -> None:
    async def scenario() -> None:
        async with (
            serving() as (_, port),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            listing = await client.get("/latest/meta-data/")
            assert (listing.status_code, listing.text) == (200, "instance-id\nregion-id")
            token = await client.put(
                "/latest/api/token", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60"}
            )
            assert token.status_code == 200
            value = await client.get(
                "/latest/meta-data/instance-id",
                headers={"X-aliyun-ecs-metadata-token": token.text},
            )
            assert (value.status_code, value.text) == (200, "i-one")
            assert (await client.get("/latest/meta-data/none")).status_code == 404

    run(scenario)


def test_required_mode_and_token_expiry_over_http() -> None:
    clock = Clock()
    required = replace(PLAN, tokens_required=True)

    async def scenario() -> None:
        async with (
            serving(_lookup(required), clock) as (_, port),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            assert (await client.get("/latest/meta-data/instance-id")).status_code == 401
            token = (
                await client.put(
                    "/latest/api/token", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "5"}
                )
            ).text
            headers = {"X-aliyun-ecs-metadata-token": token}
            assert (await client.get("/latest/meta-data/", headers=headers)).status_code == 200
            clock.now += 5
            assert (await client.get("/latest/meta-data/", headers=headers)).status_code == 401
            refused = await client.put(
                "/latest/api/token",
                headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "x"},
            )
            assert refused.status_code == 403

    run(scenario)


def test_unknown_callers_and_unknown_networks_get_404() -> None:
    async def scenario() -> None:
        async with serving(_lookup(None)) as (_, port):
            status, body = await _raw(port, b"GET /latest/meta-data/ HTTP/1.1\r\n\r\n")
            assert (status, body) == (404, b"404 - Not Found")

    run(scenario)


def test_a_failing_lookup_is_a_500_and_the_service_goes_on() -> None:
    calls: list[int] = []

    def lookup(network_id: str, peer: IPv4Address) -> InstancePlan | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return PLAN

    async def scenario() -> None:
        async with serving(lookup) as (_, port):
            request = b"GET /latest/meta-data/instance-id HTTP/1.1\r\n\r\n"
            assert (await _raw(port, request))[0] == 500
            assert (await _raw(port, request))[1] == b"i-one"

    run(scenario)


def test_keep_alive_pipelining_and_head() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n"
                b"HEAD /latest/meta-data/region-id HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /latest/meta-data/region-id HTTP/1.1\r\nConnection: close\r\n\r\n"
            )
            first = await _response(reader)
            assert (first[0], first[1]["connection"], first[2]) == (200, "keep-alive", b"i-one")
            head = await reader.readuntil(b"\r\n\r\n")
            assert b"Content-Length: 11\r\n" in head
            last = await _response(reader)
            assert (last[1]["connection"], last[2]) == ("close", b"cn-hangzhou")
            assert await reader.read() == b""
            writer.close()
            await writer.wait_closed()

    run(scenario)


def test_http_1_0_closes_unless_asked_to_keep_alive() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            request = b"GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n"
            assert await _raw(port, request, then_closed=True) == (200, b"i-one")
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(2):
                writer.write(b"GET /latest/meta-data/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                _, headers, body = await _response(reader)
                assert (headers["connection"], body) == ("keep-alive", b"instance-id\nregion-id")
            writer.close()
            await writer.wait_closed()

    run(scenario)


def test_absolute_form_bodies_and_expect_continue() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            absolute = b"GET http://100.100.100.200/latest/meta-data/instance-id HTTP/1.1\r\n\r\n"
            assert (await _raw(port, absolute))[1] == b"i-one"
            ttl = b"X-aliyun-ecs-metadata-token-ttl-seconds: 60\r\n"
            chunked = (
                b"PUT /latest/api/token HTTP/1.1\r\n" + ttl + b"Transfer-Encoding: chunked\r\n\r\n"
                b"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
            )
            assert (await _raw(port, chunked))[0] == 200
            sized = b"PUT /latest/api/token HTTP/1.1\r\n" + ttl + b"Content-Length: 2\r\n\r\nhi"
            assert (await _raw(port, sized))[0] == 200
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"PUT /latest/api/token HTTP/1.1\r\n" + ttl + b"Content-Length: 2\r\n"
                b"Expect: 100-continue\r\n\r\n"
            )
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"hi")
            assert (await _response(reader))[0] == 200
            writer.close()
            await writer.wait_closed()

    run(scenario)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
        (b"GET /latest/ HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /latest/\r\n\r\n", 400),
        (b"GET  /latest/ HTTP/1.1\r\n\r\n", 400),
        (b"G(T /latest/ HTTP/1.1\r\n\r\n", 400),
        (b"GET /lat\x00est/ HTTP/1.1\r\n\r\n", 400),
        (b"GET /latest/ HTTP/2.0\r\n\r\n", 505),
        (b"GET /latest/ HTTP/1.10\r\n\r\n", 400),
        (b"GET /latest/ FTP/1.1\r\n\r\n", 400),
        (b"GET ftp://x/latest/ HTTP/1.1\r\n\r\n", 400),
        (b"GET /latest/ HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET /latest/ HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        (b"GET /latest/ HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        (b"GET /latest/ HTTP/1.1\r\nA: b\x01c\r\n\r\n", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\nab", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: 1\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"PUT /latest/api/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400),
        (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1), 413),
        (b"GET /" + b"a" * MAX_LINE + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_LINE + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + (b"X: " + b"a" * 4000 + b"\r\n") * 9 + b"\r\n", 431),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_and_the_connection_closed(
    request_bytes: bytes, status: int
) -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            got, body = await _raw(port, request_bytes, then_closed=True)
            assert got == status
            assert body.startswith(str(status).encode())

    run(scenario)


def test_leading_blank_lines_and_bare_newlines_are_tolerated() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            request = b"\r\n\nGET /latest/meta-data/instance-id HTTP/1.1\nHost: x\n\n"
            assert (await _raw(port, request))[1] == b"i-one"

    run(scenario)


def test_half_requests_and_silent_clients_are_dropped_without_harm() -> None:
    async def scenario() -> None:
        async with serving(request_timeout=0.2) as (_, port):
            for partial in (b"", b"GET /lat", b"GET / HTTP/1.1\r\nHost: x\r\n"):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(partial)
                writer.write_eof()
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
                await writer.wait_closed()
            # a silent client is cut off after the request timeout
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET / HTTP/1.1\r\n")
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            await writer.wait_closed()
            request = b"GET /latest/meta-data/instance-id HTTP/1.1\r\n\r\n"
            assert await _raw(port, request) == (200, b"i-one")

    run(scenario)


def test_stop_closes_the_listener_and_open_connections() -> None:
    async def scenario() -> None:
        async with serving() as (server, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /latest/meta-data/ HTTP/1.1\r\n\r\n")
            await _response(reader)
            assert server.serving() == {NETWORK}
            await server.stop(NETWORK)
            await server.stop(NETWORK)  # twice is fine
            assert server.serving() == frozenset()
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            await writer.wait_closed()
            with pytest.raises(OSError):
                await asyncio.open_connection("127.0.0.1", port)

    run(scenario)


def test_serving_a_network_again_switches_to_the_new_socket() -> None:
    async def scenario() -> None:
        async with serving() as (server, old_port):
            sock = _listener()
            new_port = sock.getsockname()[1]
            await server.serve(NETWORK, sock)
            request = b"GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n"
            assert await _raw(new_port, request) == (200, b"i-one")
            with pytest.raises(OSError):
                await asyncio.open_connection("127.0.0.1", old_port)

    run(scenario)


def test_connections_beyond_the_cap_are_closed_on_arrival() -> None:
    async def scenario() -> None:
        async with serving(max_connections=1) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /latest/meta-data/ HTTP/1.1\r\n\r\n")
            await _response(reader)
            extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(extra_reader.read(), 5) == b""
            for opened in (writer, extra_writer):
                opened.close()
                # the refused connection was reset: closing it may report that
                with contextlib.suppress(ConnectionError):
                    await opened.wait_closed()

    run(scenario)


def test_it_serves_under_uvloop() -> None:
    async def scenario() -> None:
        async with (
            serving() as (_, port),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            response = await client.get("/latest/meta-data/instance-id")
            assert response.text == "i-one"

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(scenario())


async def _tool(*argv: str) -> tuple[int, bytes]:
    environment = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=environment,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_over_http_1_1_and_1_0_with_a_token() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            base = f"http://127.0.0.1:{port}"
            for version in ("--http1.1", "--http1.0"):
                code, token = await _tool(
                    "curl", "-sf", version, "-X", "PUT", f"{base}/latest/api/token",
                    "-H", "X-aliyun-ecs-metadata-token-ttl-seconds: 600",
                )  # fmt: skip
                assert code == 0 and token
                code, output = await _tool(
                    "curl", "-sf", version, f"{base}/latest/meta-data/instance-id",
                    f"{base}/latest/meta-data/region-id",
                    "-H", f"X-aliyun-ecs-metadata-token: {token.decode()}",
                )  # fmt: skip
                assert (code, output) == (0, b"i-onecn-hangzhou")
            code, _ = await _tool("curl", "-sf", f"{base}/latest/meta-data/none")
            assert code == 22  # curl -f: HTTP error

    run(scenario)


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed")
def test_wget_reads_a_value() -> None:
    async def scenario() -> None:
        async with serving() as (_, port):
            code, output = await _tool(
                "wget", "-q", "-O", "-", f"http://127.0.0.1:{port}/latest/meta-data/instance-id"
            )
            assert (code, output) == (0, b"i-one")

    run(scenario)

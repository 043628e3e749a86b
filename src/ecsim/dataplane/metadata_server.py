"""The metadata service's HTTP side: one listener per routed network, one answer per request.

Each VPC's router namespace owns 100.100.100.200; whoever creates the router hands its
listening socket to ``MetadataServer.serve``. A request's peer address is the instance's
private address, so (network id, peer address) names the asking instance; what it is told
comes from ``metadata_tree``.

The HTTP/1.x parser is deliberately small and strict, because every instance can talk to it:
bounded lines, header count, body size and time per request; anything it does not
understand is a 400 (or the matching 4xx/5xx) and the connection is closed. Keep-alive
follows the version (1.1 keeps unless ``Connection: close``; 1.0 only on ``keep-alive``),
which is what curl, wget, Python's urllib and Go's net/http expect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address

from ecsim.dataplane.metadata_tree import MetadataSource, Reply, Tokens, answer

__all__ = [
    "MAX_BODY",
    "MAX_HEADERS",
    "MAX_HEAD_BYTES",
    "MAX_LINE",
    "BadRequest",
    "MetadataServer",
    "Request",
    "read_request",
    "render",
]

_log = logging.getLogger(__name__)

# A request line or header line longer than this is refused (no metadata path comes close).
MAX_LINE = 8 * 1024
# all header lines together, and how many
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADERS = 100
# The service takes no request bodies; a token PUT may still carry a small one.
MAX_BODY = 64 * 1024
# Seconds a connection may take to deliver one whole request, the wait for it included (so
# an idle keep-alive connection is closed after this long).
REQUEST_TIMEOUT = 30.0
# Connections open at once per network; more are closed on arrival.
MAX_CONNECTIONS = 256

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_ABSOLUTE = re.compile(r"https?://[^/?#]*", re.IGNORECASE)
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Payload Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class BadRequest(Exception):
    """A request the parser refuses; ``status`` is the answer before the connection closes."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


class _Gone(Exception):
    """The client closed the connection in the middle of a request."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    # (major, minor)
    version: tuple[int, int]
    # lower-case names; a repeated header's values joined with ", "
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def keep_alive(self) -> bool:
        tokens = {token.strip().lower() for token in self.headers.get("connection", "").split(",")}
        if self.version >= (1, 1):
            return "close" not in tokens
        return "keep-alive" in tokens


async def _line(reader: asyncio.StreamReader, status: int) -> bytes:
    """One line without its CRLF (a bare LF is accepted, as most servers do)."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise BadRequest(status, "line too long") from None
    except asyncio.IncompleteReadError as error:
        raise _Gone from error
    if len(line) > MAX_LINE + 2:
        raise BadRequest(status, "line too long")
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


def _origin_path(target: str) -> str:
    if target.startswith("/"):
        return target
    # absolute-form, as a client configured with a proxy sends it
    found = _ABSOLUTE.match(target)
    if found is None:
        raise BadRequest(400, "unusable request target")
    return target[found.end() :] or "/"


def _request_line(line: bytes) -> tuple[str, str, tuple[int, int]]:
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]):
        raise BadRequest(400, "malformed request line")
    version = _VERSION.fullmatch(parts[2])
    if version is None:
        raise BadRequest(400, "malformed HTTP version")
    if version.group(1) != b"1":
        raise BadRequest(505, "only HTTP/1.x is spoken here")
    raw_target = parts[1]
    if not raw_target or any(byte <= 0x20 or byte >= 0x7F for byte in raw_target):
        raise BadRequest(400, "malformed request target")
    target = _origin_path(raw_target.decode("ascii"))
    return parts[0].decode("ascii"), target, (1, int(version.group(2)))


async def _headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    total = count = 0
    while True:
        line = await _line(reader, 431)
        if not line:
            return headers
        total += len(line)
        count += 1
        if total > MAX_HEAD_BYTES or count > MAX_HEADERS:
            raise BadRequest(431, "too many header bytes")
        if line[:1] in (b" ", b"\t"):
            # obsolete line folding: refused, as RFC 9112 allows, rather than guessed at
            raise BadRequest(400, "folded header")
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadRequest(400, "malformed header")
        value = value.strip(b" \t")
        if _FORBIDDEN_IN_VALUE.search(value):
            raise BadRequest(400, "control character in a header")
        key = name.decode("ascii").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text


async def _read_exactly(reader: asyncio.StreamReader, size: int) -> bytes:
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as error:
        raise _Gone from error


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_text = (await _line(reader, 400)).split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 8 or not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):
            raise BadRequest(400, "malformed chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise BadRequest(413, "body too large")
        body += await _read_exactly(reader, size)
        if await _line(reader, 400):
            raise BadRequest(400, "chunk not followed by CRLF")
    # trailers are read and dropped
    await _headers(reader)
    return bytes(body)


async def _body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None, request: Request
) -> bytes:
    headers = request.headers
    encoding = headers.get("transfer-encoding")
    length_text = headers.get("content-length")
    if encoding is not None and length_text is not None:
        # both at once is how requests are smuggled past proxies: refuse
        raise BadRequest(400, "Content-Length with Transfer-Encoding")
    if encoding is None and length_text is None:
        return b""
    length = 0
    if encoding is None and length_text is not None:
        values = {value.strip() for value in length_text.split(",")}
        value = values.pop()
        if values or not value.isascii() or not value.isdigit() or len(value) > 12:
            raise BadRequest(400, "malformed Content-Length")
        length = int(value)
        if length > MAX_BODY:
            raise BadRequest(413, "body too large")
    elif encoding is not None and encoding.strip().lower() != "chunked":
        raise BadRequest(501, "unsupported Transfer-Encoding")
    if writer is not None and headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if encoding is not None:
        return await _chunked(reader)
    return await _read_exactly(reader, length)


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None = None
) -> Request | None:
    """The next request on a connection, or None when the client closed it between requests.
    Raises ``BadRequest`` for what cannot be parsed. ``writer``, when given, receives the
    interim ``100 Continue`` a client sending ``Expect: 100-continue`` waits for."""
    if reader.at_eof():
        return None
    try:
        line = await _line(reader, 414)
        # RFC 9112 §2.2: empty lines before a request line are ignored (some clients send a
        # CRLF after a POST body)
        for _ in range(4):
            if line:
                break
            line = await _line(reader, 414)
    except _Gone:
        # EOF before anything or in the middle of the request line: nothing to answer
        return None
    method, target, version = _request_line(line)
    headers = await _headers(reader)
    request = Request(method, target, version, headers)
    body = await _body(reader, writer, request)
    return Request(method, target, version, headers, body) if body else request


def render(reply: Reply, *, head_only: bool = False, keep_alive: bool = False) -> bytes:
    """The response bytes for ``reply``; ``head_only`` leaves the body out (HEAD)."""
    lines = [
        f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    lines.extend(f"{name}: {value}" for name, value in reply.headers)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + reply.body


def _plain(status: int) -> Reply:
    return Reply(status, "text/plain", f"{status} - {_REASONS[status]}".encode())


def _peer_address(peer: object) -> IPv4Address | None:
    if not isinstance(peer, tuple) or not peer or not isinstance(peer[0], str):
        return None
    try:
        address = ip_address(peer[0].split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, IPv6Address):
        # a dual-stack listener shows IPv4 callers as ::ffff:a.b.c.d
        return address.ipv4_mapped
    return address


@dataclass(slots=True)
class _Network:
    server: asyncio.Server
    connections: set[asyncio.Task[None]] = field(default_factory=set)


class MetadataServer:
    """Serves 100.100.100.200 on the listening sockets it is handed, one per network.

    ``lookup(network_id, peer)`` names the instance behind a connection (None: unknown, 404);
    ``clock()`` is the time in seconds that token lifetimes count against."""

    def __init__(
        self,
        lookup: Callable[[str, IPv4Address], MetadataSource | None],
        clock: Callable[[], float],
        *,
        tokens: Tokens | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._lookup = lookup
        self._clock = clock
        self.tokens = tokens if tokens is not None else Tokens()
        self._timeout = request_timeout
        self._max_connections = max_connections
        self._networks: dict[str, _Network] = {}

    def serving(self) -> frozenset[str]:
        """The networks being served."""
        return frozenset(self._networks)

    async def serve(self, network_id: str, sock: socket.socket) -> None:
        """Serve ``network_id`` on ``sock`` (bound, and listening or about to be); returns once
        connections are accepted. The server owns the socket from here on (``stop`` closes
        it). A network already served is switched over to the new socket."""
        await self.stop(network_id)

        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._connection(network_id, reader, writer)

        # the reader's limit is what bounds one line (readuntil refuses longer ones)
        server = await asyncio.start_server(connected, sock=sock, limit=MAX_LINE + 2)
        self._networks[network_id] = _Network(server)

    async def stop(self, network_id: str) -> None:
        """Stop serving one network: its socket and its open connections are closed."""
        network = self._networks.pop(network_id, None)
        if network is None:
            return
        network.server.close()
        for task in network.connections:
            task.cancel()
        await asyncio.gather(*network.connections, return_exceptions=True)
        await network.server.wait_closed()

    async def close(self) -> None:
        """Stop serving every network."""
        for network_id in list(self._networks):
            await self.stop(network_id)

    async def _connection(
        self, network_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        network = self._networks.get(network_id)
        task = asyncio.current_task()
        if network is None or task is None or len(network.connections) >= self._max_connections:
            writer.transport.abort()
            return
        network.connections.add(task)
        try:
            await self._exchange(network_id, reader, writer)
        except (ConnectionError, TimeoutError):
            pass
        except Exception:
            # one broken connection must not take the service down; the cause is logged
            _log.exception("metadata connection on %s failed", network_id)
        finally:
            network.connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _exchange(
        self, network_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = _peer_address(writer.get_extra_info("peername"))
        while True:
            try:
                async with asyncio.timeout(self._timeout):
                    request = await read_request(reader, writer)
            except BadRequest as error:
                writer.write(render(_plain(error.status)))
                await writer.drain()
                return
            except _Gone:
                return
            if request is None:
                return
            reply = self._reply(network_id, peer, request)
            keep_alive = request.keep_alive
            head_only = request.method == "HEAD"
            writer.write(render(reply, head_only=head_only, keep_alive=keep_alive))
            await writer.drain()
            if not keep_alive:
                return

    def _reply(self, network_id: str, peer: IPv4Address | None, request: Request) -> Reply:
        try:
            source = None if peer is None else self._lookup(network_id, peer)
            if source is None:
                return _plain(404)
            return answer(
                source, self.tokens, request.method, request.target, request.headers, self._clock()
            )
        except Exception:
            _log.exception("metadata answer on %s failed", network_id)
            return _plain(500)

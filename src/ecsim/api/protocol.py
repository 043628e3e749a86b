"""uvicorn's httptools protocol, with the refusals the HTTP parser makes in ECS's error shape.

Two kinds of request never reach the ASGI app:

- ``CONNECT``: clients behind ``HTTP_PROXY=ecsim`` (Packer's Go SDK) try to tunnel HTTPS to the
  location service before each call. They must be refused at once, and quietly: each one is
  expected traffic, not a client bug worth a warning line.
- requests the parser cannot read (raw non-ASCII bytes in the URL, a broken request line):
  uvicorn answers a plain-text 400, which tea and pop-core cannot parse. We answer the usual
  JSON error body with ``InvalidParameter`` instead (``RequestTooLarge`` for a URL too long
  to parse).

Either way the connection is closed after the answer, as the parser's state is unknown.
"""

from __future__ import annotations

import logging
import uuid

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ecsim.api.asgi import method_not_allowed
from ecsim.api.rpc import OutgoingResponse, error_response
from ecsim.errors import EcsError, InvalidParameter

__all__ = ["MAX_URL_BYTES", "EcsimHttpProtocol"]

# httptools parses no longer request target (its offsets are 16 bits).
MAX_URL_BYTES = 65535

log = logging.getLogger("ecsim.api")


class EcsimHttpProtocol(HttpToolsProtocol):
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._refused:
                return
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            if self._refused:
                return
            log.info("Unreadable HTTP request from %s: %s", self.client, error)
            self._refuse(
                error_response(
                    InvalidParameter("Request", "It is not a valid HTTP/1.1 request."),
                    _request_id(),
                )
            )

    def on_headers_complete(self) -> None:
        # Before uvicorn parses the target: ``host:443`` is not a URL it accepts.
        if self.parser.get_method() == b"CONNECT":
            self._refuse(error_response(method_not_allowed("CONNECT"), _request_id()))
            return
        if len(self.url) > MAX_URL_BYTES:
            self._refuse(error_response(_url_too_long(), _request_id()))
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def _refuse(self, response: OutgoingResponse) -> None:
        self._refused = True
        content = [STATUS_LINE[response.status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + response.content_type.encode() + b"\r\n",
                b"content-length: " + str(len(response.body)).encode() + b"\r\n",
                b"connection: close\r\n\r\n",
                response.body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


def _url_too_long() -> EcsError:
    # The emulator's code for oversized bodies, with the same status (one code, one status):
    # no client sends URLs this long (the SDKs' largest, UserData of 32 KiB, fits), and a form
    # body carries any size up to the body limit.
    return EcsError(
        f"The request URL is longer than {MAX_URL_BYTES} bytes; send the parameters in an "
        "application/x-www-form-urlencoded body instead.",
        code="RequestTooLarge",
        http_status=413,
    )


def _request_id() -> str:
    return str(uuid.uuid4()).upper()

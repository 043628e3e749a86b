"""A small RPC client of the ecsim HTTP API, standard library only.

It signs like the aliyun CLI and aliyun-python-sdk-core: RPC "V1" (HMAC-SHA1 over every
parameter), using the one definition in ``ecsim.signing``. Everything (common parameters, API
parameters and the signature) travels in a POST form body, as @alicloud/pop-core sends it with
``method: 'POST'``, so long values such as UserData never meet a URL length limit.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ecsim import __version__, signing

__all__ = [
    "COMMON_PARAMS",
    "ApiResponse",
    "Endpoint",
    "RpcClient",
    "ServerUnreachable",
    "signed_form",
]

# Parameters the client sets itself; an API call cannot carry its own values for them.
COMMON_PARAMS = frozenset(
    {
        "AccessKeyId",
        "Action",
        "Format",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureType",
        "SignatureVersion",
        "Timestamp",
        "Version",
    }
)

DEFAULT_TIMEOUT_SECONDS = 300.0


class ServerUnreachable(Exception):
    """No HTTP answer came back: refused, reset, timed out or not HTTP at all."""


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``http://host:port[/path]``; a bare ``host:port`` means http, as in the tea SDK."""
        text = url.strip()
        if "://" not in text:
            text = f"http://{text}"
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"bad port in {url!r}") from None
        default_port = 443 if parts.scheme == "https" else 80
        return cls(parts.scheme, parts.hostname, port or default_port, parts.path or "/")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    # The decoded JSON body; None when the server answered something that is not JSON.
    body: dict[str, Any] | None
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.body is not None


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_form(
    version: str,
    action: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    *,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> str:
    """The form body of a signed V1 POST: API parameters, common parameters and Signature."""
    clash = COMMON_PARAMS.intersection(params)
    if clash:
        raise ValueError(f"set by the client itself: {', '.join(sorted(clash))}")
    signed: dict[str, str] = {
        **params,
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": timestamp or _timestamp(),
    }
    signature = signing.rpc_signature(access_key_secret, signing.rpc_string_to_sign("POST", signed))
    # The canonical query is already a valid form encoding of the same parameters.
    return f"{signing.rpc_canonical_query(signed)}&Signature={signing.percent_encode(signature)}"


class RpcClient:
    def __init__(
        self,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.endpoint = Endpoint.parse(endpoint)
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._timeout = timeout

    def call(self, version: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        body = signed_form(version, action, params, self._key_id, self._secret).encode("ascii")
        ep = self.endpoint
        connection: http.client.HTTPConnection
        if ep.scheme == "https":
            connection = http.client.HTTPSConnection(ep.host, ep.port, timeout=self._timeout)
        else:
            connection = http.client.HTTPConnection(ep.host, ep.port, timeout=self._timeout)
        try:
            connection.request(
                "POST",
                ep.path,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "User-Agent": f"ecsim-cli/{__version__}",
                },
            )
            response = connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            raise ServerUnreachable(f"cannot reach ecsim at {ep.url}: {_reason(error)}") from None
        finally:
            connection.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        return ApiResponse(status, decoded if isinstance(decoded, dict) else None, text)


def _reason(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is `ecsim serve` running?)"
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__

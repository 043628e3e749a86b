"""A small OSS REST client: path-style requests with the OSS V1 signature, stdlib only.

String to sign: ``VERB\\nContent-MD5\\nContent-Type\\nDate\\n/bucket/key``; the listing
parameters (prefix, marker, max-keys) are not sub-resources, so they are not signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from ecsim.cli.client import Endpoint, ServerUnreachable

__all__ = ["OssClient", "OssError", "sign"]

TIMEOUT_SECONDS = 300.0


class OssError(Exception):
    """An OSS error answer (XML ``<Error>``)."""

    def __init__(self, status: int, code: str, message: str, request_id: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


def sign(secret: str, verb: str, content_type: str, date: str, resource: str) -> str:
    """The OSS V1 signature of a request with no Content-MD5 and no x-oss-* headers."""
    text = f"{verb}\n\n{content_type}\n{date}\n{resource}"
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class OssClient:
    def __init__(self, endpoint: str, access_key_id: str, access_key_secret: str) -> None:
        self.endpoint = Endpoint.parse(endpoint)
        self._key_id = access_key_id
        self._secret = access_key_secret

    def list_objects(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, following the listing's markers."""
        keys: list[str] = []
        marker = ""
        while True:
            query = {"prefix": prefix, "marker": marker, "max-keys": "1000"}
            _, body = self._request("GET", bucket, "", query=query)
            root = ElementTree.fromstring(body)
            keys.extend(node.text or "" for node in root.iter("Key"))
            if (root.findtext("IsTruncated") or "false").lower() != "true":
                return keys
            marker = root.findtext("NextMarker") or (keys[-1] if keys else "")
            if not marker:
                return keys

    def put_file(self, bucket: str, key: str, path: Path) -> str:
        """Upload ``path`` as ``key``; the object's ETag."""
        with path.open("rb") as handle:
            headers, _ = self._request("PUT", bucket, key, body=handle, length=path.stat().st_size)
        return headers.get("etag", "")

    def get_file(self, bucket: str, key: str, path: Path) -> int:
        """Download ``key`` into ``path``; the number of bytes written."""
        _, body = self._request("GET", bucket, key)
        path.write_bytes(body)
        return len(body)

    def _request(
        self,
        verb: str,
        bucket: str,
        key: str,
        *,
        query: Mapping[str, str] | None = None,
        body: BinaryIO | None = None,
        length: int = 0,
    ) -> tuple[dict[str, str], bytes]:
        ep = self.endpoint
        date = formatdate(usegmt=True)
        content_type = "application/octet-stream" if verb == "PUT" else ""
        signature = sign(self._secret, verb, content_type, date, f"/{bucket}/{key}")
        headers = {"Date": date, "Authorization": f"OSS {self._key_id}:{signature}"}
        if content_type:
            headers["Content-Type"] = content_type
        if verb == "PUT":
            headers["Content-Length"] = str(length)
        base = ep.path.rstrip("/")
        target = f"{base}/{quote(bucket, safe='')}/{quote(key, safe='')}"
        if query:
            target += "?" + urlencode(query)
        connection: http.client.HTTPConnection
        if ep.scheme == "https":
            connection = http.client.HTTPSConnection(ep.host, ep.port, timeout=TIMEOUT_SECONDS)
        else:
            connection = http.client.HTTPConnection(ep.host, ep.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(verb, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            answer = {name.lower(): value for name, value in response.getheaders()}
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            raise ServerUnreachable(f"cannot reach OSS at {ep.url}: {error}") from None
        finally:
            connection.close()
        if status >= 300:
            raise _error(status, data, answer.get("x-oss-request-id", ""))
        return answer, data


def _error(status: int, data: bytes, request_id: str) -> OssError:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return OssError(status, f"HTTP{status}", data.decode("utf-8", "replace"), request_id)
    return OssError(
        status,
        root.findtext("Code") or f"HTTP{status}",
        root.findtext("Message") or "",
        root.findtext("RequestId") or request_id,
    )

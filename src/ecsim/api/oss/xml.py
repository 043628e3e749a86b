"""OSS answers: XML documents, error bodies and the response value the app sends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ecsim.errors import EcsError

__all__ = ["OssResponse", "element", "error_response", "xml_response"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
HOST_ID = "oss.ecsim.local"


@dataclass
class OssResponse:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # a streamed body (GetObject); ``content-length`` is then set by the handler
    stream: Iterator[bytes] | None = None


def element(name: str, content: str | int | Iterable[str] | None) -> str:
    """``<name>content</name>``; text is escaped, an iterable of elements is joined as is."""
    if content is None:
        return f"<{name}/>"
    if isinstance(content, str):
        return f"<{name}>{escape(content)}</{name}>"
    if isinstance(content, int):
        return f"<{name}>{content}</{name}>"
    return f"<{name}>{''.join(content)}</{name}>"


def xml_response(root: str, children: Iterable[str], status: int = 200) -> OssResponse:
    body = (_DECLARATION + element(root, children)).encode("utf-8", "surrogateescape")
    return OssResponse(status, {"content-type": "application/xml"}, body)


def error_response(
    error: EcsError, request_id: str, extra: dict[str, str] | None = None
) -> OssResponse:
    children = [
        element("Code", error.code),
        element("Message", error.message),
        element("RequestId", request_id),
        element("HostId", HOST_ID),
    ]
    children += [element(k, v) for k, v in (extra or {}).items()]
    response = xml_response("Error", children, error.http_status)
    response.headers["x-oss-ec"] = "0000-00000000"
    return response

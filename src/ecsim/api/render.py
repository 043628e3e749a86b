"""Response bodies: JSON by default, XML when the request asks ``Format=XML``.

The structure is the same in both; in XML a list repeats its element name
(``{"Regions": {"Region": [a, b]}}`` is ``<Regions><Region>a</Region><Region>b</Region>``),
a success has the root ``<ActionResponse>`` and an error the root ``<Error>``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["JSON_CONTENT_TYPE", "XML_CONTENT_TYPE", "render_json", "render_xml"]

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
# tea-openapi parses an XML error only with exactly this content type.
XML_CONTENT_TYPE = "text/xml;charset=utf-8"

# Characters XML 1.0 cannot carry at all, not even as references; a user's string may hold
# them (JSON escapes them), so XML shows U+FFFD in their place rather than break the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def render_xml(root: str, body: dict[str, Any]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root}>"]
    _members(body, parts)
    parts.append(f"</{root}>")
    return "".join(parts).encode()


def _members(body: dict[str, Any], parts: list[str]) -> None:
    for key, value in body.items():
        if isinstance(value, list):
            for item in value:
                _element(key, item, parts)
        else:
            _element(key, value, parts)


def _element(name: str, value: Any, parts: list[str]) -> None:
    parts.append(f"<{name}>")
    if isinstance(value, dict):
        _members(value, parts)
    elif isinstance(value, list):
        # A list directly inside a list has no element name of its own in ECS shapes.
        for item in value:
            _element("item", item, parts)
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif value is not None:
        parts.append(escape(_NOT_XML.sub("\ufffd", str(value))))
    parts.append(f"</{name}>")

"""What a network interface may be called and how it may be described.

Name (CreateNetworkInterface / ModifyNetworkInterfaceAttribute): 2-128 characters, starting
with a letter (any Unicode letter, Chinese included), then letters, digits, ``:``, ``_``,
``.`` and ``-``; never starting with ``http://``/``https://``. Description: 2-256 characters,
never starting with ``http://``/``https://``. The codes are the ones Alibaba documents for
these refusals.
"""

from __future__ import annotations

from ecsim.errors import EcsError

__all__ = [
    "InvalidInterfaceDescription",
    "InvalidInterfaceName",
    "parse_interface_description",
    "parse_interface_name",
]

_NAME_PUNCTUATION = frozenset(":_.-")


class InvalidInterfaceName(EcsError):
    code = "InvalidParams.NetworkInterfaceName"
    message = "The specified NetworkInterfaceName is not valid."
    http_status = 403


class InvalidInterfaceDescription(EcsError):
    code = "InvalidDescription.Malformed"
    message = "The specified description is wrongly formed."
    http_status = 400


def _starts_with_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def parse_interface_name(text: str) -> str:
    if (
        not 2 <= len(text) <= 128
        or not text[0].isalpha()
        or _starts_with_url(text)
        or any(not (c.isalnum() or c in _NAME_PUNCTUATION) for c in text)
    ):
        raise InvalidInterfaceName()
    return text


def parse_interface_description(text: str) -> str:
    if not 2 <= len(text) <= 256 or _starts_with_url(text):
        raise InvalidInterfaceDescription()
    return text

"""What a security group may be called and how it may be described (reference §2.4).

Name: 2-128 characters, starting with a letter (any Unicode letter, Chinese included), then
letters, digits, ``:``, ``_``, ``.`` and ``-``; never starting with ``http://``/``https://``.
Description: 2-256 characters, never starting with ``http://``/``https://``. The codes are
Alibaba's, misspelling (``Discription``) included: clients compare them as strings.
"""

from __future__ import annotations

from ecsim.errors import EcsError

__all__ = [
    "InvalidSecurityGroupDescription",
    "InvalidSecurityGroupName",
    "parse_group_description",
    "parse_group_name",
]

_NAME_PUNCTUATION = frozenset(":_.-")


class InvalidSecurityGroupName(EcsError):
    code = "InvalidSecurityGroupName.Malformed"
    message = "Specified security group name is not valid."
    http_status = 400


class InvalidSecurityGroupDescription(EcsError):
    code = "InvalidSecurityGroupDiscription.Malformed"
    message = "Specified security group description is not valid."
    http_status = 400


def _starts_with_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def parse_group_name(text: str) -> str:
    if (
        not 2 <= len(text) <= 128
        or not text[0].isalpha()
        or _starts_with_url(text)
        or any(not (c.isalnum() or c in _NAME_PUNCTUATION) for c in text)
    ):
        raise InvalidSecurityGroupName()
    return text


def parse_group_description(text: str) -> str:
    if not 2 <= len(text) <= 256 or _starts_with_url(text):
        raise InvalidSecurityGroupDescription()
    return text

"""What an instance's user-set attributes may hold (reference §3.2, §3.6).

- name: 2-128 characters, starting with a letter (Chinese included), then letters, digits,
  ``:``, ``_``, ``.`` and ``-``; never starting with ``http://``/``https://``;
- description: 2-256 characters, never starting with ``http://``/``https://``;
- host name: Windows 2-15 letters, digits and ``-`` (not all digits, no leading, trailing or
  doubled ``-``); Linux and others 2-64 characters in ``.``-separated labels of letters,
  digits and ``-`` (no leading, trailing or doubled ``.`` or ``-``);
- password: 8-30 characters from three of: lower case, upper case, digits, the documented
  special characters; a Windows password may not start with ``/``;
- user data: base64 of at most 32 KiB.

Each refusal is the attribute's ECS error, so RunInstances and ModifyInstanceAttribute answer
alike.
"""

from __future__ import annotations

import base64
import binascii
import re

from ecsim.errors import EcsError

__all__ = [
    "MAX_USER_DATA_BYTES",
    "InvalidDescription",
    "InvalidHostName",
    "InvalidInstanceName",
    "InvalidPassword",
    "InvalidUserDataBase64",
    "InvalidUserDataSize",
    "parse_description",
    "parse_host_name",
    "parse_instance_name",
    "parse_password",
    "parse_user_data",
]

MAX_USER_DATA_BYTES = 32 * 1024

_NAME_PUNCTUATION = frozenset(":_.-")
_PASSWORD_SPECIALS = frozenset("()`~!@#$%^&*-_+=|{}[]:;'<>,.?/")
_WINDOWS_HOST = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_LINUX_LABEL = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class InvalidInstanceName(EcsError):
    code = "InvalidInstanceName.Malformed"
    message = 'The specified parameter "InstanceName" is not valid.'
    http_status = 400


class InvalidDescription(EcsError):
    code = "InvalidDescription.Malformed"
    message = 'The specified parameter "Description" is not valid.'
    http_status = 400


class InvalidHostName(EcsError):
    code = "InvalidHostName.Malformed"
    message = 'The specified parameter "HostName" is not valid.'
    http_status = 400


class InvalidPassword(EcsError):
    code = "InvalidPassword.Malformed"
    message = 'The specified parameter "Password" is not valid.'
    http_status = 400


class InvalidUserDataSize(EcsError):
    code = "InvalidUserData.SizeExceeded"
    message = 'The specified parameter "UserData" exceeds the size.'
    http_status = 400


class InvalidUserDataBase64(EcsError):
    code = "InvalidUserData.Base64FormatInvalid"
    message = "The specified UserData is not valid"
    http_status = 403


def _starts_with_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def parse_instance_name(text: str) -> str:
    if (
        not 2 <= len(text) <= 128
        or not text[0].isalpha()
        or _starts_with_url(text)
        or any(not (c.isalnum() or c in _NAME_PUNCTUATION) for c in text)
    ):
        raise InvalidInstanceName()
    return text


def parse_description(text: str) -> str:
    if not 2 <= len(text) <= 256 or _starts_with_url(text):
        raise InvalidDescription()
    return text


def parse_host_name(text: str, *, windows: bool) -> str:
    if windows:
        valid = (
            2 <= len(text) <= 15
            and _WINDOWS_HOST.fullmatch(text) is not None
            and not text.isdigit()
        )
    else:
        valid = 2 <= len(text) <= 64 and all(
            _LINUX_LABEL.fullmatch(label) for label in text.split(".")
        )
    if not valid:
        raise InvalidHostName()
    return text


def parse_password(text: str, *, windows: bool) -> str:
    if not 8 <= len(text) <= 30 or (windows and text.startswith("/")):
        raise InvalidPassword()
    if any(not (c.isascii() and (c.isalnum() or c in _PASSWORD_SPECIALS)) for c in text):
        raise InvalidPassword()
    classes = (
        any(c.islower() for c in text),
        any(c.isupper() for c in text),
        any(c.isdigit() for c in text),
        any(c in _PASSWORD_SPECIALS for c in text),
    )
    if sum(classes) < 3:
        raise InvalidPassword()
    return text


def parse_user_data(text: str) -> str:
    """``text`` as given, once it is known to be base64 of at most 32 KiB."""
    compact = "".join(text.split())
    if len(compact) % 4 or _BASE64.fullmatch(compact) is None:
        raise InvalidUserDataBase64()
    try:
        raw = base64.b64decode(compact, validate=True)
    except binascii.Error:
        raise InvalidUserDataBase64() from None
    if len(raw) > MAX_USER_DATA_BYTES:
        raise InvalidUserDataSize()
    return text

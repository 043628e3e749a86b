"""What the metadata service (100.100.100.200) answers, without any I/O.

An instance's answers are a flat mapping ``path -> text`` (``InstancePlan.metadata``, paths
relative to a version root such as ``/latest/``); the directories are whatever those paths
imply. A path ending in ``/`` lists its children one per line, a sub-directory with a trailing
``/``; a directory named without the slash lists too, as ECS does for ``/latest/meta-data``.

Security-hardened mode follows ECS: ``PUT /latest/api/token`` with
``X-aliyun-ecs-metadata-token-ttl-seconds`` (1-21600) hands out a token bound to the asking
instance; a GET carrying ``X-aliyun-ecs-metadata-token`` must present a live token of that
instance (401 otherwise), and with HttpTokens=required a GET without one is refused as well.
A PUT that went through a proxy (``X-Forwarded-For``) is refused, which is what keeps a
server-side request forgery from fetching a token.

Error bodies follow ECS's wording (``400 - Missing or Invalid Parameters``). Texts are UTF-8
with surrogate escapes, so user data that is not UTF-8 comes back byte for byte.
"""

from __future__ import annotations

import math
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

__all__ = [
    "MAX_TOKEN_TTL",
    "TOKEN_HEADER",
    "TOKEN_TTL_HEADER",
    "VERSIONS",
    "MetadataSource",
    "Reply",
    "Tokens",
    "answer",
]

TOKEN_HEADER = "x-aliyun-ecs-metadata-token"
TOKEN_TTL_HEADER = "x-aliyun-ecs-metadata-token-ttl-seconds"
MAX_TOKEN_TTL = 21600
# Version roots served with the same tree: cloud-init's AliYun source asks for 2016-01-01.
VERSIONS = ("2016-01-01", "latest")
_TOKEN_PATH = "api/token"
# Tokens an instance may hold at once; a loop of PUTs evicts its own oldest tokens instead of
# growing the table until they expire (up to six hours later).
_TOKENS_PER_INSTANCE = 256
# seconds between sweeps of every instance's expired tokens
_PRUNE_EVERY = 60.0

_TEXT = "text/plain"
_REASONS = {
    200: "OK",
    400: "Missing or Invalid Parameters",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}


class MetadataSource(Protocol):
    """What an answer needs of the asking instance (``InstancePlan`` has these)."""

    @property
    def instance_id(self) -> str: ...

    @property
    def metadata(self) -> Mapping[str, str]: ...

    @property
    def tokens_required(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    # extra response headers (name, value): the token's TTL, Allow on 405
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, _TEXT, f"{status} - {_REASONS[status]}".encode(), headers)


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


class Tokens:
    """Tokens from ``PUT /latest/api/token``: random, bound to one instance, each with its
    own expiry. The clock is the caller's (``now`` in seconds)."""

    def __init__(self, per_instance: int = _TOKENS_PER_INSTANCE) -> None:
        self._per_instance = per_instance
        self._owners: dict[str, str] = {}
        # per instance: token -> expiry, in issue order (the oldest first)
        self._held: dict[str, OrderedDict[str, float]] = {}
        self._pruned_at = -math.inf

    def __len__(self) -> int:
        return len(self._owners)

    def issue(self, instance_id: str, ttl: int, now: float) -> str:
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            raise ValueError(f"token TTL {ttl} is outside 1-{MAX_TOKEN_TTL}")
        # instances that stopped asking still shed their tokens, at bounded cost per call
        if now - self._pruned_at >= _PRUNE_EVERY:
            self.prune(now)
        held = self._held.setdefault(instance_id, OrderedDict())
        for key in [key for key, expires in held.items() if expires <= now]:
            self._drop(key)
        while len(held) >= self._per_instance:
            self._drop(next(iter(held)))
        token = secrets.token_urlsafe(32)
        held[token] = now + ttl
        self._held[instance_id] = held
        self._owners[token] = instance_id
        return token

    def validate(self, token: str, instance_id: str, now: float) -> bool:
        """Whether ``token`` was issued to ``instance_id`` and has not expired."""
        owner = self._owners.get(token)
        if owner is None:
            return False
        if self._held[owner][token] <= now:
            self._drop(token)
            return False
        # bound to the instance that asked: another instance's token is no token at all
        return owner == instance_id

    def forget(self, instance_id: str) -> None:
        """Drop every token of an instance (it was deleted or restarted)."""
        for key in list(self._held.get(instance_id, ())):
            self._drop(key)

    def prune(self, now: float) -> None:
        """Drop expired tokens."""
        self._pruned_at = now
        for held in list(self._held.values()):
            for key in [key for key, expires in held.items() if expires <= now]:
                self._drop(key)

    def _drop(self, token: str) -> None:
        owner = self._owners.pop(token)
        held = self._held[owner]
        del held[token]
        if not held:
            del self._held[owner]


def _split_version(target: str) -> tuple[str | None, str] | None:
    """(version, path under it) for a request target, version None for the root itself;
    None for a target that is not a path. The query string is ignored, as ECS does."""
    path = unquote(target.split("?", 1)[0].split("#", 1)[0])
    if not path.startswith("/"):
        return None
    # empty segments (``//``) carry no meaning; clients that join URLs naively send them
    segments = path.split("/")
    trailing = path.endswith("/") and len(path) > 1
    parts = [segment for segment in segments if segment]
    if not parts:
        return None, ""
    rest = "/".join(parts[1:])
    if trailing and rest:
        rest += "/"
    return parts[0], rest


def _listing(metadata: Mapping[str, str], directory: str) -> list[str] | None:
    """The children of ``directory`` ("" is the root, else it ends with ``/``), sub-directories
    marked with a trailing ``/``; None when no path lies under it."""
    children: dict[str, bool] = {}
    for key in metadata:
        if not key.startswith(directory) or key == directory:
            continue
        head, slash, _ = key[len(directory) :].partition("/")
        if head:
            children[head] = children.get(head, False) or bool(slash)
    if not children:
        return None
    return [f"{name}/" if nested else name for name, nested in sorted(children.items())]


def _lookup(metadata: Mapping[str, str], path: str) -> Reply:
    value = metadata.get(path)
    if value is None and path.endswith("/"):
        # a leaf asked for as a directory: its value, as EC2-style services answer
        value = metadata.get(path.rstrip("/"))
    if value is not None:
        return Reply(200, _TEXT, _text(value))
    directory = path if path.endswith("/") or not path else path + "/"
    children = _listing(metadata, directory)
    if children is None:
        return _error(404)
    return Reply(200, _TEXT, _text("\n".join(children)))


def _issue_token(
    source: MetadataSource, tokens: Tokens, headers: Mapping[str, str], now: float
) -> Reply:
    if "x-forwarded-for" in headers:
        return _error(403)
    ttl_text = headers.get(TOKEN_TTL_HEADER, "").strip()
    # digits only: int() would also take "+5", " 5" or "1_000"
    if not ttl_text.isascii() or not ttl_text.isdigit() or len(ttl_text) > 6:
        return _error(400)
    ttl = int(ttl_text)
    if not 1 <= ttl <= MAX_TOKEN_TTL:
        return _error(400)
    token = tokens.issue(source.instance_id, ttl, now)
    return Reply(200, _TEXT, token.encode(), ((TOKEN_TTL_HEADER, str(ttl)),))


def answer(
    source: MetadataSource,
    tokens: Tokens,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: float,
) -> Reply:
    """The reply to one request of ``source``'s instance. ``target`` is the request target
    (path and query); header names may be in any case; HEAD is answered as GET (the server
    leaves the body out)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    split = _split_version(target)
    if split is None:
        return _error(404)
    version, path = split
    if version is not None and version not in VERSIONS:
        return _error(404)
    if version is not None and path == _TOKEN_PATH:
        if method != "PUT":
            return _error(405, (("Allow", "PUT"),))
        return _issue_token(source, tokens, lowered, now)
    if method not in ("GET", "HEAD"):
        return _error(405, (("Allow", "GET, HEAD"),))
    token = lowered.get(TOKEN_HEADER)
    if token is not None:
        if not tokens.validate(token.strip(), source.instance_id, now):
            return _error(401)
    elif source.tokens_required:
        return _error(401)
    if version is None:
        # the root lists the versions, as EC2-style services do (no trailing slashes)
        return Reply(200, _TEXT, "\n".join(VERSIONS).encode())
    return _lookup(source.metadata, path)

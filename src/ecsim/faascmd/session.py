"""What every command works with: the parsed flags, the credentials and the two clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from ecsim.faascmd.clients import Api
from ecsim.faascmd.credentials import Credentials
from ecsim.faascmd.oss import OssClient

__all__ = ["Command", "Session", "UsageError", "show_json"]

ROLE_NAME = "faasRole"
POLICY_NAME = "faasPolicy"


class UsageError(Exception):
    """A command line the tool does not accept (exit status 2)."""


@dataclass
class Session:
    flags: Mapping[str, str]
    credentials: Credentials
    out: TextIO
    api: Api = field(init=False)
    oss: OssClient = field(init=False)

    def __post_init__(self) -> None:
        c = self.credentials
        self.api = Api(c.endpoint, c.access_id, c.access_key, c.region)
        self.oss = OssClient(c.endpoint, c.access_id, c.access_key)

    def flag(self, name: str, default: str = "") -> str:
        return self.flags.get(name, default)

    def bucket(self) -> str:
        if not self.credentials.bucket:
            raise UsageError(
                "no OSS bucket is configured: run faascmd auth --bucket=<bucket> first"
            )
        return self.credentials.bucket

    def print(self, *lines: str) -> None:
        for line in lines:
            self.out.write(f"{line}\n")


@dataclass(frozen=True)
class Command:
    """One faascmd command: its flags (exact spelling) and what it does."""

    # None for config, which writes the credentials instead of using them
    run: Callable[[Session], None] | None
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    # the same flag under another spelling (the guide's --obejct)
    aliases: Mapping[str, str] = field(default_factory=dict)


# the guide prints absent names and descriptions as None
_NONE_WHEN_EMPTY = ("Name", "Description", "Tags")


def _guide_style(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("None" if k in _NONE_WHEN_EMPTY and v == "" else _guide_style(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_guide_style(v) for v in value]
    return value


def show_json(
    body: Mapping[str, Any], *, pretty: bool = False, drop_request_id: bool = False
) -> str:
    shown = {k: v for k, v in body.items() if not (drop_request_id and k == "RequestId")}
    if pretty:
        return json.dumps(_guide_style(shown), indent=4, sort_keys=True, ensure_ascii=False)
    return json.dumps(_guide_style(shown), separators=(",", ":"), ensure_ascii=False)

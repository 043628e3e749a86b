"""``~/.faascredentials``: the INI file ``faascmd config`` and ``faascmd auth`` write.

The guide's layout is kept as is ([FaaSCredentials] accessid/accesskey, [Role] role, [OSS]
bucket); where to reach ecsim sits in an extra [Endpoint] section the real tool never reads.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_REGION",
    "Credentials",
    "MissingCredentials",
    "credentials_path",
    "load",
    "save",
]

DEFAULT_ENDPOINT = "http://127.0.0.1:8080"
DEFAULT_REGION = "cn-hangzhou"
FILE_NAME = ".faascredentials"


class MissingCredentials(Exception):
    """No AccessKey pair was configured (the real tool fails with a NameError here)."""


@dataclass(frozen=True)
class Credentials:
    access_id: str
    access_key: str
    endpoint: str = DEFAULT_ENDPOINT
    region: str = DEFAULT_REGION
    role: str = ""
    bucket: str = ""


def credentials_path() -> Path:
    """In $HOME, as the guide's /root/.faascredentials for root."""
    return Path(os.environ.get("HOME") or Path.home()) / FILE_NAME


def _read(path: Path) -> configparser.ConfigParser:
    # keys keep their case: the file is also read by people
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if path.is_file():
        parser.read(path, encoding="utf-8")
    return parser


def load(path: Path | None = None) -> Credentials:
    parser = _read(path or credentials_path())
    access_id = parser.get("FaaSCredentials", "accessid", fallback="").strip()
    access_key = parser.get("FaaSCredentials", "accesskey", fallback="").strip()
    if not access_id or not access_key:
        raise MissingCredentials
    return Credentials(
        access_id=access_id,
        access_key=access_key,
        endpoint=parser.get("Endpoint", "url", fallback="").strip() or DEFAULT_ENDPOINT,
        region=parser.get("Endpoint", "region", fallback="").strip() or DEFAULT_REGION,
        role=parser.get("Role", "role", fallback="").strip(),
        bucket=parser.get("OSS", "bucket", fallback="").strip(),
    )


def save(updates: dict[str, dict[str, str]], path: Path | None = None) -> Path:
    """Merge ``updates`` (section -> key -> value) into the file, keeping everything else."""
    target = path or credentials_path()
    parser = _read(target)
    for section, values in updates.items():
        if not parser.has_section(section):
            parser.add_section(section)
        for key, value in values.items():
            parser.set(section, key, value)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the file holds a secret: only its owner reads it
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return target

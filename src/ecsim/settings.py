"""Server settings: one frozen value built by the CLI and handed to ``app.build_app``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Literal

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "ROOT_ACCOUNT_ID",
    "ROOT_ACCOUNT_NAME",
    "Limits",
    "Settings",
    "limits_from",
]

ROOT_ACCOUNT_ID = "1000000000000001"
ROOT_ACCOUNT_NAME = "root@ecsim.local"
DEFAULT_ACCESS_KEY_ID = "ecsim"
DEFAULT_ACCESS_KEY_SECRET = "ecsim-secret"

Dataplane = Literal["auto", "linux", "none"]


@dataclass(frozen=True)
class Limits:
    """Quotas and windows; defaults follow reference/ecs-api-semantics.md and are configurable."""

    # How far a request's Timestamp / x-acs-date may be from our clock.
    timestamp_skew_seconds: int = 15 * 60
    # How long a SignatureNonce stays used for one AccessKey.
    nonce_window_seconds: int = 15 * 60
    # Largest request body we read (UserData is at most 32 KiB; leave room for form bodies).
    max_body_bytes: int = 4 * 1024 * 1024
    # Security groups (reference §2.3; the emulator defaults of its last line).
    security_groups_per_region: int = 100
    security_groups_per_interface: int = 5
    rules_per_security_group: int = 200
    group_reference_rules_per_group: int = 20
    # VPC networking (Alibaba's documented defaults).
    vpcs_per_region: int = 10
    vswitches_per_vpc: int = 150
    eips_per_region: int = 20
    key_pairs_per_region: int = 500
    # FaaS (guide §8): images per account, one image request per window, and how long a
    # load task may stay "operating" before it times out by itself.
    fpga_images_per_account: int = 10
    fpga_image_request_window_seconds: int = 30 * 60
    fpga_load_timeout_seconds: int = 60


def limits_from(assignments: Iterable[str], base: Limits | None = None) -> Limits:
    """``NAME=N`` overrides (``ecsim serve --limit security_groups_per_region=2000``)."""
    known = {f.name for f in fields(Limits)}
    changes: dict[str, int] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            raise ValueError(f"unknown limit {assignment!r}; known: {', '.join(sorted(known))}")
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"limit {name} needs an integer, not {value!r}") from None
        if number < 0:
            raise ValueError(f"limit {name} cannot be negative")
        changes[name] = number
    return replace(base or Limits(), **changes)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".ecsim-data")
    # the CLI defaults to "auto" (contract 2); built in-process, an app touches no kernel
    # unless asked
    dataplane: Dataplane = "none"
    access_key_id: str = DEFAULT_ACCESS_KEY_ID
    access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET
    verify_signatures: bool = True
    realistic_delays: bool = False
    # full: each commit is fsynced before the answer; normal: it survives a crash of ecsim
    # (the WAL is written) but not of the machine, and mutating calls are faster.
    sync: Literal["full", "normal"] = "full"
    # Keep state in memory only (tests); the data dir is then unused.
    in_memory: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def database_path(self) -> str:
        return ":memory:" if self.in_memory else str(self.data_dir / "ecsim.sqlite3")

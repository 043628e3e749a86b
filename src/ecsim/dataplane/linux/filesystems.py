"""File systems an instance has mounted from a device, and freezing them (``fsfreeze``)
while a snapshot reads the device: frozen, a file system has written out everything and
marked itself clean, and takes no write until it is thawed.

``fsfreeze`` runs inside all the instance's namespaces: a mount point is a path the instance
controls, which could otherwise lead to a file system of the host.
"""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

from ecsim.dataplane.linux.loops import Dev

__all__ = ["fsfreeze", "mount_points", "thaw_left_frozen"]

log = logging.getLogger("ecsim.dataplane")

_ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
# mountinfo escapes blanks and backslashes in paths as octal
_ESCAPED = re.compile(r"\\([0-7]{3})")


def mount_points(pid: int, devices: set[Dev]) -> list[str]:
    """One mount point inside the instance per device of ``devices`` it has mounted."""
    found: dict[Dev, str] = {}
    try:
        lines = Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        try:
            major, minor = fields[2].split(":")
            dev = (int(major), int(minor))
        except (IndexError, ValueError):
            continue
        if dev in devices and dev not in found:
            found[dev] = _ESCAPED.sub(lambda m: chr(int(m.group(1), 8)), fields[4])
    return list(found.values())


def fsfreeze(pid: int, action: str, mount_point: str) -> bool:
    done = subprocess.run(
        ["nsenter", "-t", str(pid), "-a", "fsfreeze", action, mount_point],
        capture_output=True,
        text=True,
        env=_ENVIRONMENT,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        log.warning("data plane: fsfreeze %s %s: %s", action, mount_point, done.stderr.strip())
    return done.returncode == 0


def thaw_left_frozen(pid: int, devices: set[Dev]) -> None:
    """Thaw what a server killed mid-snapshot left frozen (it would block the guest's writes
    for good). A file system that is not frozen refuses the thaw, harmlessly: no warning."""
    for mount_point in mount_points(pid, devices):
        subprocess.run(
            ["nsenter", "-t", str(pid), "-a", "fsfreeze", "--unfreeze", mount_point],
            capture_output=True,
            env=_ENVIRONMENT,
            check=False,
            timeout=60,
        )

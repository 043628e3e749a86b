"""An instance's disk nodes, made by the host (there is no udev inside), and the marker its
wrapped partitioning tools leave when a partition table changed.

The marker lives in the instance directory's ``signals`` (the instance's /run/ecsim): a path
the instance controls, so it is looked at through a directory descriptor opened without
following links.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ecsim.dataplane.linux.loops import Dev

__all__ = ["marked", "node_script", "unmark"]

_MARKER = "disks-changed"


def node_script(nodes: dict[str, Dev]) -> str:
    """Shell for inside the instance: its vd* block nodes become exactly ``nodes``."""
    names = " ".join(sorted(nodes))
    lines = [
        "set -e",
        "cd /dev",
        # vda, the system disk, stays: it is the root's
        'for node in vd[b-z]*; do [ -b "$node" ] || continue; '
        f'case " {names} " in *" $node "*) ;; *) rm -f "$node" ;; esac; done',
    ]
    lines += [
        f"rm -f {name}; mknod -m 660 {name} b {major} {minor}"
        for name, (major, minor) in sorted(nodes.items())
    ]
    return "\n".join(lines) + "\n"


def _marker_dir(directory: Path) -> int | None:
    """The instance's /run/ecsim (the directory's ``signals``), whose entries are the
    instance's: looked at without following a link it may have put there."""
    try:
        return os.open(
            directory / "signals", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        )
    except OSError:
        return None


def marked(directory: Path) -> bool:
    fd = _marker_dir(directory)
    if fd is None:
        return False
    try:
        os.stat(_MARKER, dir_fd=fd, follow_symlinks=False)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def unmark(directory: Path) -> None:
    fd = _marker_dir(directory)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.unlink(_MARKER, dir_fd=fd)
        os.close(fd)

"""Crash-safe file replacement: write a temp name, fsync, rename, fsync the directory.

A reader (or a restart after a crash) sees either the old file or the complete new one, never
a torn write; left-over temp names are recognisable and swept by GC.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["TEMP_MARKER", "atomic_write", "fsync_dir", "is_temp"]

TEMP_MARKER = ".tmp-"


def is_temp(path: Path) -> bool:
    return TEMP_MARKER in path.name


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, sync: bool = True) -> None:
    temp = path.with_name(f"{path.name}{TEMP_MARKER}{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temp, path)
    if sync:
        fsync_dir(path.parent)

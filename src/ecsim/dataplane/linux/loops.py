"""Loop devices over disk images, and the partitions on them.

A loop device is found by its backing file in sysfs (``/sys/block/loopN/loop/backing_file``),
which also names an image deleted while attached (`` (deleted)``), so a restarted server
finds what an earlier one attached, and a released disk's device is still found. Attaching is
``losetup`` (it handles the race for a free device); detaching is LOOP_CLR_FD, which the
kernel defers to the last close when the device is still open (a file system mounted on it).
An image grown under an attached device shows once the device reads its size again
(LOOP_SET_CAPACITY, what ``losetup --set-capacity`` does), mounted file systems and all.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Loop",
    "attach",
    "backed_by",
    "detach",
    "file_size",
    "grow",
    "kernel_partitions",
    "loop_devices",
    "partition_table",
    "size_of",
]

_SYS_BLOCK = Path("/sys/block")
_LOOP_CLR_FD = 0x4C01
_LOOP_SET_CAPACITY = 0x4C07
_SECTOR = 512
# DOS extended partitions only hold the logical ones: no file system of their own
_CONTAINERS = frozenset({"5", "f", "85"})
_TRAILING_NUMBER = re.compile(r"(\d+)$")

Dev = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Loop:
    name: str  # loop3
    dev: Dev
    backing: str
    # a partition's window into the image (both 0: the whole image)
    offset: int = 0
    size_limit: int = 0


def _dev(text: str) -> Dev:
    major, minor = text.strip().split(":")
    return int(major), int(minor)


def loop_devices() -> list[Loop]:
    """Every attached loop device of the host."""
    found = []
    for backing_file in _SYS_BLOCK.glob("loop*/loop/backing_file"):
        info = backing_file.parent
        try:
            found.append(
                Loop(
                    name=info.parent.name,
                    dev=_dev((info.parent / "dev").read_text()),
                    backing=backing_file.read_text().rstrip("\n"),
                    offset=int((info / "offset").read_text()),
                    size_limit=int((info / "sizelimit").read_text()),
                )
            )
        except (OSError, ValueError):
            continue  # detached while listed
    return found


def backed_by(loop: Loop, image: Path) -> bool:
    return loop.backing in (str(image), f"{image} (deleted)")


def _undeleted(backing: str) -> str:
    return backing.removesuffix(" (deleted)")


def attach(image: Path, *, offset: int = 0, size: int = 0) -> Loop:
    """A new loop device over ``image`` (the whole of it, with partition scanning; or a
    partition's window of it)."""
    window = ["--offset", str(offset), "--sizelimit", str(size)] if offset else ["--partscan"]
    done = subprocess.run(
        ["losetup", "--find", "--show", *window, str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if done.returncode != 0:
        raise OSError(f"losetup {image}: {done.stderr.strip()}")
    name = Path(done.stdout.strip()).name
    return Loop(name, _dev((_SYS_BLOCK / name / "dev").read_text()), str(image), offset, size)


def detach(loop: Loop) -> None:
    """Detach ``loop`` (at its last close if it is still open); nothing if it is no longer
    bound to the same file (another may have taken the number since)."""
    try:
        fd = os.open(f"/dev/{loop.name}", os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, OSError):
        return
    try:
        try:
            backing = (_SYS_BLOCK / loop.name / "loop" / "backing_file").read_text()
        except OSError:
            return  # not bound any more
        if _undeleted(backing.rstrip("\n")) != _undeleted(loop.backing):
            return
        fcntl.ioctl(fd, _LOOP_CLR_FD)
    except OSError as error:
        if error.errno != errno.ENXIO:
            raise
    finally:
        os.close(fd)


def size_of(loop: Loop) -> int:
    """The size the device shows now, in bytes (0: no longer attached)."""
    try:
        return int((_SYS_BLOCK / loop.name / "size").read_text()) * _SECTOR
    except (OSError, ValueError):
        return 0


def file_size(image: Path) -> int:
    try:
        return image.stat().st_size
    except OSError:
        return 0


def grow(loop: Loop, size: int) -> int:
    """The device reads its backing file's size again (the file has grown) when it shows
    less than ``size`` bytes; the size it shows. Nothing if it is no longer bound to the
    same file."""
    shown = size_of(loop)
    if shown >= size:
        return shown
    try:
        fd = os.open(f"/dev/{loop.name}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return shown
    try:
        try:
            backing = (_SYS_BLOCK / loop.name / "loop" / "backing_file").read_text()
        except OSError:
            return shown
        if _undeleted(backing.rstrip("\n")) == _undeleted(loop.backing):
            fcntl.ioctl(fd, _LOOP_SET_CAPACITY)
    finally:
        os.close(fd)
    return size_of(loop)


def kernel_partitions(loop: Loop) -> dict[int, Dev]:
    """The partitions the kernel made of ``loop`` (loopNpM), by number."""
    found: dict[int, Dev] = {}
    for part in (_SYS_BLOCK / loop.name).glob(f"{loop.name}p*"):
        try:
            found[int((part / "partition").read_text())] = _dev((part / "dev").read_text())
        except (OSError, ValueError):
            continue
    return found


def partition_table(image: Path) -> dict[int, tuple[int, int]]:
    """The partitions written in ``image`` (DOS or GPT), by number: (offset, size) in bytes."""
    done = subprocess.run(
        ["sfdisk", "--json", str(image)], capture_output=True, text=True, check=False, timeout=30
    )
    if done.returncode != 0:
        return {}  # no partition table
    try:
        table = json.loads(done.stdout)["partitiontable"]
    except (ValueError, KeyError):
        return {}
    sector = int(table.get("sectorsize", 512))
    found: dict[int, tuple[int, int]] = {}
    for entry in table.get("partitions", []):
        number = _TRAILING_NUMBER.search(str(entry.get("node", "")))
        if number is None or str(entry.get("type", "")).lower() in _CONTAINERS:
            continue
        found[int(number.group(1))] = (int(entry["start"]) * sector, int(entry["size"]) * sector)
    return found

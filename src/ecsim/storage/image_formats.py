"""Disk image files as ImportImage receives them: RAW, QCOW2 and VHD, read in pure Python.

``open_image`` recognises the format from the file (or checks the one given) and returns a
``SourceImage``: the disk's virtual size and the extents that may hold data, as
``(offset, bytes)``; everything else reads as zeros. Supported:

- RAW: the bytes as they are;
- QCOW2 (versions 2 and 3): unencrypted, uncompressed clusters, no backing file, no external
  data file, no extended L2 entries; internal snapshots are ignored (the active image counts);
- VHD: fixed and dynamic disks (not differencing ones).

Anything else (VMDK, a compressed QCOW2, ...) is converted by ``qemu-img`` where it is
installed (``convert_with_qemu_img``), and refused otherwise.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ecsim.storage.base import StorageError

__all__ = [
    "FORMATS",
    "ImageFormatError",
    "SourceImage",
    "convert_with_qemu_img",
    "detect_format",
    "open_image",
]

FORMATS = ("RAW", "QCOW2", "VHD", "VMDK")
_PIECE = 1 << 20  # RAW is read in pieces this large
_QCOW2_MAGIC = b"QFI\xfb"
_VHD_COOKIE = b"conectix"
_VMDK_MAGIC = b"KDMV"
_SECTOR = 512
# QCOW2 incompatible features: 0 dirty, 1 corrupt, 2 external data file, 3 compression
# type, 4 extended L2 entries. A dirty image's refcounts may be stale; its data is fine.
_QCOW2_READABLE_FEATURES = 0b1001
_QCOW2_OFFSET_MASK = 0x00FF_FFFF_FFFF_FE00
_QCOW2_COMPRESSED = 1 << 62


class ImageFormatError(StorageError):
    """The file is not an image of the format given, or uses a feature ecsim cannot read."""


@dataclass(frozen=True)
class SourceImage:
    path: Path
    format: str
    virtual_size: int
    # where the guest's bytes live: RAW/fixed VHD contiguous, QCOW2 clusters, VHD blocks
    _extents: tuple[tuple[int, int, int], ...] = ()  # (guest offset, file offset, length)

    def extents(self) -> Iterator[tuple[int, bytes]]:
        """(guest offset, bytes) for every stretch that may hold data, in offset order."""
        with self.path.open("rb") as file:
            for guest, at, length in self._extents:
                for done in range(0, length, _PIECE):
                    take = min(_PIECE, length - done)
                    file.seek(at + done)
                    data = file.read(take)
                    if len(data) != take:
                        raise ImageFormatError(f"{self.format} image ends early at {at + done}")
                    yield guest + done, data


def detect_format(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(_SECTOR)
        size = file.seek(0, 2)
        file.seek(max(0, size - _SECTOR))
        tail = file.read(_SECTOR)
    if head.startswith(_QCOW2_MAGIC):
        return "QCOW2"
    if head.startswith(_VMDK_MAGIC) or head.startswith(b"# Disk DescriptorFile"):
        return "VMDK"
    if tail.startswith(_VHD_COOKIE) or head.startswith(_VHD_COOKIE):
        return "VHD"
    return "RAW"


def open_image(path: Path, given: str | None = None) -> SourceImage:
    """The image at ``path``; ``given`` (a FORMATS value) must match what the file is."""
    found = detect_format(path)
    # a RAW disk may begin with any bytes, so RAW given is taken at its word
    fmt = "RAW" if given == "RAW" else found
    if given is not None and given != fmt:
        raise ImageFormatError(f"the file is not a {given} image (it looks like {found})")
    if fmt == "RAW":
        size = path.stat().st_size
        return SourceImage(path, fmt, size, ((0, 0, size),))
    with path.open("rb") as file:
        if fmt == "QCOW2":
            return _qcow2(path, file)
        if fmt == "VHD":
            return _vhd(path, file)
    raise ImageFormatError(f"{fmt} images are read only through qemu-img, which is not installed")


def convert_with_qemu_img(source: Path, fmt: str, target: Path) -> bool:
    """Convert ``source`` to a RAW file at ``target`` with qemu-img; False when not installed."""
    tool = shutil.which("qemu-img")
    if tool is None:
        return False
    done = subprocess.run(
        [tool, "convert", "-f", fmt.lower(), "-O", "raw", str(source), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ImageFormatError(f"qemu-img could not read the {fmt} image: {done.stderr.strip()}")
    return True


# -- QCOW2 -------------------------------------------------------------------------------------


def _qcow2(path: Path, file: BinaryIO) -> SourceImage:
    header = _read(file, 0, 104)
    (version, backing, cluster_bits, size, crypt, l1_size, l1_offset) = struct.unpack(
        ">4xIQ4xIQIIQ", header[:48]
    )
    features = struct.unpack(">Q", header[72:80])[0] if version >= 3 else 0
    if version not in (2, 3):
        raise ImageFormatError(f"QCOW2 version {version} is not supported")
    if backing:
        raise ImageFormatError("a QCOW2 image with a backing file cannot be imported alone")
    if crypt:
        raise ImageFormatError("encrypted QCOW2 images are not supported")
    if features & ~_QCOW2_READABLE_FEATURES:
        raise ImageFormatError(f"QCOW2 incompatible features {features:#x} are not supported")
    if not 9 <= cluster_bits <= 21:
        raise ImageFormatError(f"QCOW2 cluster_bits {cluster_bits} is out of range")
    cluster = 1 << cluster_bits
    per_l2 = cluster // 8
    l1 = struct.unpack(f">{l1_size}Q", _read(file, l1_offset, 8 * l1_size))
    extents: list[tuple[int, int, int]] = []
    for l1_index, l1_entry in enumerate(l1):
        table = l1_entry & _QCOW2_OFFSET_MASK
        if not table:
            continue  # a whole L2 range unallocated: zeros
        entries = struct.unpack(f">{per_l2}Q", _read(file, table, cluster))
        for l2_index, entry in enumerate(entries):
            guest = (l1_index * per_l2 + l2_index) * cluster
            if guest >= size:
                break
            if entry & _QCOW2_COMPRESSED:
                raise ImageFormatError("compressed QCOW2 clusters are not supported")
            at = entry & _QCOW2_OFFSET_MASK
            # bit 0 (version 3): the cluster reads as zeros whatever it points at
            if at and not (version >= 3 and entry & 1):
                extents.append((guest, at, min(cluster, size - guest)))
    return SourceImage(path, "QCOW2", size, _merged(extents))


# -- VHD ---------------------------------------------------------------------------------------


def _vhd(path: Path, file: BinaryIO) -> SourceImage:
    end = file.seek(0, 2)
    footer = _read(file, end - _SECTOR, _SECTOR)
    if not footer.startswith(_VHD_COOKIE):
        footer = _read(file, 0, _SECTOR)  # a footer copy heads dynamic disks
    data_offset, size = struct.unpack(">Q", footer[16:24])[0], struct.unpack(">Q", footer[48:56])[0]
    disk_type = struct.unpack(">I", footer[60:64])[0]
    if disk_type == 2:  # fixed: the data, then the footer
        if end - _SECTOR < size:
            raise ImageFormatError("the fixed VHD is shorter than its size")
        return SourceImage(path, "VHD", size, ((0, 0, size),))
    if disk_type != 3:
        raise ImageFormatError(f"VHD disk type {disk_type} (differencing?) is not supported")
    header = _read(file, data_offset, 1024)
    if not header.startswith(b"cxsparse"):
        raise ImageFormatError("the dynamic VHD has no dynamic disk header")
    table, entries, block = struct.unpack(">Q4xII", header[16:36])
    bitmap = -(-(block // _SECTOR // 8) // _SECTOR) * _SECTOR
    bat = struct.unpack(f">{entries}I", _read(file, table, 4 * entries))
    extents = [
        (index * block, sector * _SECTOR + bitmap, min(block, size - index * block))
        for index, sector in enumerate(bat)
        if sector != 0xFFFFFFFF and index * block < size
    ]
    return SourceImage(path, "VHD", size, _merged(extents))


# -- helpers -----------------------------------------------------------------------------------


def _read(file: BinaryIO, offset: int, length: int) -> bytes:
    file.seek(offset)
    data = file.read(length)
    if len(data) != length:
        raise ImageFormatError(f"the image ends early (wanted {length} bytes at {offset})")
    return data


def _merged(extents: list[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    """Adjacent extents that are adjacent in the file too become one (fewer, larger reads)."""
    merged: list[tuple[int, int, int]] = []
    for guest, at, length in sorted(extents):
        if merged:
            g, a, n = merged[-1]
            if g + n == guest and a + n == at:
                merged[-1] = (g, a, n + length)
                continue
        merged.append((guest, at, length))
    return tuple(merged)

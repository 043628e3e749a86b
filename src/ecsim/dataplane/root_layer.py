"""Where in a system disk's image the instance's root file system is.

ecsim's own system disks are one ext4 file system over the whole disk (``start.sh`` formats a
blank one). A distribution's disk, as ImportImage brings it, carries a partition table (DOS or
GPT) with the root on a partition, perhaps beside a BIOS-boot, an EFI (FAT) or a separate
/boot partition. The rule: the root is the largest partition that holds an ext2/3/4 or XFS
file system (the first of equal ones), told by its superblock, so /boot (smaller) and EFI or
swap (no such superblock) are passed over. A whole disk without a partition table is the
root as it is. Only the superblocks' magic numbers are read here; mounting is the driver's.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXT4", "XFS", "Reader", "RootLayer", "Table", "file_reader", "find_root", "probe"]

# the file system types ``mount -t`` takes for them (ext4 mounts ext2 and ext3 as well)
EXT4 = "ext4"
XFS = "xfs"
# what ``probe`` reads from a file system's start: the ext superblock is at 1024
HEAD_BYTES = 2048
_EXT_SUPERBLOCK = 1024
_EXT_MAGIC = 0xEF53
_XFS_MAGIC = b"XFSB"

# a DOS partition table's (and GPT's protective one's) last two bytes in the first sector
_SECTOR = 512
_SIGNATURE_AT = 510
_SIGNATURE = b"\x55\xaa"

# (offset, length) -> bytes read there (fewer at the end of the image)
Reader = Callable[[int, int], bytes]
# partition number -> (offset, size) in bytes
Table = Mapping[int, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class RootLayer:
    """The root file system's type and its window in the image (0, 0: the whole image), and
    the partition's number (None: the whole disk)."""

    fstype: str
    offset: int
    size: int
    number: int | None


def probe(head: bytes) -> str | None:
    """The type of the file system whose first ``HEAD_BYTES`` are ``head`` (ext2/3/4 or
    XFS), or None."""
    if len(head) >= _EXT_SUPERBLOCK + 64:
        # s_inodes_count, s_blocks_count_lo, ..., s_log_block_size at 24, s_magic at 56
        inodes, blocks = struct.unpack_from("<II", head, _EXT_SUPERBLOCK)
        (log_block,) = struct.unpack_from("<I", head, _EXT_SUPERBLOCK + 24)
        (magic,) = struct.unpack_from("<H", head, _EXT_SUPERBLOCK + 56)
        if magic == _EXT_MAGIC and inodes and blocks and log_block <= 6:
            return EXT4
    if len(head) >= 8 and head[:4] == _XFS_MAGIC:
        (block_size,) = struct.unpack_from(">I", head, 4)
        if 512 <= block_size <= 65536 and block_size & (block_size - 1) == 0:
            return XFS
    return None


def find_root(read: Reader, partitions: Callable[[], Table]) -> RootLayer | None:
    """The root file system of a disk read through ``read``, whose partition table
    ``partitions`` reads (asked only when the first sector carries the boot signature, as
    every DOS table and GPT's protective one does); None when the root is the whole disk's
    ext4 (ecsim's own layout, the default) or when nothing qualifies."""
    table = partitions() if read(0, _SECTOR)[_SIGNATURE_AT:_SECTOR] == _SIGNATURE else {}
    if not table:
        # an XFS disk needs saying; an ext4 or blank one is what start.sh expects anyway
        return RootLayer(XFS, 0, 0, None) if probe(read(0, HEAD_BYTES)) == XFS else None
    best: RootLayer | None = None
    for number in sorted(table):
        offset, size = table[number]
        fstype = probe(read(offset, HEAD_BYTES)) if size >= HEAD_BYTES else None
        if fstype is not None and (best is None or size > best.size):
            best = RootLayer(fstype, offset, size, number)
    return best


def file_reader(image: Path) -> Reader:
    """A ``Reader`` over an image file."""

    def read(offset: int, length: int) -> bytes:
        with image.open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    return read

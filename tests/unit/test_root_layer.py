"""Which part of a system disk's image is the root file system: superblocks told apart by
their magic numbers, and the rule (the largest ext2/3/4 or XFS partition; a whole disk as it
is), over synthetic images and, where mkfs.ext4 and sfdisk are installed, real ones."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from ecsim.dataplane.linux.loops import partition_table
from ecsim.dataplane.root_layer import (
    EXT4,
    XFS,
    Reader,
    RootLayer,
    Table,
    file_reader,
    find_root,
    probe,
)

MIB = 2**20


def _ext(head: bytearray, at: int = 0) -> None:
    """An ext superblock's fields ``probe`` reads, at ``at`` (the file system's start)."""
    struct.pack_into("<II", head, at + 1024, 128, 4096)  # inodes, blocks
    struct.pack_into("<I", head, at + 1024 + 24, 2)  # 4 KiB blocks
    struct.pack_into("<H", head, at + 1024 + 56, 0xEF53)


def _xfs(head: bytearray, at: int = 0) -> None:
    head[at : at + 4] = b"XFSB"
    struct.pack_into(">I", head, at + 4, 4096)


def _disk(size: int, table: bool) -> bytearray:
    disk = bytearray(size)
    if table:
        disk[510:512] = b"\x55\xaa"
    return disk


def _reader(disk: bytearray) -> Reader:
    return lambda offset, length: bytes(disk[offset : offset + length])


def test_superblocks_are_told_by_their_magic() -> None:
    ext, xfs = bytearray(2048), bytearray(2048)
    _ext(ext)
    _xfs(xfs)
    assert (probe(bytes(ext)), probe(bytes(xfs)), probe(bytes(2048))) == (EXT4, XFS, None)
    # the magic alone is not enough: an ext superblock with no blocks, an XFS with a block
    # size that is none
    struct.pack_into("<I", ext, 1028, 0)
    struct.pack_into(">I", xfs, 4, 1000)
    assert (probe(bytes(ext)), probe(bytes(xfs)), probe(b"XFSB")) == (None, None, None)


def test_the_root_is_the_largest_linux_partition() -> None:
    disk = _disk(16 * MIB, table=True)
    # 1: BIOS boot (nothing), 2: /boot (ext4, small), 3: the root (XFS), 4: swap (nothing)
    table: Table = {1: (MIB, MIB), 2: (2 * MIB, 2 * MIB), 3: (4 * MIB, 8 * MIB), 4: (12 * MIB, MIB)}
    _ext(disk, 2 * MIB)
    _xfs(disk, 4 * MIB)
    found = find_root(_reader(disk), lambda: table)
    assert found == RootLayer(XFS, 4 * MIB, 8 * MIB, 3)
    # of equal ones, the first
    _ext(disk, 12 * MIB)
    table = {1: (2 * MIB, MIB), 2: (12 * MIB, MIB)}
    assert find_root(_reader(disk), lambda: table) == RootLayer(EXT4, 2 * MIB, MIB, 1)
    # no partition with a file system of those: none (start.sh falls back)
    assert find_root(_reader(_disk(4 * MIB, table=True)), lambda: {1: (MIB, MIB)}) is None


def test_a_whole_disk_is_read_without_asking_for_a_table() -> None:
    def no_table() -> Table:
        raise AssertionError("no boot signature: no table to read")

    ext, xfs = _disk(4096, table=False), _disk(4096, table=False)
    _ext(ext)
    _xfs(xfs)
    # ecsim's own layout (whole-disk ext4) and a blank disk need no saying; XFS does
    assert find_root(_reader(ext), no_table) is None
    assert find_root(_reader(_disk(4096, table=False)), no_table) is None
    assert find_root(_reader(xfs), no_table) == RootLayer(XFS, 0, 0, None)


@pytest.mark.skipif(
    shutil.which("sfdisk") is None or shutil.which("mkfs.ext4") is None,
    reason="needs sfdisk and mkfs.ext4",
)
def test_a_real_gpt_disk_with_an_efi_and_a_root_partition(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    with image.open("wb") as handle:
        handle.truncate(48 * MIB)
    script = "label: gpt\nstart=2048, size=8192, type=U\nstart=10240, type=L\n"
    subprocess.run(["sfdisk", "-q", str(image)], input=script, text=True, check=True)
    root_offset = 10240 * 512
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", f"offset={root_offset}", str(image), "20M"],
        check=True,
        capture_output=True,
    )
    found = find_root(file_reader(image), lambda: partition_table(image))
    assert found is not None
    assert (found.fstype, found.offset, found.number) == (EXT4, root_offset, 2)

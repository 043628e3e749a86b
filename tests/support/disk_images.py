"""Disk bytes for the storage tests: a server's disk images, and QCOW2/VHD files made here.

``image_of`` is the raw image the server keeps for a disk (the file an attached instance
writes): tests write through it as an instance would, and read a disk's bytes back from it.
The writers build the smallest valid QCOW2 (version 2 or 3) and VHD (fixed or dynamic) files
holding given bytes, so the import tests need no qemu-img.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

__all__ = ["image_of", "qcow2_image", "read_disk", "vhd_image", "write_disk"]

_SECTOR = 512


def image_of(data_dir: Path, disk_id: str) -> Path:
    return data_dir / "blocks" / "disks" / f"{disk_id}.img"


def write_disk(data_dir: Path, disk_id: str, offset: int, data: bytes) -> None:
    """Write into the disk's image as an instance would (behind the engine's back)."""
    fd = os.open(image_of(data_dir, disk_id), os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_disk(data_dir: Path, disk_id: str, offset: int, length: int) -> bytes:
    with image_of(data_dir, disk_id).open("rb") as f:
        f.seek(offset)
        return f.read(length)


def qcow2_image(
    size: int,
    extents: dict[int, bytes],
    *,
    version: int = 3,
    cluster_bits: int = 16,
    zero_flagged: tuple[int, ...] = (),
) -> bytes:
    """A QCOW2 file of ``size`` bytes whose clusters at the offsets of ``extents`` (each
    cluster-aligned, at most a cluster long) hold those bytes; the clusters at
    ``zero_flagged`` offsets get data but are marked 'reads as zeros' (version 3)."""
    cluster = 1 << cluster_bits
    per_l2 = cluster // 8
    clusters = -(-size // cluster)
    l1_size = -(-clusters // per_l2)
    header_len = 104 if version >= 3 else 72
    # layout: header | refcount table | refcount block | L1 | L2 tables | data, each
    # cluster-aligned (refcounts are for qemu-img, which checks them; the reader needs none)
    l1_offset = 3 * cluster
    l2_offset = l1_offset + cluster * -(-(8 * l1_size) // cluster)
    l2_tables: dict[int, list[int]] = {}
    data_at = l2_offset + cluster * l1_size
    body = bytearray()
    for guest in sorted({*extents, *zero_flagged}):
        assert guest % cluster == 0
        index = guest // cluster
        entry = data_at + len(body)
        payload = extents.get(guest, b"\xee" * cluster)
        body += payload.ljust(cluster, b"\0")
        flags = 1 if guest in zero_flagged else 0
        l2_tables.setdefault(index // per_l2, [0] * per_l2)[index % per_l2] = (
            entry | (1 << 63) | flags
        )
    l1 = [0] * l1_size
    tables = bytearray()
    for table in range(l1_size):
        if table in l2_tables:
            l1[table] = (l2_offset + table * cluster) | (1 << 63)
        tables += struct.pack(f">{per_l2}Q", *l2_tables.get(table, [0] * per_l2))
    header = struct.pack(
        ">4sIQIIQIIQQIIQ",
        b"QFI\xfb",
        version,
        0,  # no backing file
        0,
        cluster_bits,
        size,
        0,  # not encrypted
        l1_size,
        l1_offset,
        cluster,  # the refcount table, one cluster
        1,
        0,
        0,
    )
    if version >= 3:
        header += struct.pack(">QQQII", 0, 0, 0, 4, header_len)
    total = (data_at + len(body)) // cluster
    assert total <= cluster // 2, "one refcount block covers this many clusters"
    out = bytearray(header.ljust(cluster, b"\0"))
    out += struct.pack(">Q", 2 * cluster).ljust(cluster, b"\0")
    out += struct.pack(f">{total}H", *([1] * total)).ljust(cluster, b"\0")
    out += struct.pack(f">{l1_size}Q", *l1).ljust(l2_offset - l1_offset, b"\0")
    out += tables
    out += body
    return bytes(out)


def vhd_image(size: int, extents: dict[int, bytes], *, dynamic: bool = False) -> bytes:
    """A fixed (or dynamic, 2 MiB blocks) VHD of ``size`` bytes holding ``extents``."""
    disk = bytearray(size)
    for offset, data in extents.items():
        disk[offset : offset + len(data)] = data
    if not dynamic:
        return bytes(disk) + _vhd_footer(size, 2, 0xFFFFFFFFFFFFFFFF)
    block = 2 << 20
    entries = -(-size // block)
    table_at = 3 * _SECTOR + 1024
    bat_bytes = -(-(4 * entries) // _SECTOR) * _SECTOR
    data_at = table_at + bat_bytes
    bitmap = _SECTOR  # 2 MiB blocks: 4096 sectors, a 512-byte bitmap
    bat = [0xFFFFFFFF] * entries
    blocks = bytearray()
    for index in range(entries):
        chunk = bytes(disk[index * block : (index + 1) * block])
        if chunk.count(0) == len(chunk):
            continue
        bat[index] = (data_at + len(blocks)) // _SECTOR
        blocks += b"\xff" * bitmap + chunk.ljust(block, b"\0")
    footer = _vhd_footer(size, 3, _SECTOR)
    header = b"cxsparse" + struct.pack(
        ">QQIII", 0xFFFFFFFFFFFFFFFF, table_at, 0x00010000, entries, block
    )
    out = bytearray(footer)
    out += header.ljust(1024, b"\0")
    out += b"\0" * (table_at - len(out))
    out += struct.pack(f">{entries}I", *bat).ljust(bat_bytes, b"\xff")
    out += blocks
    out += footer
    return bytes(out)


def _vhd_footer(size: int, disk_type: int, data_offset: int) -> bytes:
    footer = bytearray(_SECTOR)
    footer[0:8] = b"conectix"
    struct.pack_into(">IIQ", footer, 8, 2, 0x00010000, data_offset)
    # "qem2": readers take the size below, not the CHS geometry (as Hyper-V's do)
    footer[28:32] = b"qem2"
    struct.pack_into(">QQ", footer, 40, size, size)
    struct.pack_into(">I", footer, 60, disk_type)
    checksum = ~sum(footer) & 0xFFFFFFFF
    struct.pack_into(">I", footer, 64, checksum)
    return bytes(footer)

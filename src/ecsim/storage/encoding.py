"""How a block's content is stored: whole, or as the pages that differ from a base block.

A block (1 MiB by default) is named by the BLAKE3 hash of its content, however it is stored.
Guests write in pages (4 KiB, a file system's block), so a snapshot after a small change
would store 256 times the bytes written if blocks were stored whole. Instead a block whose
content is mostly that of a *base* block (the disk's previous version of the same block, or
zeros) is stored as a patch: a bitmap of the pages that differ and those pages. A patch
larger than half a block is not worth its indirection and the block is stored whole.

Everything here is pure: bytes in, bytes out.
"""

from __future__ import annotations

import blake3

__all__ = [
    "PAGE_SIZE",
    "apply_patch",
    "bitmap_length",
    "block_hash",
    "changed_pages",
    "encode_patch",
    "page_size",
    "patch_pages",
    "patch_worthwhile",
    "stored_length",
]

PAGE_SIZE = 4096
_WORD = bytes(8)


def block_hash(data: bytes | bytearray | memoryview) -> str:
    return blake3.blake3(data).hexdigest()


def page_size(block_size: int) -> int:
    return min(PAGE_SIZE, block_size)


def changed_pages(new: bytes, base: bytes | None, page: int) -> list[int]:
    """Indices of the pages of ``new`` that differ from ``base`` (None: zeros)."""
    if base is None:
        zero = bytes(page)
        # the 8-byte probe settles a page of real data at once; only zero-led pages get a
        # full compare (bytes slices compare with memcmp; memoryviews item by item)
        return [
            i // page
            for i in range(0, len(new), page)
            if new[i : i + 8] != _WORD or new[i : i + page] != zero
        ]
    if new == base:
        return []
    return [i // page for i in range(0, len(new), page) if new[i : i + page] != base[i : i + page]]


def bitmap_length(block_size: int, page: int) -> int:
    """Bytes of a patch's page bitmap: metadata, not counted as stored data."""
    return (block_size // page + 7) // 8


def patch_worthwhile(pages: int, block_size: int, page: int) -> bool:
    return pages * page * 2 <= block_size


def stored_length(pages: int, block_size: int, page: int) -> int:
    """Data bytes a new block costs: its differing pages as a patch, or the whole block."""
    return pages * page if patch_worthwhile(pages, block_size, page) else block_size


def encode_patch(new: bytes, pages: list[int], page: int) -> bytes:
    """The bitmap of ``pages`` (one bit per page of the block) followed by those pages."""
    bitmap = bytearray(bitmap_length(len(new), page))
    for index in pages:
        bitmap[index // 8] |= 1 << (index % 8)
    return bytes(bitmap) + b"".join(new[i * page : (i + 1) * page] for i in pages)


def patch_pages(payload: bytes, block_size: int, page: int) -> list[int]:
    bitmap = payload[: bitmap_length(block_size, page)]
    return [i for i in range(block_size // page) if bitmap[i // 8] >> (i % 8) & 1]


def apply_patch(base: bytes | None, payload: bytes, block_size: int, page: int) -> bytes:
    """The block a patch describes over ``base`` (None: zeros)."""
    pages = patch_pages(payload, block_size, page)
    at = bitmap_length(block_size, page)
    if len(payload) != at + len(pages) * page:
        raise ValueError("patch length does not match its bitmap")
    block = bytearray(base if base is not None else bytes(block_size))
    for index in pages:
        block[index * page : (index + 1) * page] = payload[at : at + page]
        at += page
    return bytes(block)

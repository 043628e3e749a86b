"""A disk: a sparse raw image file read and written in fixed-size blocks.

The file is what the data plane later loop-mounts, so anything may write it. The engine's own
writes keep a dirty-block set since the disk's base snapshot (the one it was last snapshotted,
created or reset from), and remember the file's mtime after each write: if the mtime moved
without the engine, someone wrote behind its back and the dirty set cannot be trusted, so the
next snapshot falls back to hashing every allocated block.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ecsim.storage.atomic import atomic_write
from ecsim.storage.flushing import Flusher

__all__ = ["Volume"]


class Volume:
    def __init__(self, image: Path, block_size: int, *, sync: bool = True) -> None:
        self.image = image
        self.block_size = block_size
        self._sync = sync
        self._state = image.with_suffix(".json")
        self.base: str | None = None
        self._dirty: set[int] | None = None  # None: unknown, hash everything
        self._seen_mtime: int | None = None
        if self._state.exists():
            self.base = json.loads(self._state.read_bytes()).get("base")

    @property
    def size(self) -> int:
        return self.image.stat().st_size

    @property
    def block_count(self) -> int:
        return -(-self.size // self.block_size)

    def create(self, size: int) -> None:
        if size <= 0 or size % self.block_size:
            raise ValueError(f"disk size {size} is not a positive multiple of {self.block_size}")
        fd = os.open(self.image, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.ftruncate(fd, size)  # sparse: no block is allocated until written
        finally:
            os.close(fd)
        self.rebase(None)

    def grow(self, size: int) -> None:
        """Extend the image to ``size`` bytes; the new tail is a hole, so it reads as zeros."""
        if size % self.block_size or size < self.size:
            raise ValueError(f"cannot grow a disk of {self.size} bytes to {size}")
        # the dirty set stays true only if nobody wrote the file since the engine last did
        clean = self.dirty_blocks() is not None
        os.truncate(self.image, size)
        if clean:
            self._seen_mtime = self.image.stat().st_mtime_ns
        else:
            self._dirty = None

    def remove(self) -> None:
        self.image.unlink(missing_ok=True)
        self._state.unlink(missing_ok=True)

    def rebase(self, snapshot_id: str | None) -> None:
        """The disk now equals ``snapshot_id`` (or is blank): nothing is dirty."""
        self.base = snapshot_id
        self._dirty = set()
        self._seen_mtime = self.image.stat().st_mtime_ns
        atomic_write(self._state, json.dumps({"base": snapshot_id}).encode(), sync=self._sync)

    def dirty_blocks(self) -> set[int] | None:
        """Blocks written since the base snapshot, or None when only hashing can tell."""
        if self._dirty is None or self.image.stat().st_mtime_ns != self._seen_mtime:
            return None
        return set(self._dirty)

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(f"range {offset}+{length} outside a disk of {self.size} bytes")

    def write(self, offset: int, data: bytes) -> None:
        self._check(offset, len(data))
        if not data:
            return
        fd = os.open(self.image, os.O_WRONLY)
        try:
            _pwrite_all(fd, data, offset)
            mtime = os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
        if self._dirty is not None:
            first, last = offset // self.block_size, (offset + len(data) - 1) // self.block_size
            self._dirty.update(range(first, last + 1))
            self._seen_mtime = mtime

    def read(self, offset: int, length: int) -> bytes:
        self._check(offset, length)
        with self.image.open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def read_blocks(self, indices: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """Whole blocks, read through one descriptor (a snapshot reads thousands)."""
        fd = os.open(self.image, os.O_RDONLY)
        try:
            for index in indices:
                data = os.pread(fd, self.block_size, index * self.block_size)
                yield index, data.ljust(self.block_size, b"\0")
        finally:
            os.close(fd)

    def allocated_blocks(self) -> Iterator[int]:
        """Blocks that may hold data; holes of a sparse file are skipped without reading."""
        size, bs = self.size, self.block_size
        fd = os.open(self.image, os.O_RDONLY)
        try:
            pos = 0
            while pos < size:
                try:
                    start = os.lseek(fd, pos, os.SEEK_DATA)
                    end = os.lseek(fd, start, os.SEEK_HOLE)
                except OSError:  # ENXIO: no data past pos; or no SEEK_DATA support
                    if pos == 0 and not _supports_seek_data(fd):
                        yield from range(self.block_count)
                    return
                yield from range(start // bs, -(-end // bs))
                pos = -(-end // bs) * bs
        finally:
            os.close(fd)

    def untrack(self) -> None:
        """Something else writes the file now (an attached instance): trust only hashes."""
        self._dirty = None

    def restore(self, blocks: Iterable[tuple[int, bytes]], size: int) -> None:
        """Make the file exactly ``blocks`` (others zero) at ``size`` bytes."""
        fd = os.open(self.image, os.O_WRONLY)
        try:
            # truncating to zero frees every block, keeping the inode a loop device may hold
            os.ftruncate(fd, 0)
            os.ftruncate(fd, size)
            with Flusher(fd, enabled=self._sync) as flusher:
                for index, data in blocks:
                    _pwrite_all(fd, data, index * self.block_size)
                    flusher.wrote(len(data))
            if self._sync:
                os.fsync(fd)
        finally:
            os.close(fd)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done


def _supports_seek_data(fd: int) -> bool:
    try:
        os.lseek(fd, 0, os.SEEK_HOLE)
    except OSError:
        return False
    return True

"""Object bytes as files under the storage root, written durably and read in chunks.

A body is written to a staging file while it arrives (never held whole in memory), fsynced,
and renamed into place only once complete, so a crash or a refused request never leaves a
half-written object where a reader could see it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ecsim.control.oss_checksums import Digest

__all__ = ["BlobFiles", "StagedBlob"]

CHUNK = 1024 * 1024


class StagedBlob:
    """A blob being written; ``commit`` makes it durable under its final name."""

    def __init__(self, files: BlobFiles, staging: Path) -> None:
        self._files = files
        self._path = staging
        self._handle: BinaryIO | None = open(staging, "wb")  # noqa: SIM115 - closed in commit/discard
        self._digest = Digest()
        # Bodies arrive in socket-sized pieces (~64 KiB); hashing and writing them in 1 MiB
        # runs costs a sixteenth of the calls.
        self._pending = bytearray()

    @property
    def digest(self) -> Digest:
        """The checksums of everything written so far."""
        if self._handle is not None:
            self._flush()
        return self._digest

    def write(self, chunk: bytes) -> None:
        assert self._handle is not None
        self._pending += chunk
        if len(self._pending) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        assert self._handle is not None
        if self._pending:
            block = bytes(self._pending)
            self._pending.clear()
            self._digest.update(block)
            self._handle.write(block)

    def commit(self) -> str:
        """Fsync, rename into place, and return the blob's name."""
        assert self._handle is not None
        self._flush()
        handle, self._handle = self._handle, None
        handle.flush()
        if self._files.durable:
            os.fsync(handle.fileno())
        handle.close()
        name = self._files.stage_name()
        os.replace(self._path, self._files.path(name))
        return name

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._path.unlink(missing_ok=True)


class BlobFiles:
    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self._objects = root / "objects"
        self._staging = root / "staging"
        self.durable = durable
        self._objects.mkdir(parents=True, exist_ok=True)
        self._staging.mkdir(parents=True, exist_ok=True)
        # leftovers of uploads cut off by a crash are never referenced: drop them
        for leftover in self._staging.iterdir():
            leftover.unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        return self._objects / name

    def stage_name(self) -> str:
        """A fresh name for a blob."""
        return uuid.uuid4().hex

    def stage(self) -> StagedBlob:
        return StagedBlob(self, self._staging / uuid.uuid4().hex)

    def read(self, name: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from ``start``, ``length`` of them (all when None), in chunks."""
        with open(self.path(name), "rb") as handle:
            handle.seek(start)
            left = length
            while left is None or left > 0:
                chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

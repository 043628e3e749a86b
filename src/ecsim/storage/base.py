"""The BlockStore protocol: disks that hold real bytes, and snapshots of them.

``control/`` decides *when* a disk is created, snapshotted, reset or deleted; a BlockStore
decides *how*. Two implementations share this contract: ``files.FileBlockStore`` (sparse raw
images plus a content-addressed chunk store on the host) and ``fake.FakeBlockStore`` (memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = [
    "BlockStore",
    "DiskExists",
    "DiskNotFound",
    "GcReport",
    "ProgressFn",
    "SnapshotExists",
    "SnapshotInfo",
    "SnapshotNotFound",
    "StorageError",
    "VerifyReport",
]

# Called with (bytes done, bytes total) while a snapshot or restore runs; DescribeSnapshots'
# Progress and RemainTime are derived from it.
ProgressFn = Callable[[int, int], None]


class StorageError(Exception):
    """Base of the engine's errors; control/ maps them onto ECS error codes."""


class DiskNotFound(StorageError):
    pass


class DiskExists(StorageError):
    pass


class SnapshotNotFound(StorageError):
    pass


class SnapshotExists(StorageError):
    pass


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """What a snapshot is, as the engine sees it."""

    snapshot_id: str
    disk_id: str
    parent_id: str | None  # the disk's previous snapshot, or None for a full one
    size: int  # the disk's size in bytes when taken
    block_size: int
    blocks: int  # non-zero blocks the snapshot references
    changed_blocks: int  # blocks that differ from the parent (all of them when no parent)
    stored_bytes: int  # block data this snapshot added: whole blocks, and pages of patches


@dataclass(frozen=True, slots=True)
class GcReport:
    removed_chunks: int
    removed_bytes: int


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int
    corrupt: tuple[str, ...] = ()  # chunk hashes whose bytes no longer match their name
    missing: tuple[str, ...] = ()  # hashes a manifest references but the store lacks
    damaged_snapshots: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.corrupt and not self.missing


class BlockStore(Protocol):
    """Disks addressed by id, read and written at byte offsets, and their snapshots."""

    @property
    def block_size(self) -> int: ...

    def create_disk(self, disk_id: str, size: int) -> None: ...

    def create_disk_from_snapshot(
        self, disk_id: str, snapshot_id: str, size: int | None = None
    ) -> None: ...

    def delete_disk(self, disk_id: str) -> None: ...

    def disk_size(self, disk_id: str) -> int: ...

    def disk_ids(self) -> list[str]:
        """Every disk the store holds, sorted."""
        ...

    def resize_disk(self, disk_id: str, size: int) -> None:
        """Grow the disk to ``size`` bytes (a block multiple, not smaller); the new tail
        reads as zeros and the disk's data stays."""
        ...

    def wipe_disk(self, disk_id: str) -> None:
        """Zero every block of the disk, keeping its size; its next snapshot is a full one."""
        ...

    def disk_path(self, disk_id: str) -> Path:
        """The disk's raw image, which the data plane attaches (a loop device)."""
        ...

    def untrack(self, disk_id: str) -> None:
        """Something else writes the disk (an instance): its next snapshot hashes every
        block instead of trusting the engine's record of changed ones."""
        ...

    def write(self, disk_id: str, offset: int, data: bytes) -> None: ...

    def read(self, disk_id: str, offset: int, length: int) -> bytes: ...

    def snapshot_work(self, disk_id: str) -> int:
        """About how many bytes the disk's next snapshot reads (its changed blocks, or every
        allocated one): what decides whether a snapshot is quick enough to wait for."""
        ...

    def snapshot(
        self, disk_id: str, snapshot_id: str, progress: ProgressFn | None = None
    ) -> SnapshotInfo: ...

    def restore(
        self, snapshot_id: str, disk_id: str, progress: ProgressFn | None = None
    ) -> None: ...

    def delete_snapshot(self, snapshot_id: str) -> int: ...

    def snapshot_info(self, snapshot_id: str) -> SnapshotInfo: ...

    def snapshots(self, disk_id: str | None = None) -> list[SnapshotInfo]: ...

    def changed_blocks(self, snapshot_a: str, snapshot_b: str) -> list[int]: ...

    def stored_bytes(self) -> int: ...

    def gc(self) -> GcReport: ...

    def verify(self) -> VerifyReport: ...

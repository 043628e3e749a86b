"""Block storage engine: real disks, incremental content-addressed snapshots, GC, verify."""

from ecsim.storage.base import (
    BlockStore,
    DiskExists,
    DiskNotFound,
    GcReport,
    ProgressFn,
    SnapshotExists,
    SnapshotInfo,
    SnapshotNotFound,
    StorageError,
    VerifyReport,
)
from ecsim.storage.fake import FakeBlockStore
from ecsim.storage.files import DEFAULT_BLOCK_SIZE, FileBlockStore

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "BlockStore",
    "DiskExists",
    "DiskNotFound",
    "FakeBlockStore",
    "FileBlockStore",
    "GcReport",
    "ProgressFn",
    "SnapshotExists",
    "SnapshotInfo",
    "SnapshotNotFound",
    "StorageError",
    "VerifyReport",
]

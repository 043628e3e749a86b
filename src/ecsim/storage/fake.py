"""FakeBlockStore: the BlockStore contract in memory, for control-plane and API tests.

It keeps the engine's observable behaviour (zero blocks unstored, content-addressed chunks
shared and reference-counted, full-map manifests, parent re-pointing on delete, incremental
``stored_bytes`` counted as the file engine encodes blocks: the pages that differ from the
block's previous version, which such a patch then keeps alive as its base) without touching
the filesystem. Disks are sparse dicts of blocks; chunks are kept whole, with the length and
base their encoding would have (the fake has no patch chains to bound).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from ecsim.storage.base import (
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
from ecsim.storage.encoding import (
    block_hash,
    changed_pages,
    page_size,
    patch_worthwhile,
)
from ecsim.storage.refcounts import RefCounts
from ecsim.storage.snapshot import Manifest, diff_blocks

__all__ = ["FakeBlockStore"]


@dataclass
class _Disk:
    size: int
    blocks: dict[int, bytes] = field(default_factory=dict)
    dirty: set[int] = field(default_factory=set)
    base: str | None = None


class FakeBlockStore:
    def __init__(self, *, block_size: int = 1 << 20) -> None:
        self._block_size = block_size
        self._zero = bytes(block_size)
        self._lock = threading.RLock()
        self._disks: dict[str, _Disk] = {}
        self._manifests: dict[str, Manifest] = {}
        self.chunks: dict[str, bytes] = {}  # public so tests can corrupt or drop one
        self._lengths: dict[str, int] = {}  # data bytes each chunk's encoding stores
        self._bases: dict[str, str | None] = {}  # the block a patch stands on
        self._refs = RefCounts(lambda digest: self._bases.get(digest))

    @property
    def block_size(self) -> int:
        return self._block_size

    def _disk(self, disk_id: str) -> _Disk:
        try:
            return self._disks[disk_id]
        except KeyError:
            raise DiskNotFound(disk_id) from None

    def _manifest(self, snapshot_id: str) -> Manifest:
        try:
            return self._manifests[snapshot_id]
        except KeyError:
            raise SnapshotNotFound(snapshot_id) from None

    def create_disk(self, disk_id: str, size: int) -> None:
        with self._lock:
            if disk_id in self._disks:
                raise DiskExists(disk_id)
            if size <= 0 or size % self._block_size:
                raise ValueError(f"disk size {size} is not a positive multiple of block size")
            self._disks[disk_id] = _Disk(size)

    def create_disk_from_snapshot(
        self, disk_id: str, snapshot_id: str, size: int | None = None
    ) -> None:
        with self._lock:
            manifest = self._manifest(snapshot_id)
            self.create_disk(disk_id, max(size or 0, manifest.size))
            self.restore(snapshot_id, disk_id)

    def delete_disk(self, disk_id: str) -> None:
        with self._lock:
            self._disk(disk_id)
            del self._disks[disk_id]

    def disk_size(self, disk_id: str) -> int:
        return self._disk(disk_id).size

    def disk_ids(self) -> list[str]:
        return sorted(self._disks)

    def resize_disk(self, disk_id: str, size: int) -> None:
        with self._lock:
            disk = self._disk(disk_id)
            if size % self._block_size or size < disk.size:
                raise ValueError(f"cannot grow a disk of {disk.size} bytes to {size}")
            disk.size = size

    def wipe_disk(self, disk_id: str) -> None:
        with self._lock:
            disk = self._disk(disk_id)
            disk.blocks, disk.dirty, disk.base = {}, set(), None

    def disk_path(self, disk_id: str) -> Path:
        """No file backs a fake disk: a path where none is (nothing attaches it)."""
        self._disk(disk_id)
        return Path("/nonexistent/ecsim-fake-blocks") / f"{disk_id}.img"

    def untrack(self, disk_id: str) -> None:
        """Nothing writes a fake disk behind its back: its record of changes stays true."""
        self._disk(disk_id)

    def write(self, disk_id: str, offset: int, data: bytes) -> None:
        with self._lock:
            disk, bs = self._disk(disk_id), self._block_size
            if offset < 0 or offset + len(data) > disk.size:
                raise ValueError(f"range {offset}+{len(data)} outside a disk of {disk.size}")
            pos = 0
            while pos < len(data):
                index, within = divmod(offset + pos, bs)
                take = min(bs - within, len(data) - pos)
                block = bytearray(disk.blocks.get(index, self._zero))
                block[within : within + take] = data[pos : pos + take]
                disk.blocks[index] = bytes(block)
                disk.dirty.add(index)
                pos += take

    def read(self, disk_id: str, offset: int, length: int) -> bytes:
        with self._lock:
            disk, bs = self._disk(disk_id), self._block_size
            if offset < 0 or length < 0 or offset + length > disk.size:
                raise ValueError(f"range {offset}+{length} outside a disk of {disk.size}")
            out = bytearray()
            pos = offset
            while pos < offset + length:
                index, within = divmod(pos, bs)
                take = min(bs - within, offset + length - pos)
                out += disk.blocks.get(index, self._zero)[within : within + take]
                pos += take
            return bytes(out)

    def snapshot_work(self, disk_id: str) -> int:
        with self._lock:
            disk = self._disk(disk_id)
            parent = self._manifests.get(disk.base) if disk.base else None
            blocks = disk.dirty if parent is not None else disk.blocks
            return len(blocks) * self._block_size

    def snapshot(
        self, disk_id: str, snapshot_id: str, progress: ProgressFn | None = None
    ) -> SnapshotInfo:
        with self._lock:
            disk = self._disk(disk_id)
            if snapshot_id in self._manifests:
                raise SnapshotExists(snapshot_id)
            parent = self._manifests.get(disk.base) if disk.base else None
            parent_blocks = dict(parent.blocks) if parent is not None else {}
            candidates = sorted(disk.dirty) if parent is not None else sorted(disk.blocks)
            blocks = dict(parent_blocks)
            stored = 0
            for done, index in enumerate(candidates, 1):
                data = disk.blocks.get(index, self._zero)
                if data == self._zero:
                    blocks.pop(index, None)
                else:
                    digest = block_hash(data)
                    blocks[index] = digest
                    if digest not in self.chunks:
                        stored += self._put(digest, data, parent_blocks.get(index))
                if progress is not None:
                    progress(done * self._block_size, len(candidates) * self._block_size)
            manifest = Manifest(
                snapshot_id=snapshot_id,
                disk_id=disk_id,
                parent_id=parent.snapshot_id if parent is not None else None,
                size=disk.size,
                block_size=self._block_size,
                blocks=blocks,
                changed=len(diff_blocks(parent_blocks, blocks)),
                stored_bytes=stored,
            )
            self._manifests[snapshot_id] = manifest
            self._refs.retain(blocks.values())
            disk.base, disk.dirty = snapshot_id, set()
            return manifest.info()

    def _put(self, digest: str, data: bytes, previous: str | None) -> int:
        """Keep a new chunk, costed as the file engine would encode it."""
        page = page_size(self._block_size)
        base = previous if previous in self.chunks else None
        pages = len(changed_pages(data, self.chunks[base] if base else None, page))
        patch = patch_worthwhile(pages, self._block_size, page)
        self.chunks[digest] = data
        self._bases[digest] = base if patch else None
        self._lengths[digest] = pages * page if patch else self._block_size
        return self._lengths[digest]

    def restore(self, snapshot_id: str, disk_id: str, progress: ProgressFn | None = None) -> None:
        with self._lock:
            manifest, disk = self._manifest(snapshot_id), self._disk(disk_id)
            if disk.size < manifest.size:
                raise StorageError(f"disk {disk_id} is smaller than snapshot {snapshot_id}")
            try:
                disk.blocks = {i: self.chunks[h] for i, h in manifest.blocks.items()}
            except KeyError as missing:
                raise StorageError(f"chunk {missing} of {snapshot_id} is missing") from None
            disk.base, disk.dirty = snapshot_id, set()
            if progress is not None:
                total = len(manifest.blocks) * self._block_size
                progress(total, total)

    def delete_snapshot(self, snapshot_id: str) -> int:
        with self._lock:
            manifest = self._manifest(snapshot_id)
            parent = self._manifests.get(manifest.parent_id) if manifest.parent_id else None
            for child in list(self._manifests.values()):
                if child.parent_id == snapshot_id:
                    self._manifests[child.snapshot_id] = child.reparented(parent)
            del self._manifests[snapshot_id]
            return sum(self._forget(d) for d in self._refs.release(manifest.blocks.values()))

    def _forget(self, digest: str) -> int:
        self.chunks.pop(digest, None)
        self._bases.pop(digest, None)
        return self._lengths.pop(digest, 0)

    def snapshot_info(self, snapshot_id: str) -> SnapshotInfo:
        return self._manifest(snapshot_id).info()

    def snapshots(self, disk_id: str | None = None) -> list[SnapshotInfo]:
        return [
            m.info()
            for _, m in sorted(self._manifests.items())
            if disk_id is None or m.disk_id == disk_id
        ]

    def changed_blocks(self, snapshot_a: str, snapshot_b: str) -> list[int]:
        return diff_blocks(self._manifest(snapshot_a).blocks, self._manifest(snapshot_b).blocks)

    def stored_bytes(self) -> int:
        return sum(self._lengths.values())

    def refcount(self, digest: str) -> int:
        return self._refs[digest]

    def gc(self) -> GcReport:
        with self._lock:
            orphans = [d for d in self.chunks if self._refs[d] <= 0]
            freed = sum(self._forget(d) for d in orphans)
            return GcReport(removed_chunks=len(orphans), removed_bytes=freed)

    def verify(self) -> VerifyReport:
        with self._lock:
            corrupt = {d for d, data in self.chunks.items() if block_hash(data) != d}
            missing = self._refs.referenced() - set(self.chunks)
            bad = corrupt | missing
            damaged = sorted(
                m.snapshot_id for m in self._manifests.values() if bad & set(m.blocks.values())
            )
            return VerifyReport(
                checked=len(self.chunks),
                corrupt=tuple(sorted(corrupt)),
                missing=tuple(sorted(missing)),
                damaged_snapshots=tuple(damaged),
            )

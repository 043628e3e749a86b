"""FileBlockStore: disks as sparse raw images, snapshots as manifests over a chunk store.

Layout under ``root``::

    store.json                 block size, fixed when the store is first created
    disks/<disk_id>.img        the raw image (what the data plane attaches)
    disks/<disk_id>.json       the disk's base snapshot
    snapshots/<id>.json        manifests; presence is the commit
    chunks/ab/cd/<hash>        block contents, shared by every snapshot and disk

A snapshot writes its new chunks first and its manifest last, so a crash leaves either a
complete snapshot or none plus orphan chunks, which ``gc()`` (also run on open) reclaims.
One lock serialises everything: a snapshot sees no engine write half-applied.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

from ecsim.storage.atomic import is_temp
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
from ecsim.storage.chunks import ChunkStore, block_hash
from ecsim.storage.snapshot import Manifest, ManifestDir, diff_blocks
from ecsim.storage.volume import Volume

__all__ = ["DEFAULT_BLOCK_SIZE", "FileBlockStore"]

DEFAULT_BLOCK_SIZE = 1 << 20


class FileBlockStore:
    def __init__(
        self, root: Path, *, block_size: int = DEFAULT_BLOCK_SIZE, sync: bool = True
    ) -> None:
        self.root = root
        self._sync = sync
        self._lock = threading.RLock()
        root.mkdir(parents=True, exist_ok=True)
        self._block_size = self._settle_block_size(block_size)
        self._zero = bytes(self._block_size)
        self._disks_dir = root / "disks"
        self._disks_dir.mkdir(exist_ok=True)
        self._manifests = ManifestDir(root / "snapshots", sync=sync)
        self._chunks = ChunkStore(root / "chunks", sync=sync)
        self._volumes: dict[str, Volume] = {}
        self._manifests.sweep_temps()
        self._chunks.reset_refs(h for m in self._manifests for h in m.blocks.values())
        self._chunks.sweep()  # orphans of a snapshot a crash interrupted

    def _settle_block_size(self, wanted: int) -> int:
        if wanted <= 0 or wanted & (wanted - 1):
            raise ValueError(f"block size {wanted} is not a power of two")
        meta = self.root / "store.json"
        if meta.exists():
            stored = int(json.loads(meta.read_bytes())["block_size"])
            if stored != wanted:
                raise StorageError(f"store at {self.root} uses {stored}-byte blocks, not {wanted}")
            return stored
        meta.write_text(json.dumps({"block_size": wanted}))
        return wanted

    @property
    def block_size(self) -> int:
        return self._block_size

    # disks

    def disk_path(self, disk_id: str) -> Path:
        """The raw image the data plane attaches (loop device, or an instance's root layer)."""
        return self._volume(disk_id).image

    def _image(self, disk_id: str) -> Path:
        if not disk_id or "/" in disk_id or disk_id.startswith("."):
            raise DiskNotFound(f"invalid disk id {disk_id!r}")
        return self._disks_dir / f"{disk_id}.img"

    def _volume(self, disk_id: str) -> Volume:
        volume = self._volumes.get(disk_id)
        if volume is None:
            image = self._image(disk_id)
            if not image.exists():
                raise DiskNotFound(disk_id)
            volume = self._volumes[disk_id] = Volume(image, self._block_size, sync=self._sync)
        return volume

    def create_disk(self, disk_id: str, size: int) -> None:
        with self._lock:
            image = self._image(disk_id)
            if image.exists():
                raise DiskExists(disk_id)
            volume = Volume(image, self._block_size, sync=self._sync)
            volume.create(size)
            self._volumes[disk_id] = volume

    def create_disk_from_snapshot(
        self, disk_id: str, snapshot_id: str, size: int | None = None
    ) -> None:
        with self._lock:
            manifest = self._manifests.load(snapshot_id)
            self.create_disk(disk_id, max(size or 0, manifest.size))
            self.restore(snapshot_id, disk_id)

    def delete_disk(self, disk_id: str) -> None:
        """Snapshots of the disk outlive it, as on ECS."""
        with self._lock:
            self._volume(disk_id).remove()
            del self._volumes[disk_id]

    def disk_size(self, disk_id: str) -> int:
        return self._volume(disk_id).size

    def disk_ids(self) -> list[str]:
        with self._lock:
            return sorted(p.stem for p in self._disks_dir.glob("*.img") if not is_temp(p))

    def resize_disk(self, disk_id: str, size: int) -> None:
        with self._lock:
            self._volume(disk_id).grow(size)

    def wipe_disk(self, disk_id: str) -> None:
        with self._lock:
            volume = self._volume(disk_id)
            volume.restore(iter(()), volume.size)
            volume.rebase(None)

    def untrack(self, disk_id: str) -> None:
        """The disk is attached and written directly: its next snapshot hashes every block."""
        with self._lock:
            self._volume(disk_id).untrack()

    def write(self, disk_id: str, offset: int, data: bytes) -> None:
        with self._lock:
            self._volume(disk_id).write(offset, data)

    def read(self, disk_id: str, offset: int, length: int) -> bytes:
        with self._lock:
            return self._volume(disk_id).read(offset, length)

    # snapshots

    def snapshot(
        self, disk_id: str, snapshot_id: str, progress: ProgressFn | None = None
    ) -> SnapshotInfo:
        with self._lock:
            volume = self._volume(disk_id)
            if self._manifests.exists(snapshot_id):
                raise SnapshotExists(snapshot_id)
            parent = self._base_manifest(volume)
            parent_blocks = dict(parent.blocks) if parent is not None else {}
            dirty = volume.dirty_blocks() if parent is not None else None
            if dirty is None:
                # full scan: every allocated block is hashed, holes are zeros
                candidates, blocks = list(volume.allocated_blocks()), {}
            else:
                candidates, blocks = sorted(dirty), dict(parent_blocks)
            stored = 0
            total = len(candidates) * self._block_size
            for done, index in enumerate(candidates, 1):
                data = volume.read(index * self._block_size, self._block_size)
                if data == self._zero:
                    blocks.pop(index, None)
                else:
                    digest = block_hash(data)
                    blocks[index] = digest
                    if self._chunks.put(digest, data):
                        stored += len(data)
                if progress is not None:
                    progress(done * self._block_size, total)
            manifest = Manifest(
                snapshot_id=snapshot_id,
                disk_id=disk_id,
                parent_id=parent.snapshot_id if parent is not None else None,
                size=volume.size,
                block_size=self._block_size,
                blocks=blocks,
                changed=len(diff_blocks(parent_blocks, blocks)),
                stored_bytes=stored,
            )
            self._manifests.create(manifest)  # the commit point
            self._chunks.retain(blocks.values())
            volume.rebase(snapshot_id)
            if progress is not None and not candidates:
                progress(0, 0)
            return manifest.info()

    def _base_manifest(self, volume: Volume) -> Manifest | None:
        if volume.base is None:
            return None
        try:
            return self._manifests.load(volume.base)
        except SnapshotNotFound:
            return None

    def restore(self, snapshot_id: str, disk_id: str, progress: ProgressFn | None = None) -> None:
        with self._lock:
            manifest = self._manifests.load(snapshot_id)
            volume = self._volume(disk_id)
            size = volume.size
            if size < manifest.size:
                raise StorageError(
                    f"disk {disk_id} ({size} bytes) is smaller than snapshot {snapshot_id}"
                )
            volume.restore(self._stream(manifest, progress), size)
            volume.rebase(snapshot_id)

    def _stream(
        self, manifest: Manifest, progress: ProgressFn | None
    ) -> Iterator[tuple[int, bytes]]:
        total = len(manifest.blocks) * manifest.block_size
        for done, (index, digest) in enumerate(sorted(manifest.blocks.items()), 1):
            try:
                data = self._chunks.get(digest)
            except FileNotFoundError:
                raise StorageError(f"chunk {digest} of {manifest.snapshot_id} is missing") from None
            yield index, data
            if progress is not None:
                progress(done * manifest.block_size, total)

    def delete_snapshot(self, snapshot_id: str) -> int:
        """Delete a snapshot; returns the bytes reclaimed from the chunk store."""
        with self._lock:
            manifest = self._manifests.load(snapshot_id)
            parent = (
                self._manifests.load(manifest.parent_id)
                if manifest.parent_id and self._manifests.exists(manifest.parent_id)
                else None
            )
            for child in self._manifests:
                if child.parent_id == snapshot_id:
                    self._manifests.replace(child.reparented(parent))
            self._manifests.remove(snapshot_id)
            return self._chunks.release(manifest.blocks.values())

    def snapshot_info(self, snapshot_id: str) -> SnapshotInfo:
        return self._manifests.load(snapshot_id).info()

    def snapshots(self, disk_id: str | None = None) -> list[SnapshotInfo]:
        with self._lock:
            return [m.info() for m in self._manifests if disk_id is None or m.disk_id == disk_id]

    def changed_blocks(self, snapshot_a: str, snapshot_b: str) -> list[int]:
        a, b = self._manifests.load(snapshot_a), self._manifests.load(snapshot_b)
        if a.block_size != b.block_size:
            raise StorageError("snapshots with different block sizes cannot be compared")
        return diff_blocks(a.blocks, b.blocks)

    # housekeeping

    def stored_bytes(self) -> int:
        return self._chunks.total_bytes()

    def refcount(self, digest: str) -> int:
        return self._chunks.refcount(digest)

    def gc(self) -> GcReport:
        with self._lock:
            self._manifests.sweep_temps()
            count, freed = self._chunks.sweep()
            return GcReport(removed_chunks=count, removed_bytes=freed)

    def verify(self) -> VerifyReport:
        """Re-hash every stored chunk; report corrupt, missing, and the snapshots they hurt."""
        with self._lock:
            present = set(self._chunks.digests())
            corrupt = {d for d in present if not self._chunks.is_intact(d)}
            missing = self._chunks.referenced() - present
            bad = corrupt | missing
            damaged = sorted(
                m.snapshot_id for m in self._manifests if bad.intersection(m.blocks.values())
            )
            return VerifyReport(
                checked=len(present),
                corrupt=tuple(sorted(corrupt)),
                missing=tuple(sorted(missing)),
                damaged_snapshots=tuple(damaged),
            )

"""FileBlockStore: disks as sparse raw images, snapshots as manifests over block records.

Layout under ``root``::

    store.json                 block size, fixed when the store is first created; format
    disks/<disk_id>.img        the raw image (what the data plane attaches)
    disks/<disk_id>.json       the disk's base snapshot
    snapshots/<id>.json        manifests; presence is the commit
    packs/p-<seq>.pack         block records, shared by every snapshot and disk

A snapshot writes its new records to one pack, commits the pack, and writes its manifest
last, so a crash leaves either a complete snapshot or none plus a temp pack (or unreferenced
records), which ``gc()`` (also run on open) reclaims. A changed block is stored as the pages
that differ from the disk's previous version of it (``encoding``), so a snapshot stores about
what the guest wrote, not whole blocks.

Locks: one for the blocks, manifests and packs (snapshots, restores, deletions of snapshots
take it, one at a time), and one per disk (a snapshot or restore holds its disk's too, so it
sees no write half-applied). Creating, writing, growing or deleting another disk takes only
that disk's lock: a long snapshot in the background does not hold up new instances' disks.
Lock order: the store's before a disk's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
from ecsim.storage.block_records import BlockRecords, Session
from ecsim.storage.encoding import (
    block_hash,
    changed_pages,
    encode_patch,
    page_size,
    patch_worthwhile,
    stored_length,
)
from ecsim.storage.legacy_chunks import import_legacy_chunks
from ecsim.storage.packs import Kind
from ecsim.storage.snapshot import Manifest, ManifestDir, diff_blocks
from ecsim.storage.volume import Volume

__all__ = ["DEFAULT_BLOCK_SIZE", "FileBlockStore"]

DEFAULT_BLOCK_SIZE = 1 << 20
# Patches chain (each over the previous version of the block); past this depth a new patch
# is taken over the chain's whole block instead, so reading a block stays a few reads.
MAX_PATCH_DEPTH = 16


class FileBlockStore:
    def __init__(
        self, root: Path, *, block_size: int = DEFAULT_BLOCK_SIZE, sync: bool = True
    ) -> None:
        self.root = root
        self._sync = sync
        self._lock = threading.RLock()  # blocks, manifests, packs
        self._volumes_lock = threading.Lock()  # the two maps below
        self._disk_locks: dict[str, threading.RLock] = {}
        root.mkdir(parents=True, exist_ok=True)
        self._block_size = self._settle_block_size(block_size)
        self._zero = bytes(self._block_size)
        self._disks_dir = root / "disks"
        self._disks_dir.mkdir(exist_ok=True)
        self._manifests = ManifestDir(root / "snapshots", sync=sync)
        self._records = BlockRecords(root / "packs", self._block_size, sync=sync)
        self._page = page_size(self._block_size)
        self._volumes: dict[str, Volume] = {}
        self._manifests.sweep_temps()
        import_legacy_chunks(root / "chunks", self._records)  # a store of the older layout
        self._records.reset_refs(h for m in self._manifests for h in m.blocks.values())
        self._records.sweep()  # what a snapshot a crash interrupted left

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
        with self._volumes_lock:
            volume = self._volumes.get(disk_id)
            if volume is None:
                image = self._image(disk_id)
                if not image.exists():
                    raise DiskNotFound(disk_id)
                volume = self._volumes[disk_id] = Volume(image, self._block_size, sync=self._sync)
            return volume

    def _disk_lock(self, disk_id: str) -> threading.RLock:
        with self._volumes_lock:
            return self._disk_locks.setdefault(disk_id, threading.RLock())

    @contextmanager
    def _holding(self, disk_id: str) -> Iterator[Volume]:
        """The disk's volume, with the disk's lock held."""
        with self._disk_lock(disk_id):
            yield self._volume(disk_id)

    def create_disk(self, disk_id: str, size: int) -> None:
        with self._disk_lock(disk_id):
            image = self._image(disk_id)
            if image.exists():
                raise DiskExists(disk_id)
            volume = Volume(image, self._block_size, sync=self._sync)
            volume.create(size)
            with self._volumes_lock:
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
        with self._holding(disk_id) as volume:
            volume.remove()
            with self._volumes_lock:
                del self._volumes[disk_id]
                del self._disk_locks[disk_id]

    def disk_size(self, disk_id: str) -> int:
        return self._volume(disk_id).size

    def disk_ids(self) -> list[str]:
        return sorted(p.stem for p in self._disks_dir.glob("*.img") if not is_temp(p))

    def resize_disk(self, disk_id: str, size: int) -> None:
        with self._holding(disk_id) as volume:
            volume.grow(size)

    def wipe_disk(self, disk_id: str) -> None:
        with self._holding(disk_id) as volume:
            volume.restore(iter(()), volume.size)
            volume.rebase(None)

    def untrack(self, disk_id: str) -> None:
        """The disk is attached and written directly: its next snapshot hashes every block."""
        with self._holding(disk_id) as volume:
            volume.untrack()

    def write(self, disk_id: str, offset: int, data: bytes) -> None:
        with self._holding(disk_id) as volume:
            volume.write(offset, data)

    def read(self, disk_id: str, offset: int, length: int) -> bytes:
        with self._holding(disk_id) as volume:
            return volume.read(offset, length)

    # snapshots

    def snapshot_work(self, disk_id: str) -> int:
        # the disk's lock only: asked while another disk's snapshot may hold the store's
        with self._holding(disk_id) as volume:
            dirty = volume.dirty_blocks() if self._base_manifest(volume) is not None else None
            if dirty is None:
                return min(volume.size, volume.image.stat().st_blocks * 512)
            return len(dirty) * self._block_size

    def snapshot(
        self, disk_id: str, snapshot_id: str, progress: ProgressFn | None = None
    ) -> SnapshotInfo:
        with self._lock, self._holding(disk_id) as volume:
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
            with self._records.session() as session:
                for done, (index, data) in enumerate(volume.read_blocks(candidates), 1):
                    if data == self._zero:
                        blocks.pop(index, None)
                    else:
                        digest = block_hash(data)
                        blocks[index] = digest
                        if not session.has(digest):
                            stored += self._store(session, digest, data, parent_blocks.get(index))
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
            self._records.retain(blocks.values())
            volume.rebase(snapshot_id)
            if progress is not None and not candidates:
                progress(0, 0)
            return manifest.info()

    def _store(self, session: Session, digest: str, data: bytes, previous: str | None) -> int:
        """Store a new block, as a patch over its previous version (or zeros) when few of
        its pages differ; returns the data bytes stored."""
        base = previous
        if base is not None and self._records.depth(base) >= MAX_PATCH_DEPTH:
            base = self._records.keyframe(base)
        old: bytes | None = None
        if base is not None:
            try:
                old = session.content(base)
            except StorageError:
                old = None
            if old is None or block_hash(old) != base:  # never build on a damaged block
                base, old = None, None
        pages = changed_pages(data, old, self._page)
        if patch_worthwhile(len(pages), self._block_size, self._page):
            session.put(digest, Kind.PATCH, base, encode_patch(data, pages, self._page))
        else:
            session.put(digest, Kind.WHOLE, None, data)
        return stored_length(len(pages), self._block_size, self._page)

    def _base_manifest(self, volume: Volume) -> Manifest | None:
        if volume.base is None:
            return None
        try:
            return self._manifests.load(volume.base)
        except SnapshotNotFound:
            return None

    def restore(self, snapshot_id: str, disk_id: str, progress: ProgressFn | None = None) -> None:
        with self._lock, self._holding(disk_id) as volume:
            manifest = self._manifests.load(snapshot_id)
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
                data = self._records.content(digest)
            except StorageError as error:
                raise StorageError(f"{manifest.snapshot_id}: {error}") from None
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
            return self._records.release(manifest.blocks.values())

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
        return self._records.total_bytes()

    def disk_bytes(self) -> int:
        """What the packs occupy on disk (headers, not yet compacted records included)."""
        return self._records.disk_bytes()

    def refcount(self, digest: str) -> int:
        return self._records.refcount(digest)

    def gc(self) -> GcReport:
        with self._lock:
            self._manifests.sweep_temps()
            count, freed = self._records.sweep()
            return GcReport(removed_chunks=count, removed_bytes=freed)

    def verify(self) -> VerifyReport:
        """Re-hash every stored block (patches applied); report corrupt, missing, and the
        snapshots they hurt."""
        with self._lock:
            conditions = {d: self._records.condition(d) for d in self._records.digests()}
            present = {d for d, state in conditions.items() if state != "missing"}
            corrupt = {d for d, state in conditions.items() if state == "corrupt"}
            missing = self._records.referenced() - present
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

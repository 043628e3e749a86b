"""What only the file engine has: real images, crash safety, corruption, outside writers."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from ecsim.storage import FileBlockStore, StorageError
from ecsim.storage.chunks import ChunkStore
from tests.unit.storage.conftest import BS, random_blocks

SIZE = 256 * BS


def test_a_disk_is_a_sparse_raw_image_of_its_size(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    image = file_store.disk_path("d-1")
    assert image.stat().st_size == SIZE
    assert image.stat().st_blocks == 0  # nothing allocated yet
    file_store.write("d-1", 10 * BS, b"hello")
    with image.open("rb") as f:
        f.seek(10 * BS)
        assert f.read(5) == b"hello"


def test_chunks_are_files_named_by_their_hash_fanned_out(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, b"x" * BS)
    file_store.snapshot("d-1", "s-1")
    chunks = [p for p in (file_store.root / "chunks").rglob("*") if p.is_file()]
    assert len(chunks) == 1
    digest = chunks[0].name
    assert chunks[0].relative_to(file_store.root / "chunks").parts == (
        digest[:2],
        digest[2:4],
        digest,
    )
    assert file_store.refcount(digest) == 1


def test_a_crash_mid_snapshot_leaves_no_manifest_and_gc_reclaims_the_orphans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlockStore(tmp_path / "store", block_size=BS)  # with fsync: the real path
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, random_blocks(random.Random(3), 20))
    real_put = ChunkStore.put
    written: list[str] = []

    def crashing_put(self: ChunkStore, digest: str, data: bytes) -> bool:
        if len(written) == 5:
            raise OSError("power cut")
        written.append(digest)
        return real_put(self, digest, data)

    monkeypatch.setattr(ChunkStore, "put", crashing_put)
    with pytest.raises(OSError, match="power cut"):
        store.snapshot("d-1", "s-1")
    monkeypatch.undo()

    assert store.snapshots() == []
    assert list((store.root / "snapshots").iterdir()) == []
    assert store.stored_bytes() == 5 * BS  # the orphans
    report = store.gc()
    assert (report.removed_chunks, report.removed_bytes) == (5, 5 * BS)
    assert store.stored_bytes() == 0
    # the disk is untouched and the next attempt is a complete full snapshot
    assert store.snapshot("d-1", "s-1").stored_bytes == 20 * BS


def test_opening_a_store_sweeps_what_a_crash_left(tmp_path: Path) -> None:
    store = FileBlockStore(tmp_path / "store", block_size=BS, sync=False)
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, b"kept" * 100)
    store.snapshot("d-1", "s-1")
    orphan = store.root / "chunks" / "ab" / "cd" / ("abcd" + "0" * 60)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"orphan")
    torn = store.root / "snapshots" / "s-2.json.tmp-1234"
    torn.write_bytes(b"{")
    FileBlockStore(tmp_path / "store", block_size=BS)
    assert not orphan.exists() and not torn.exists()
    assert store.verify().ok


def test_verify_detects_a_corrupted_and_a_missing_chunk(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(4), 4))
    file_store.snapshot("d-1", "s-1")
    file_store.write("d-1", 8 * BS, b"z" * BS)
    file_store.snapshot("d-1", "s-2")
    chunks = sorted(p for p in (file_store.root / "chunks").rglob("*") if p.is_file())
    z_chunk = next(p for p in chunks if p.read_bytes() == b"z" * BS)
    rotten = next(p for p in chunks if p != z_chunk)  # one of s-1's blocks, which s-2 shares
    with rotten.open("r+b") as f:
        f.seek(77)
        f.write(b"\xff")
    z_chunk.unlink()
    report = file_store.verify()
    assert not report.ok
    assert report.corrupt == (rotten.name,)
    assert report.missing == (z_chunk.name,)
    assert report.checked == 4
    assert report.damaged_snapshots == ("s-1", "s-2")
    with pytest.raises(StorageError, match="missing"):
        file_store.restore("s-2", "d-1")


def test_writes_behind_the_engine_are_found_by_hashing(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(5), 8))
    file_store.snapshot("d-1", "s-1")
    image = file_store.disk_path("d-1")
    with image.open("r+b") as f:  # as an attached instance would
        f.seek(100 * BS)
        f.write(b"outside")
    stat = image.stat()
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later write's mtime
    info = file_store.snapshot("d-1", "s-2")
    assert (info.changed_blocks, info.stored_bytes) == (1, BS)
    assert file_store.changed_blocks("s-1", "s-2") == [100]


def test_an_untracked_disk_is_hashed_whatever_its_mtime(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(6), 8))
    file_store.snapshot("d-1", "s-1")
    file_store.untrack("d-1")
    with file_store.disk_path("d-1").open("r+b") as f:
        f.seek(3 * BS)
        f.write(b"instance write")
    assert file_store.snapshot("d-1", "s-2").changed_blocks == 1


def test_restore_leaves_a_sparse_image(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, b"a" * BS)
    file_store.snapshot("d-1", "s-1")
    file_store.write("d-1", 0, random_blocks(random.Random(7), 256))
    file_store.restore("s-1", "d-1")
    assert file_store.disk_path("d-1").stat().st_blocks * 512 <= 2 * BS
    assert file_store.read("d-1", 0, 2 * BS) == b"a" * BS + bytes(BS)


def test_the_block_size_is_fixed_when_the_store_is_created(tmp_path: Path) -> None:
    FileBlockStore(tmp_path / "store", block_size=BS)
    with pytest.raises(StorageError, match="blocks"):
        FileBlockStore(tmp_path / "store", block_size=2 * BS)
    with pytest.raises(ValueError):
        FileBlockStore(tmp_path / "other", block_size=3000)

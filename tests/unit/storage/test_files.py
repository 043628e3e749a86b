"""What only the file engine has: real images, crash safety, corruption, outside writers."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import pytest

from ecsim.storage import FileBlockStore, StorageError
from ecsim.storage.packs import Kind, PackWriter
from tests.unit.storage.conftest import BS, flip_byte, pack_records, random_blocks, record_of

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


def test_a_snapshot_writes_its_new_blocks_into_one_pack(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, b"x" * BS + random_blocks(random.Random(1), 3))
    file_store.snapshot("d-1", "s-1")
    records = pack_records(file_store.root)
    assert len({path for path, _ in records}) == 1
    assert [r.kind for _, r in records] == [Kind.WHOLE] * 4
    path, record = records[0]
    with path.open("rb") as f:
        f.seek(record.offset)
        assert f.read(record.length) == b"x" * BS
    assert file_store.refcount(record.digest) == 1
    assert not [p for p in (file_store.root / "packs").iterdir() if ".tmp-" in p.name]


def test_a_small_change_is_stored_as_a_patch_over_the_previous_version(
    file_store: FileBlockStore,
) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(2), 2))
    first = file_store.snapshot("d-1", "s-1")
    file_store.write("d-1", BS + 5000, b"changed")  # inside the block's second page
    second = file_store.snapshot("d-1", "s-2")
    assert (first.stored_bytes, second.stored_bytes) == (2 * BS, 4096)
    _, patch = pack_records(file_store.root)[-1]
    assert patch.kind is Kind.PATCH
    assert patch.base == record_of(file_store.root, patch.base or "")[1].digest
    assert file_store.refcount(patch.base or "") == 2  # s-1's entry and the patch on it
    file_store.write("d-1", 0, bytes(2 * BS))
    file_store.restore("s-2", "d-1")
    assert file_store.read("d-1", BS + 5000, 7) == b"changed"
    assert file_store.verify().ok


def test_patch_chains_stay_short(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(3), 1))
    file_store.snapshot("d-1", "s-0")
    for round_ in range(1, 40):
        file_store.write("d-1", 100, round_.to_bytes(4, "big"))
        file_store.snapshot("d-1", f"s-{round_}")
    expected = file_store.read("d-1", 0, BS)
    _, last = pack_records(file_store.root)[-1]
    assert last.kind is Kind.PATCH
    # at the depth bound a patch is taken over the chain's whole block instead
    depths = [file_store._records.depth(r.digest) for _, r in pack_records(file_store.root)]
    assert max(depths) <= 16
    for name in [f"s-{i}" for i in range(39)]:
        file_store.delete_snapshot(name)
    file_store.write("d-1", 0, bytes(BS))
    file_store.restore("s-39", "d-1")
    assert file_store.read("d-1", 0, BS) == expected
    assert file_store.verify().ok


def test_a_failing_snapshot_leaves_no_pack_and_no_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlockStore(tmp_path / "store", block_size=BS)  # with fsync: the real path
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, random_blocks(random.Random(3), 20))
    real_add = PackWriter.add
    written: list[str] = []

    def failing_add(
        self: PackWriter, digest: str, kind: Kind, base: str | None, payload: bytes
    ) -> object:
        if len(written) == 5:
            raise OSError("disk full")
        written.append(digest)
        return real_add(self, digest, kind, base, payload)

    monkeypatch.setattr(PackWriter, "add", failing_add)
    with pytest.raises(OSError, match="disk full"):
        store.snapshot("d-1", "s-1")
    monkeypatch.undo()

    assert store.snapshots() == []
    assert list((store.root / "snapshots").iterdir()) == []
    assert list((store.root / "packs").iterdir()) == []
    assert store.stored_bytes() == 0
    # the disk is untouched and the next attempt is a complete full snapshot
    assert store.snapshot("d-1", "s-1").stored_bytes == 20 * BS


def test_opening_a_store_sweeps_what_a_crash_left(tmp_path: Path) -> None:
    store = FileBlockStore(tmp_path / "store", block_size=BS, sync=False)
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, b"kept" * 100)
    store.snapshot("d-1", "s-1")
    packs = store.root / "packs"
    # a crash mid-snapshot: its pack never got its final name
    torn_pack = PackWriter(packs, 90, sync=False)
    torn_pack.add("ab" * 32, Kind.WHOLE, None, b"o" * BS)
    # a crash after the pack, before the manifest: committed records nobody references
    orphan_pack = PackWriter(packs, 91, sync=False)
    orphan_pack.add("cd" * 32, Kind.WHOLE, None, b"p" * BS)
    orphan_pack.commit()
    torn = store.root / "snapshots" / "s-2.json.tmp-1234"
    torn.write_bytes(b"{")
    reopened = FileBlockStore(tmp_path / "store", block_size=BS)
    assert sorted(p.name for p in packs.iterdir()) == [pack_records(store.root)[0][0].name]
    assert not torn.exists()
    assert reopened.verify().ok
    assert reopened.stored_bytes() == 4096


def test_deleting_snapshots_deletes_and_compacts_packs(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(8), 10))
    file_store.snapshot("d-1", "s-1")
    file_store.write("d-1", 0, random_blocks(random.Random(9), 8))  # 8 of 10 blocks replaced
    file_store.snapshot("d-1", "s-2")
    file_store.write("d-1", 0, random_blocks(random.Random(10), 1))
    file_store.snapshot("d-1", "s-3")
    assert len({p for p, _ in pack_records(file_store.root)}) == 3
    # s-1's pack keeps 2 live blocks of 10: it is rewritten with only those
    assert file_store.delete_snapshot("s-1") == 8 * BS
    assert len({p for p, _ in pack_records(file_store.root)}) == 3
    assert file_store.disk_bytes() < 13 * BS
    expected = file_store.read("d-1", 0, SIZE)
    assert file_store.delete_snapshot("s-2") == BS  # s-3 replaced its block 0 again
    file_store.write("d-1", 0, bytes(SIZE))
    file_store.restore("s-3", "d-1")
    assert file_store.read("d-1", 0, SIZE) == expected
    assert file_store.delete_snapshot("s-3") == 10 * BS
    assert list((file_store.root / "packs").iterdir()) == []
    assert file_store.stored_bytes() == 0


def test_a_store_of_the_one_file_per_chunk_layout_is_moved_into_a_pack(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = FileBlockStore(root, block_size=BS, sync=False)
    store.create_disk("d-1", SIZE)
    data = random_blocks(random.Random(11), 3)
    store.write("d-1", 0, data)
    store.snapshot("d-1", "s-1")
    # rewrite the store as the older layout kept it: chunks/ab/cd/<hash>, no packs
    records = pack_records(root)
    for path, record in records:
        with path.open("rb") as f:
            f.seek(record.offset)
            chunk = root / "chunks" / record.digest[:2] / record.digest[2:4] / record.digest
            chunk.parent.mkdir(parents=True, exist_ok=True)
            chunk.write_bytes(f.read(record.length))
    for path in {path for path, _ in records}:
        path.unlink()
    reopened = FileBlockStore(root, block_size=BS, sync=False)
    assert not (root / "chunks").exists()
    assert reopened.verify().ok and reopened.stored_bytes() == 3 * BS
    reopened.write("d-1", 0, bytes(3 * BS))
    reopened.restore("s-1", "d-1")
    assert reopened.read("d-1", 0, 3 * BS) == data


def test_verify_detects_a_corrupted_and_a_missing_block(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(4), 4))
    file_store.snapshot("d-1", "s-1")
    file_store.write("d-1", 8 * BS, b"z" * BS)
    file_store.snapshot("d-1", "s-2")
    records = pack_records(file_store.root)
    rotten_path, rotten = records[0]  # one of s-1's blocks, which s-2 shares
    flip_byte(rotten_path, rotten.offset + 77)
    z_path, z = records[-1]
    z_path.unlink()  # s-2's pack: the z block alone
    report = file_store.verify()
    assert not report.ok
    assert report.corrupt == (rotten.digest,)
    assert report.missing == (z.digest,)
    assert report.checked == 4
    assert report.damaged_snapshots == ("s-1", "s-2")
    with pytest.raises(StorageError, match="missing"):
        file_store.restore("s-2", "d-1")


def test_a_patch_is_never_built_on_a_damaged_base(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(5), 1))
    file_store.snapshot("d-1", "s-1")
    path, base = pack_records(file_store.root)[0]
    flip_byte(path, base.offset + 10)
    file_store.write("d-1", 9000, b"change")
    assert file_store.snapshot("d-1", "s-2").stored_bytes == BS  # whole: the base is bad
    assert file_store.verify().damaged_snapshots == ("s-1",)


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
    assert (info.changed_blocks, info.stored_bytes) == (1, 4096)  # one page over zeros
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


def test_a_long_snapshot_holds_up_only_its_own_disk(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, random_blocks(random.Random(12), 4))
    reading, finish = threading.Event(), threading.Event()

    def slow(done: int, total: int) -> None:
        reading.set()
        assert finish.wait(10)

    taker = threading.Thread(target=lambda: file_store.snapshot("d-1", "s-1", slow))
    taker.start()
    try:
        assert reading.wait(10)

        def other_disk() -> None:
            file_store.create_disk("d-2", SIZE)
            file_store.write("d-2", BS, b"meanwhile")
            assert file_store.read("d-2", BS, 9) == b"meanwhile"
            file_store.resize_disk("d-2", 2 * SIZE)
            file_store.delete_disk("d-2")

        meanwhile = threading.Thread(target=other_disk)
        meanwhile.start()
        meanwhile.join(10)
        assert not meanwhile.is_alive()  # done while the snapshot still runs
        assert taker.is_alive()
    finally:
        finish.set()
        taker.join(10)
    assert file_store.snapshot_info("s-1").blocks == 4

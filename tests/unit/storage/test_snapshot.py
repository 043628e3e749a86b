"""The BlockStore contract, run against the file engine and the in-memory fake alike."""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest

from ecsim.storage import BlockStore, DiskNotFound, SnapshotExists, SnapshotNotFound
from tests.unit.storage.conftest import BS, StoreFactory, random_blocks

BLOCKS = 512  # an 8 MiB disk
SIZE = BLOCKS * BS
PAGE = 4096  # a changed block stores the pages that differ from its previous version


def md5(store: BlockStore, disk: str) -> str:
    return hashlib.md5(store.read(disk, 0, store.disk_size(disk))).hexdigest()


def filled(store: BlockStore, disk: str = "d-1", seed: int = 1) -> None:
    store.create_disk(disk, SIZE)
    store.write(disk, 0, random_blocks(random.Random(seed), BLOCKS))


def change_one_percent(store: BlockStore, disk: str) -> list[int]:
    rng = random.Random(7)
    picked = sorted(rng.sample(range(BLOCKS), BLOCKS // 100))
    for index in picked:
        store.write(disk, index * BS + 100, rng.randbytes(200))
    return picked


def test_the_second_snapshot_stores_only_the_changed_blocks_and_rollback_restores(
    store: BlockStore,
) -> None:
    filled(store)
    first_md5 = md5(store, "d-1")
    first = store.snapshot("d-1", "s-1")
    assert (first.parent_id, first.blocks, first.stored_bytes) == (None, BLOCKS, SIZE)

    picked = change_one_percent(store, "d-1")
    second = store.snapshot("d-1", "s-2")
    assert second.parent_id == "s-1"
    assert second.changed_blocks == len(picked) == 5
    assert second.stored_bytes == len(picked) * PAGE  # 200 bytes written in one page of each
    assert store.stored_bytes() == SIZE + len(picked) * PAGE
    assert md5(store, "d-1") != first_md5

    store.restore("s-1", "d-1")
    assert md5(store, "d-1") == first_md5
    assert store.changed_blocks("s-1", "s-2") == picked


def test_zero_blocks_are_not_stored(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    store.write("d-1", 3 * BS, b"x" * BS)
    store.write("d-1", 5 * BS, bytes(BS))  # written, but zeros
    info = store.snapshot("d-1", "s-1")
    assert (info.blocks, info.stored_bytes) == (1, BS)
    store.write("d-1", 3 * BS, bytes(BS))  # zeroing a block drops it from the next one
    assert store.snapshot("d-1", "s-2").blocks == 0
    assert store.changed_blocks("s-1", "s-2") == [3]


def test_an_empty_disk_snapshots_to_nothing_and_restores_to_zeros(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    assert store.snapshot("d-1", "s-1").blocks == 0
    store.write("d-1", 0, b"junk")
    store.restore("s-1", "d-1")
    assert store.read("d-1", 0, 16) == bytes(16)


def test_a_disk_created_from_a_snapshot_equals_it(store: BlockStore) -> None:
    filled(store)
    expected = md5(store, "d-1")
    store.snapshot("d-1", "s-1")
    store.write("d-1", 0, b"later")
    store.create_disk_from_snapshot("d-2", "s-1")
    assert md5(store, "d-2") == expected
    store.create_disk_from_snapshot("d-3", "s-1", size=2 * SIZE)  # larger: tail is zeros
    assert store.disk_size("d-3") == 2 * SIZE
    assert store.read("d-3", 0, SIZE) == store.read("d-2", 0, SIZE)
    assert store.read("d-3", SIZE, BS) == bytes(BS)


def test_deleting_a_middle_snapshot_keeps_the_later_ones_restorable(store: BlockStore) -> None:
    filled(store)
    store.snapshot("d-1", "s-1")
    change_one_percent(store, "d-1")
    store.snapshot("d-1", "s-2")
    store.write("d-1", 0, b"third state")
    third_md5 = md5(store, "d-1")
    store.snapshot("d-1", "s-3")

    assert store.delete_snapshot("s-2") == 0  # s-3 still holds s-2's changed blocks
    assert store.snapshot_info("s-3").parent_id == "s-1"
    store.write("d-1", 0, random_blocks(random.Random(9), BLOCKS))
    store.restore("s-3", "d-1")
    assert md5(store, "d-1") == third_md5
    with pytest.raises(SnapshotNotFound):
        store.restore("s-2", "d-1")


def test_deleting_snapshots_reclaims_their_chunks(store: BlockStore) -> None:
    filled(store)
    store.snapshot("d-1", "s-1")
    picked = change_one_percent(store, "d-1")
    store.snapshot("d-1", "s-2")
    # s-2's changed blocks are patches standing on s-1's versions: those stay
    assert store.delete_snapshot("s-1") == 0
    assert store.delete_snapshot("s-2") == SIZE + len(picked) * PAGE
    assert store.stored_bytes() == 0
    assert store.snapshots() == []


def test_refcounts_are_shared_across_disks_created_from_one_snapshot(store: BlockStore) -> None:
    filled(store)
    store.snapshot("d-1", "s-1")
    store.create_disk_from_snapshot("d-2", "s-1")
    store.create_disk_from_snapshot("d-3", "s-1")
    assert store.snapshot("d-2", "s-2").stored_bytes == 0
    store.write("d-3", 0, b"diverged")
    s3 = store.snapshot("d-3", "s-3")
    assert (s3.parent_id, s3.changed_blocks, s3.stored_bytes) == ("s-1", 1, PAGE)
    assert store.stored_bytes() == SIZE + PAGE

    assert store.delete_snapshot("s-1") == 0
    # d-3's block 0 is a patch over the version s-1 and s-2 share: it stays for s-3
    assert store.delete_snapshot("s-2") == 0
    assert store.stored_bytes() == SIZE + PAGE
    assert store.delete_snapshot("s-3") == SIZE + PAGE


def test_identical_blocks_are_stored_once(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    block = b"same" * (BS // 4)
    for index in range(10):
        store.write("d-1", index * BS, block)
    info = store.snapshot("d-1", "s-1")
    assert (info.blocks, info.stored_bytes) == (10, BS)


def test_changed_blocks_between_two_snapshots(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, b"a" * 3 * BS)
    store.snapshot("d-1", "s-1")
    store.write("d-1", BS + 10, b"b")  # block 1
    store.write("d-1", 2 * BS - 1, b"cc")  # straddles blocks 1 and 2
    store.write("d-1", 40 * BS, b"d")  # was a hole
    store.snapshot("d-1", "s-2")
    assert store.changed_blocks("s-1", "s-2") == [1, 2, 40]
    assert store.changed_blocks("s-2", "s-1") == [1, 2, 40]
    assert store.changed_blocks("s-2", "s-2") == []


def test_progress_reaches_the_total(store: BlockStore) -> None:
    filled(store)
    seen: list[tuple[int, int]] = []
    store.snapshot("d-1", "s-1", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (SIZE, SIZE)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    seen.clear()
    store.restore("s-1", "d-1", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (SIZE, SIZE)


def test_verify_detects_nothing_on_a_healthy_store(store: BlockStore) -> None:
    filled(store)
    store.snapshot("d-1", "s-1")
    report = store.verify()
    assert report.ok
    assert report.checked == BLOCKS


def test_errors(store: BlockStore) -> None:
    filled(store)
    store.snapshot("d-1", "s-1")
    with pytest.raises(SnapshotExists):
        store.snapshot("d-1", "s-1")
    with pytest.raises(DiskNotFound):
        store.snapshot("d-9", "s-2")
    with pytest.raises(SnapshotNotFound):
        store.changed_blocks("s-1", "s-9")
    with pytest.raises(ValueError):
        store.write("d-1", SIZE - 1, b"ab")
    with pytest.raises(ValueError):
        store.create_disk("d-2", BS + 1)
    store.delete_disk("d-1")
    with pytest.raises(DiskNotFound):
        store.read("d-1", 0, 1)
    assert [s.snapshot_id for s in store.snapshots()] == ["s-1"]  # snapshots outlive disks


def test_reopening_keeps_snapshots_and_refcounts(make_store: StoreFactory) -> None:
    store = make_store()
    filled(store)
    expected = md5(store, "d-1")
    store.snapshot("d-1", "s-1")
    store.write("d-1", 0, b"after")
    again = make_store()
    again.restore("s-1", "d-1")
    assert md5(again, "d-1") == expected
    again.write("d-1", 0, b"after")
    second = again.snapshot("d-1", "s-2")  # the dirty set was lost: hashing finds the change
    assert (second.changed_blocks, second.stored_bytes) == (1, PAGE)
    assert again.delete_snapshot("s-1") == 0  # s-2's block 0 stands on s-1's
    assert again.delete_snapshot("s-2") == SIZE + PAGE

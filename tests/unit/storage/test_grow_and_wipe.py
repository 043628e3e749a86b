"""resize_disk, wipe_disk and disk_ids, on both engines: a disk grows keeping its data, and
a wiped disk reads zeros and snapshots as a full, empty snapshot."""

from __future__ import annotations

import os

import pytest

from ecsim.storage import BlockStore, FileBlockStore
from tests.unit.storage.conftest import BS

SIZE = 64 * BS


def test_a_disk_grows_and_keeps_its_data(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    store.write("d-1", SIZE - 5, b"tail!")
    store.resize_disk("d-1", 4 * SIZE)
    assert store.disk_size("d-1") == 4 * SIZE
    assert store.read("d-1", SIZE - 5, 5) == b"tail!"
    assert store.read("d-1", SIZE, 4 * BS) == bytes(4 * BS)
    store.write("d-1", 4 * SIZE - 3, b"end")
    info = store.snapshot("d-1", "s-1")
    assert (info.size, info.blocks) == (4 * SIZE, 2)


def test_growing_refuses_to_shrink_or_to_leave_the_block_grid(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    for size in (SIZE - BS, SIZE + 1):
        with pytest.raises(ValueError):
            store.resize_disk("d-1", size)
    assert store.disk_size("d-1") == SIZE


def test_an_incremental_snapshot_after_growing_stores_only_the_change(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, b"a" * BS)
    store.snapshot("d-1", "s-1")
    store.resize_disk("d-1", 2 * SIZE)
    store.write("d-1", SIZE, b"b" * BS)
    second = store.snapshot("d-1", "s-2")
    assert (second.parent_id, second.changed_blocks, second.stored_bytes) == ("s-1", 1, BS)
    assert store.changed_blocks("s-1", "s-2") == [SIZE // BS]


def test_a_wiped_disk_reads_zeros_and_its_snapshots_survive(store: BlockStore) -> None:
    store.create_disk("d-1", SIZE)
    store.write("d-1", 3 * BS, b"secret" * 100)
    store.snapshot("d-1", "s-1")
    store.wipe_disk("d-1")
    assert store.read("d-1", 0, SIZE) == bytes(SIZE)
    assert store.disk_size("d-1") == SIZE
    blank = store.snapshot("d-1", "s-2")
    assert (blank.parent_id, blank.blocks) == (None, 0)
    store.restore("s-1", "d-1")
    assert store.read("d-1", 3 * BS, 6) == b"secret"


def test_disk_ids_lists_the_disks(store: BlockStore) -> None:
    assert store.disk_ids() == []
    store.create_disk("d-b", SIZE)
    store.create_disk("d-a", SIZE)
    assert store.disk_ids() == ["d-a", "d-b"]
    store.delete_disk("d-b")
    assert store.disk_ids() == ["d-a"]


def test_a_wiped_image_frees_its_blocks(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, b"x" * SIZE)
    file_store.wipe_disk("d-1")
    image = file_store.disk_path("d-1")
    assert (image.stat().st_size, image.stat().st_blocks) == (SIZE, 0)


def test_growing_after_an_outside_write_still_sees_that_write(file_store: FileBlockStore) -> None:
    file_store.create_disk("d-1", SIZE)
    file_store.write("d-1", 0, b"a" * BS)
    file_store.snapshot("d-1", "s-1")
    # an attached instance writes the image behind the engine's back
    fd = os.open(file_store.disk_path("d-1"), os.O_WRONLY)
    try:
        os.pwrite(fd, b"outside", 5 * BS)
        # a distinct mtime even on a coarse clock
        os.utime(fd, ns=(0, os.fstat(fd).st_mtime_ns + 10**9))
    finally:
        os.close(fd)
    file_store.resize_disk("d-1", 2 * SIZE)
    second = file_store.snapshot("d-1", "s-2")
    assert second.changed_blocks == 1
    assert file_store.changed_blocks("s-1", "s-2") == [5]

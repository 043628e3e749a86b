"""restore(snapshot(v)) == v, and changed_blocks is exactly the blocks that differ."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsim.storage import BlockStore, FakeBlockStore, FileBlockStore

BS = 4096
SIZE = 32 * BS

writes = st.lists(
    st.tuples(st.integers(0, SIZE - 1), st.binary(min_size=1, max_size=3 * BS)),
    max_size=12,
)


def apply(store: BlockStore, image: bytearray, batch: list[tuple[int, bytes]]) -> None:
    for offset, data in batch:
        data = data[: SIZE - offset]
        store.write("d-1", offset, data)
        image[offset : offset + len(data)] = data


def check(
    store: BlockStore, first: list[tuple[int, bytes]], second: list[tuple[int, bytes]]
) -> None:
    image = bytearray(SIZE)
    store.create_disk("d-1", SIZE)
    apply(store, image, first)
    v1 = bytes(image)
    store.snapshot("d-1", "s-1")
    apply(store, image, second)
    v2 = bytes(image)
    store.snapshot("d-1", "s-2")
    differing = [
        i for i in range(SIZE // BS) if v1[i * BS : (i + 1) * BS] != v2[i * BS : (i + 1) * BS]
    ]
    assert store.changed_blocks("s-1", "s-2") == differing
    store.restore("s-1", "d-1")
    assert store.read("d-1", 0, SIZE) == v1
    store.create_disk_from_snapshot("d-2", "s-2")
    assert store.read("d-2", 0, SIZE) == v2
    store.delete_snapshot("s-1")
    store.restore("s-2", "d-1")
    assert store.read("d-1", 0, SIZE) == v2
    assert store.verify().ok


@settings(max_examples=40, deadline=None)
@given(writes, writes)
def test_file_store_restores_what_it_snapshotted(
    first: list[tuple[int, bytes]], second: list[tuple[int, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as root:
        check(FileBlockStore(Path(root), block_size=BS, sync=False), first, second)


@settings(max_examples=40, deadline=None)
@given(writes, writes)
def test_fake_store_restores_what_it_snapshotted(
    first: list[tuple[int, bytes]], second: list[tuple[int, bytes]]
) -> None:
    check(FakeBlockStore(block_size=BS), first, second)

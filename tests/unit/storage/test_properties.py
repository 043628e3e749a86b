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


PATCH_BS = 16 * 1024  # four pages a block: small changes become patches
PATCH_SIZE = 8 * PATCH_BS

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("write"),
            st.integers(0, PATCH_SIZE - 1),
            st.binary(min_size=1, max_size=PATCH_BS + 100),
        ),
        st.tuples(st.just("snapshot"), st.just(0), st.just(b"")),
        st.tuples(st.just("delete"), st.integers(0, 20), st.just(b"")),
        st.tuples(st.just("reopen"), st.just(0), st.just(b"")),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(steps)
def test_snapshots_deleted_in_any_order_keep_the_rest_whole(
    ops: list[tuple[str, int, bytes]],
) -> None:
    """Patches over bases, bases outliving their snapshots, packs deleted and compacted: the
    file engine and the fake stay in step (stored and freed bytes), and every snapshot left
    restores exactly what it took."""
    with tempfile.TemporaryDirectory() as root:

        def opened() -> FileBlockStore:
            return FileBlockStore(Path(root), block_size=PATCH_BS, sync=False)

        file_store, fake = opened(), FakeBlockStore(block_size=PATCH_BS)
        image = bytearray(PATCH_SIZE)
        taken: dict[str, bytes] = {}
        for store in (file_store, fake):
            store.create_disk("d-1", PATCH_SIZE)
        for number, (op, at, data) in enumerate(ops):
            if op == "write":
                data = data[: PATCH_SIZE - at]
                image[at : at + len(data)] = data
                for store in (file_store, fake):
                    store.write("d-1", at, data)
            elif op == "snapshot":
                name = f"s-{number}"
                infos = [store.snapshot("d-1", name) for store in (file_store, fake)]
                assert infos[0] == infos[1]
                taken[name] = bytes(image)
            elif op == "delete" and taken:
                name = sorted(taken)[at % len(taken)]
                freed = [store.delete_snapshot(name) for store in (file_store, fake)]
                assert freed[0] == freed[1]
                del taken[name]
            elif op == "reopen":
                file_store = opened()
            assert file_store.stored_bytes() == fake.stored_bytes()
        assert file_store.verify().ok
        for name, expected in taken.items():
            file_store.create_disk_from_snapshot(f"copy-{name}", name)
            assert file_store.read(f"copy-{name}", 0, PATCH_SIZE) == expected
        for name in list(taken):
            file_store.delete_snapshot(name)
        assert file_store.stored_bytes() == 0
        assert list((Path(root) / "packs").iterdir()) == []

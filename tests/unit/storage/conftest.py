"""Small stores for the storage engine's tests: 16 KiB blocks, disks of a few MiB."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ecsim.storage import BlockStore, FakeBlockStore, FileBlockStore
from ecsim.storage.packs import Record, pack_paths, scan_pack

BS = 16 * 1024

StoreFactory = Callable[[], BlockStore]


@pytest.fixture(params=["file", "fake"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens the store under test; calling it again reopens the same state (files only)."""
    if request.param == "fake":
        fake = FakeBlockStore(block_size=BS)
        return lambda: fake
    # fsync is what costs here; crash-ordering is tested without it, durability needs none
    return lambda: FileBlockStore(tmp_path / "store", block_size=BS, sync=False)


@pytest.fixture
def store(make_store: StoreFactory) -> BlockStore:
    return make_store()


@pytest.fixture
def file_store(tmp_path: Path) -> FileBlockStore:
    return FileBlockStore(tmp_path / "store", block_size=BS, sync=False)


def random_blocks(rng: random.Random, count: int) -> bytes:
    return rng.randbytes(count * BS)


def pack_records(root: Path) -> list[tuple[Path, Record]]:
    """Every record in the store's committed packs, with its pack, in pack order."""
    return [(path, r) for path in pack_paths(root / "packs") for r in scan_pack(path).records]


def record_of(root: Path, digest: str) -> tuple[Path, Record]:
    return next((p, r) for p, r in reversed(pack_records(root)) if r.digest == digest)


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))

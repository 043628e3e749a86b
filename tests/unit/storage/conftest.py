"""Small stores for the storage engine's tests: 16 KiB blocks, disks of a few MiB."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ecsim.storage import BlockStore, FakeBlockStore, FileBlockStore

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

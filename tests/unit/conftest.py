"""Fixtures most unit tests stand on: an in-memory store and a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecsim.clock import FrozenClock
from ecsim.store.sqlite import SqliteStore


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()

"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import RunningServer, start_server

SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One ecsim for the whole session; tests isolate themselves by account or region."""
    running = start_server(tmp_path_factory.mktemp("ecsim-data"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def api_meta_dir() -> Path:
    """../shared/reference/api-meta; tests that need it skip where it is absent."""
    path = SHARED_REFERENCE / "api-meta"
    if not path.is_dir():
        pytest.skip("../shared/reference/api-meta is not present")
    return path

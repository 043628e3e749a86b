"""Tests against the real kernel: they skip cleanly without root, ``ip netns`` or nft."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import netns
from tests.support.linux import serve_linux, world_fixture
from tests.support.server import RunningServer
from tests.support.worlds import World


@pytest.fixture(autouse=True)
def requires_root() -> None:
    reason = netns.unavailable()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture
def lab(requires_root: None) -> Iterator[netns.Lab]:
    """Namespaces for one test, removed afterwards whatever happened."""
    made = netns.Lab()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server with the Linux data plane for each module (a module may bring its own)."""
    yield from serve_linux(tmp_path_factory.mktemp("ecsim-linux"))


@pytest.fixture
def world(linux_server: RunningServer) -> Iterator[World]:
    """A fresh account's VPC, vSwitch and group; its instances are deleted afterwards."""
    yield from world_fixture(linux_server)

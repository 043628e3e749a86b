"""Fixtures of the API tests beyond the shared server (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.server import RunningServer
from tests.support.worlds import World, new_world


@pytest.fixture
def world(server: RunningServer) -> World:
    """A fresh account with a VPC, a vSwitch and a group (tests.support.worlds)."""
    return new_world(server)

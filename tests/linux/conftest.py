"""Tests against the real kernel: they skip cleanly without root, ``ip netns`` or nft."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import netns


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

"""The pure block encoding: pages that differ, patches over a base or over zeros."""

from __future__ import annotations

import random

import pytest

from ecsim.storage.encoding import (
    apply_patch,
    bitmap_length,
    changed_pages,
    encode_patch,
    page_size,
    patch_pages,
    patch_worthwhile,
    stored_length,
)

BS = 64 * 1024
PAGE = 4096


def test_pages_that_differ_from_a_base_or_from_zeros() -> None:
    rng = random.Random(1)
    base = rng.randbytes(BS)
    new = bytearray(base)
    new[5 * PAGE + 17] ^= 1
    new[-1] ^= 1
    assert changed_pages(bytes(new), base, PAGE) == [5, 15]
    assert changed_pages(base, base, PAGE) == []
    sparse = bytearray(BS)
    sparse[3 * PAGE + PAGE - 1] = 7  # a page whose first bytes are zero still counts
    sparse[9 * PAGE] = 1
    assert changed_pages(bytes(sparse), None, PAGE) == [3, 9]


@pytest.mark.parametrize("seed", range(20))
def test_a_patch_rebuilds_the_block_exactly(seed: int) -> None:
    rng = random.Random(seed)
    base = rng.randbytes(BS) if seed % 2 else None
    new = bytearray(base or bytes(BS))
    for _ in range(rng.randrange(0, 8)):
        at = rng.randrange(BS)
        new[at : at + 100] = rng.randbytes(min(100, BS - at))
    pages = changed_pages(bytes(new), base, PAGE)
    payload = encode_patch(bytes(new), pages, PAGE)
    assert len(payload) == bitmap_length(BS, PAGE) + len(pages) * PAGE
    assert patch_pages(payload, BS, PAGE) == pages
    assert apply_patch(base, payload, BS, PAGE) == bytes(new)


def test_a_patch_of_the_wrong_length_is_refused() -> None:
    payload = encode_patch(bytes(BS), [2], PAGE)
    with pytest.raises(ValueError, match="length"):
        apply_patch(None, payload[:-1], BS, PAGE)


def test_a_block_mostly_changed_is_stored_whole() -> None:
    pages = BS // PAGE
    assert patch_worthwhile(pages // 2, BS, PAGE)
    assert not patch_worthwhile(pages // 2 + 1, BS, PAGE)
    assert stored_length(3, BS, PAGE) == 3 * PAGE
    assert stored_length(pages, BS, PAGE) == BS
    assert page_size(1024) == 1024 and page_size(1 << 20) == PAGE

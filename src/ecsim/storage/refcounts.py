"""Reference counts of stored blocks: one per manifest entry naming the block, and one per
live patch standing on it as its base (a base outlives its last manifest while a patch needs
it). Shared by the file engine and the in-memory fake so both free the same bytes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

__all__ = ["RefCounts"]


class RefCounts:
    def __init__(self, base_of: Callable[[str], str | None]) -> None:
        self._base_of = base_of  # the base a block's patch stands on, None when whole/zeros
        self._refs: Counter[str] = Counter()

    def __getitem__(self, digest: str) -> int:
        return self._refs[digest]

    def referenced(self) -> set[str]:
        return set(self._refs)

    def clear(self) -> None:
        self._refs = Counter()

    def retain(self, digests: Iterable[str]) -> None:
        stack = list(digests)
        while stack:
            digest = stack.pop()
            self._refs[digest] += 1
            if self._refs[digest] == 1 and (base := self._base_of(digest)) is not None:
                stack.append(base)  # newly live: it holds its base

    def release(self, digests: Iterable[str]) -> list[str]:
        """Drop references; returns the blocks that reached zero (their bases released too).
        ``base_of`` must still answer for them: the caller forgets them afterwards."""
        dead: list[str] = []
        stack = list(digests)
        while stack:
            digest = stack.pop()
            self._refs[digest] -= 1
            if self._refs[digest] > 0:
                continue
            del self._refs[digest]
            dead.append(digest)
            if (base := self._base_of(digest)) is not None:
                stack.append(base)
        return dead

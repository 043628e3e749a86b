"""Content-addressed chunk store: one file per distinct block, named by its BLAKE3 hash.

Files fan out as ``ab/cd/abcd…`` so no directory grows past a few hundred entries. A chunk
is written under a temp name, fsynced and renamed, so a present name always holds complete
bytes. Reference counts live in memory and are rebuilt from the manifests when a store opens:
manifests are the only durable record, so counts can never disagree with them after a crash,
and a chunk no manifest references (an orphan of an interrupted snapshot) is garbage.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import blake3

from ecsim.storage.atomic import atomic_write, is_temp

__all__ = ["ChunkStore", "block_hash"]


def block_hash(data: bytes | memoryview) -> str:
    return blake3.blake3(data).hexdigest()


class ChunkStore:
    def __init__(self, root: Path, *, sync: bool = True) -> None:
        self._root = root
        self._sync = sync
        self._refs: Counter[str] = Counter()
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self._root / digest[:2] / digest[2:4] / digest

    def has(self, digest: str) -> bool:
        return self.path(digest).exists()

    def put(self, digest: str, data: bytes) -> bool:
        """Store ``data`` under ``digest`` unless present; True when bytes were written."""
        path = self.path(digest)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data, sync=self._sync)
        return True

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    # reference counts: one per manifest entry that names the chunk

    def refcount(self, digest: str) -> int:
        return self._refs[digest]

    def retain(self, digests: Iterable[str]) -> None:
        self._refs.update(digests)

    def release(self, digests: Iterable[str]) -> int:
        """Drop references; delete chunks that reach zero. Returns the bytes reclaimed."""
        freed = 0
        for digest in digests:
            self._refs[digest] -= 1
            if self._refs[digest] <= 0:
                del self._refs[digest]
                freed += self._remove(digest)
        return freed

    def _remove(self, digest: str) -> int:
        path = self.path(digest)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def reset_refs(self, digests: Iterable[str]) -> None:
        self._refs = Counter(digests)

    def referenced(self) -> set[str]:
        return set(self._refs)

    # walking the store

    def files(self) -> Iterator[Path]:
        for first in sorted(self._root.iterdir()):
            if first.is_dir():
                for second in sorted(first.iterdir()):
                    if second.is_dir():
                        yield from sorted(second.iterdir())

    def digests(self) -> Iterator[str]:
        for path in self.files():
            if not is_temp(path):
                yield path.name

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files() if not is_temp(p))

    def sweep(self) -> tuple[int, int]:
        """Delete temp files and chunks nobody references: (count, bytes)."""
        count = freed = 0
        for path in list(self.files()):
            if is_temp(path) or self._refs[path.name] <= 0:
                freed += path.stat().st_size
                path.unlink()
                count += 1
        for first in self._root.iterdir():
            for second in first.iterdir() if first.is_dir() else ():
                if second.is_dir() and not any(second.iterdir()):
                    os.rmdir(second)
        return count, freed

    def is_intact(self, digest: str) -> bool:
        try:
            return block_hash(self.get(digest)) == digest
        except FileNotFoundError:
            return False

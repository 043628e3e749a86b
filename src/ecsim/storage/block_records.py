"""The store of block contents: records in pack files, indexed by digest, reference-counted.

A block is stored once whatever number of snapshots and disks use it (its digest is the
BLAKE3 hash of its content), either whole or as a patch over a base block (``encoding``).
References come from manifests, one per map entry, and from each live patch to its base, so
a base outlives the last manifest naming it while a patch still needs it. Counts live in
memory and are rebuilt from the manifests at open: manifests are the only durable record.

A record whose count reaches zero leaves the index at once; its bytes go when its pack goes.
A pack with no live record is deleted; one whose live records are less than half of it is
compacted (live records copied to a new pack, then the old one deleted).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ecsim.storage.atomic import is_temp
from ecsim.storage.base import StorageError
from ecsim.storage.encoding import apply_patch, bitmap_length, block_hash, page_size
from ecsim.storage.packs import (
    Kind,
    PackWriter,
    Record,
    pack_paths,
    pack_sequence,
    read_payload,
    scan_pack,
)
from ecsim.storage.refcounts import RefCounts

__all__ = ["BlockMissing", "BlockRecords", "Session"]


class BlockMissing(StorageError):
    """A block (or a base its patch needs) is not in the store, or its pack is gone."""


class Session:
    """New records of one write session (a snapshot, an import): visible to the session
    at once, to everyone once committed."""

    def __init__(self, owner: BlockRecords, writer: PackWriter) -> None:
        self._owner = owner
        self._writer = writer

    def has(self, digest: str) -> bool:
        return digest in self._writer.records or self._owner.has(digest)

    def put(self, digest: str, kind: Kind, base: str | None, payload: bytes) -> None:
        self._writer.add(digest, kind, base, payload)

    def content(self, digest: str) -> bytes:
        return self._owner.content(digest, pending=self._writer)


class BlockRecords:
    def __init__(self, root: Path, block_size: int, *, sync: bool = True) -> None:
        self._root = root
        self._block_size = block_size
        self._page = page_size(block_size)
        self._bitmap = bitmap_length(block_size, self._page)
        self._sync = sync
        root.mkdir(parents=True, exist_ok=True)
        self._index: dict[str, Record] = {}
        self._members: dict[str, set[str]] = {}  # pack -> digests the index places there
        self._pack_bytes: dict[str, int] = {}  # pack -> payload bytes it holds, live or not
        self._refs = RefCounts(self._base_of)
        self._next = 1
        for path in pack_paths(root):
            scanned = scan_pack(path)
            self._pack_bytes[path.name] = sum(r.length for r in scanned.records)
            self._members.setdefault(path.name, set())
            for record in scanned.records:  # later packs win: their copy is the newer one
                self._place(record)
            self._next = (pack_sequence(path.name) or 0) + 1

    def _place(self, record: Record) -> None:
        old = self._index.get(record.digest)
        if old is not None:
            self._members[old.pack].discard(record.digest)
        self._index[record.digest] = record
        self._members.setdefault(record.pack, set()).add(record.digest)

    # contents

    def has(self, digest: str) -> bool:
        return digest in self._index

    def data_bytes(self, record: Record) -> int:
        """The block data a record stores (a patch's bitmap is metadata)."""
        return record.length - self._bitmap if record.kind is Kind.PATCH else record.length

    def record(self, digest: str) -> Record | None:
        return self._index.get(digest)

    def content(self, digest: str, *, pending: PackWriter | None = None) -> bytes:
        """The block's bytes, a patch applied over its base; StorageError when missing."""
        record = pending.records.get(digest) if pending is not None else None
        if record is not None and pending is not None:
            payload = pending.pending_payload(record)
        else:
            record = self._index.get(digest)
            if record is None:
                raise BlockMissing(f"block {digest} is missing")
            try:
                payload = read_payload(self._root, record)
            except FileNotFoundError:
                raise BlockMissing(
                    f"block {digest} is missing: pack {record.pack} is gone"
                ) from None
            except OSError as error:
                raise StorageError(f"block {digest} is unreadable: {error}") from None
        if record.kind is Kind.WHOLE:
            return payload
        base = self.content(record.base, pending=pending) if record.base is not None else None
        try:
            return apply_patch(base, payload, self._block_size, self._page)
        except ValueError as error:
            raise StorageError(f"block {digest}: {error}") from None

    def depth(self, digest: str) -> int:
        """Patches between the block and a whole record (or zeros)."""
        steps = 0
        record = self._index.get(digest)
        while record is not None and record.kind is Kind.PATCH:
            steps += 1
            record = self._index.get(record.base) if record.base is not None else None
        return steps

    def keyframe(self, digest: str) -> str | None:
        """The whole block at the root of the block's patch chain (None: zeros)."""
        record = self._index.get(digest)
        while record is not None and record.kind is Kind.PATCH:
            record = self._index.get(record.base) if record.base is not None else None
        return record.digest if record is not None else None

    def is_intact(self, digest: str) -> bool:
        return self.condition(digest) == "intact"

    def condition(self, digest: str) -> str:
        """ "intact", "missing" (it or a base it needs) or "corrupt" (bytes not its hash)."""
        try:
            return "intact" if block_hash(self.content(digest)) == digest else "corrupt"
        except BlockMissing:
            return "missing"
        except StorageError:
            return "corrupt"

    # writing

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Commits the session's pack when the block exits, removes it if it raises."""
        writer = PackWriter(self._root, self._next, sync=self._sync)
        self._next += 1
        try:
            yield Session(self, writer)
        except BaseException:
            writer.abort()
            raise
        records = writer.commit()
        self._pack_bytes[writer.name] = sum(r.length for r in records)
        for record in records:
            self._place(record)

    # reference counts

    def refcount(self, digest: str) -> int:
        return self._refs[digest]

    def referenced(self) -> set[str]:
        return self._refs.referenced()

    def _base_of(self, digest: str) -> str | None:
        record = self._index.get(digest)
        return record.base if record is not None else None

    def reset_refs(self, manifest_digests: Iterable[str]) -> None:
        """Counts as the manifests imply them, each live patch adding one to its base."""
        self._refs.clear()
        self._refs.retain(manifest_digests)

    def retain(self, digests: Iterable[str]) -> None:
        self._refs.retain(digests)

    def release(self, digests: Iterable[str]) -> int:
        """Drop references; records reaching zero leave the index. Returns their bytes."""
        freed = 0
        touched: set[str] = set()
        for digest in self._refs.release(digests):
            record = self._index.pop(digest, None)
            if record is not None:
                self._members[record.pack].discard(digest)
                touched.add(record.pack)
                freed += self.data_bytes(record)
        for pack in touched:
            self._tidy(pack)
        return freed

    # housekeeping

    def _live_bytes(self, pack: str) -> int:
        return sum(self._index[d].length for d in self._members.get(pack, ()))

    def _tidy(self, pack: str) -> None:
        """Delete a pack nothing lives in; compact one that is mostly dead."""
        if not self._members.get(pack):
            (self._root / pack).unlink(missing_ok=True)
            self._members.pop(pack, None)
            self._pack_bytes.pop(pack, None)
        elif self._live_bytes(pack) * 2 < self._pack_bytes.get(pack, 0):
            self._compact(pack)

    def _compact(self, pack: str) -> None:
        live = sorted(self._members[pack], key=lambda d: self._index[d].offset)
        with self.session() as session:
            for digest in live:
                record = self._index[digest]
                payload = read_payload(self._root, record)
                session.put(digest, record.kind, record.base, payload)
        # session exit re-placed every live record in the new pack: the old one is empty
        self._tidy(pack)

    def sweep(self) -> tuple[int, int]:
        """Drop temp packs and records nobody references: (records and files, bytes)."""
        count = freed = 0
        for path in list(self._root.iterdir()):
            if is_temp(path):
                freed += path.stat().st_size
                path.unlink()
                count += 1
        unreferenced = [d for d in self._index if self._refs[d] <= 0]
        for digest in unreferenced:
            record = self._index.pop(digest)
            self._members[record.pack].discard(digest)
            count += 1
            freed += self.data_bytes(record)
        for pack in list(self._members):
            self._tidy(pack)
        return count, freed

    def digests(self) -> list[str]:
        return sorted(self._index)

    def total_bytes(self) -> int:
        """Block data of the indexed records: what the stored blocks cost."""
        return sum(self.data_bytes(r) for r in self._index.values())

    def disk_bytes(self) -> int:
        """What the pack files occupy, headers and not yet compacted records included."""
        return sum(os.stat(self._root / name).st_size for name in self._members)

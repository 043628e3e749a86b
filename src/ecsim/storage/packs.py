"""Pack files: block records appended to one file per write session.

One file per block (the earlier layout) made a full snapshot one create+write+fsync+rename
per MiB, which this kind of disk absorbs at ~230 MiB/s. A session (a snapshot, an import, a
compaction) instead appends every new record to one pack, fsyncs it once (with writeback
kept going meanwhile, see ``flushing``), renames it from its temp name and only then lets a
manifest name its blocks: a present pack is always complete, and a crash leaves at most a
temp pack, which the next open deletes.

A pack is self-describing: each record is a fixed header followed by its payload, so the
index (digest -> where) is rebuilt by reading headers only. Layout of a header::

    magic "ECP1" | kind (0 whole, 1 patch) | 3 zero bytes | payload length (u64 LE)
    | digest (32 bytes: BLAKE3 of the block's content) | base digest (32 zero bytes: none)

Packs are named ``p-<sequence>.pack``; when two packs hold the same digest (a compaction
copied it and a crash came before the old pack was removed) the higher sequence wins.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import struct
import threading
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from ecsim.storage.atomic import TEMP_MARKER, fsync_dir, is_temp
from ecsim.storage.flushing import Flusher

__all__ = [
    "Kind",
    "PackWriter",
    "Record",
    "ScannedPack",
    "pack_paths",
    "pack_sequence",
    "read_payload",
    "scan_pack",
]

_HEADER = struct.Struct("<4sB3xQ32s32s")
_MAGIC = b"ECP1"
_NO_BASE = bytes(32)
_NAME = re.compile(r"p-(\d+)\.pack")
HEADER_SIZE = _HEADER.size


class Kind(IntEnum):
    WHOLE = 0
    PATCH = 1  # pages over ``base`` (or over zeros when base is None)


@dataclass(frozen=True, slots=True)
class Record:
    digest: str
    kind: Kind
    base: str | None
    pack: str  # the pack's file name
    offset: int  # where the payload starts in the pack
    length: int  # payload bytes


@dataclass(frozen=True, slots=True)
class ScannedPack:
    name: str
    records: list[Record]
    torn: bool  # the scan stopped at a header that does not parse or a short payload


def pack_sequence(name: str) -> int | None:
    match = _NAME.fullmatch(name)
    return int(match.group(1)) if match else None


def pack_paths(directory: Path) -> list[Path]:
    """Committed packs in sequence order (temp packs excluded)."""
    found = [
        (seq, path)
        for path in directory.iterdir()
        if not is_temp(path) and (seq := pack_sequence(path.name)) is not None
    ]
    return [path for _, path in sorted(found)]


def scan_pack(path: Path) -> ScannedPack:
    records: list[Record] = []
    size = path.stat().st_size
    with path.open("rb") as f:
        at = 0
        while at < size:
            raw = f.read(HEADER_SIZE)
            if len(raw) < HEADER_SIZE:
                return ScannedPack(path.name, records, torn=True)
            magic, kind, length, digest, base = _HEADER.unpack(raw)
            start = at + HEADER_SIZE
            if magic != _MAGIC or kind not in (Kind.WHOLE, Kind.PATCH) or start + length > size:
                return ScannedPack(path.name, records, torn=True)
            records.append(
                Record(
                    digest=digest.hex(),
                    kind=Kind(kind),
                    base=None if base == _NO_BASE else base.hex(),
                    pack=path.name,
                    offset=start,
                    length=length,
                )
            )
            at = start + length
            f.seek(at)
    return ScannedPack(path.name, records, torn=False)


def read_payload(directory: Path, record: Record) -> bytes:
    fd = os.open(directory / record.pack, os.O_RDONLY)
    try:
        data = os.pread(fd, record.length, record.offset)
    finally:
        os.close(fd)
    if len(data) != record.length:
        raise OSError(f"pack {record.pack} ends inside the record of {record.digest}")
    return data


class PackWriter:
    """Appends records to ``<name>`` under a temp name; ``commit`` makes it durable and
    visible under its final name, ``abort`` removes it.

    Writing happens on a thread of its own (the caller reads and hashes the next block
    meanwhile; ``writev`` releases the GIL), at most ``_QUEUED`` records behind. A write
    error is raised by the next ``add``, ``pending_payload`` or ``commit``.
    """

    _QUEUED = 16

    def __init__(self, directory: Path, sequence: int, *, sync: bool) -> None:
        self.name = f"p-{sequence:010d}.pack"
        self._directory = directory
        # a random suffix: a crashed server's temp pack may carry the same pid (containers)
        self._temp = directory / f"{self.name}{TEMP_MARKER}{secrets.token_hex(4)}"
        self._sync = sync
        self._fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._flusher = Flusher(self._fd, enabled=sync)
        self._at = 0
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(self._QUEUED)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write_queued, name="ecsim-pack", daemon=True)
        self._thread.start()
        self.records: dict[str, Record] = {}

    def add(self, digest: str, kind: Kind, base: str | None, payload: bytes) -> Record:
        if self._error is not None:
            raise self._error
        header = _HEADER.pack(
            _MAGIC,
            kind,
            len(payload),
            bytes.fromhex(digest),
            bytes.fromhex(base) if base is not None else _NO_BASE,
        )
        self._queue.put([header, payload])
        record = Record(digest, kind, base, self.name, self._at + HEADER_SIZE, len(payload))
        self._at += HEADER_SIZE + len(payload)
        self.records[digest] = record
        return record

    def _write_queued(self) -> None:
        while (parts := self._queue.get()) is not None:
            try:
                if self._error is None:
                    _write_all(self._fd, parts)
                    self._flusher.wrote(sum(len(p) for p in parts))
            except BaseException as error:  # handed to the caller's next call
                self._error = error
            finally:
                self._queue.task_done()

    def _settle(self) -> None:
        self._queue.join()
        if self._error is not None:
            raise self._error

    def pending_payload(self, record: Record) -> bytes:
        """A record this session wrote, read back before the pack is committed."""
        self._settle()
        fd = os.open(self._temp, os.O_RDONLY)
        try:
            return os.pread(fd, record.length, record.offset)
        finally:
            os.close(fd)

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._flusher.close()

    def commit(self) -> list[Record]:
        self._stop()
        try:
            if self._error is not None:
                raise self._error
            if self._sync:
                os.fsync(self._fd)
        except BaseException:
            self.abort()
            raise
        os.close(self._fd)
        if not self.records:
            self._temp.unlink()
            return []
        os.replace(self._temp, self._directory / self.name)
        if self._sync:
            fsync_dir(self._directory)
        return list(self.records.values())

    def abort(self) -> None:
        self._stop()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._temp.unlink(missing_ok=True)


def _write_all(fd: int, parts: list[bytes]) -> None:
    want = sum(len(p) for p in parts)
    done = os.writev(fd, parts)
    if done == want:
        return
    rest = memoryview(b"".join(parts))[done:]  # a short write: rare, finish it plainly
    while rest:
        rest = rest[os.write(fd, rest) :]

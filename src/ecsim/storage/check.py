"""A read-only consistency check of a FileBlockStore directory (``ecsim storage verify``).

Opening a ``FileBlockStore`` sweeps what a crash left behind, so the check does not open one:
it reads the packs' headers into an index of its own and changes nothing. It rebuilds and
re-hashes every stored block (a block whose bytes, patches applied, no longer match its
digest is corrupt), reads every manifest (one that does not parse, or does not fit the
store's block size, is bad) and checks that every block a manifest names, and every base a
patch needs, is present. Unreferenced blocks and temp packs are garbage of an interrupted
snapshot, not damage: they are reported, and the next ``gc()`` (every open runs one)
reclaims them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsim.storage.atomic import is_temp
from ecsim.storage.base import StorageError
from ecsim.storage.block_records import BlockRecords
from ecsim.storage.packs import Kind, Record
from ecsim.storage.snapshot import Manifest

__all__ = ["CheckReport", "check_store"]

_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class CheckReport:
    root: str
    block_size: int
    disks: int
    snapshots: int
    chunks: int
    chunk_bytes: int
    corrupt: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    # manifests that do not parse or do not fit the store (file names)
    bad_manifests: tuple[str, ...] = ()
    # snapshots whose blocks are corrupt or missing
    damaged_snapshots: tuple[str, ...] = ()
    orphan_chunks: int = 0
    orphan_bytes: int = 0
    temp_files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.corrupt or self.missing or self.bad_manifests)

    def to_json(self) -> dict[str, Any]:
        return {
            "Consistent": self.ok,
            "Root": self.root,
            "BlockSize": self.block_size,
            "Disks": self.disks,
            "Snapshots": self.snapshots,
            "Chunks": self.chunks,
            "ChunkBytes": self.chunk_bytes,
            "CorruptChunks": list(self.corrupt),
            "MissingChunks": list(self.missing),
            "BadManifests": list(self.bad_manifests),
            "DamagedSnapshots": list(self.damaged_snapshots),
            "OrphanChunks": self.orphan_chunks,
            "OrphanBytes": self.orphan_bytes,
            "TempFiles": self.temp_files,
        }


def check_store(root: Path) -> CheckReport:
    """Check the store at ``root``; StorageError when no store is there."""
    meta = root / "store.json"
    try:
        block_size = int(json.loads(meta.read_bytes())["block_size"])
    except FileNotFoundError:
        raise StorageError(f"no block store at {root} (no store.json)") from None
    except (ValueError, KeyError, TypeError) as error:
        raise StorageError(f"{meta} is unreadable: {error}") from None
    manifests, bad, temps = _manifests(root / "snapshots", block_size)
    packs = root / "packs"
    records = BlockRecords(packs, block_size, sync=False) if packs.is_dir() else None
    conditions = {d: records.condition(d) for d in records.digests()} if records else {}
    present = {
        d: records.record(d) for d, state in conditions.items() if records and state != "missing"
    }
    corrupt = {d for d, state in conditions.items() if state == "corrupt"}
    referenced: dict[str, set[str]] = {}
    for manifest in manifests:
        for digest in manifest.blocks.values():
            _reach(digest, manifest.snapshot_id, present, referenced)
    missing = set(referenced) - set(present)
    damaged = {sid for d in (missing | corrupt) for sid in referenced.get(d, ())}
    orphans = set(present) - set(referenced)
    disks = root / "disks"
    pack_temps = sum(1 for p in packs.iterdir() if is_temp(p)) if packs.is_dir() else 0
    return CheckReport(
        root=str(root),
        block_size=block_size,
        disks=sum(1 for _ in disks.glob("*.img")) if disks.is_dir() else 0,
        snapshots=len(manifests),
        chunks=len(present),
        chunk_bytes=records.total_bytes() if records else 0,
        corrupt=tuple(sorted(corrupt)),
        missing=tuple(sorted(missing)),
        bad_manifests=tuple(sorted(bad)),
        damaged_snapshots=tuple(sorted(damaged)),
        orphan_chunks=len(orphans),
        orphan_bytes=sum(
            records.data_bytes(r) for d in orphans if records and (r := present[d]) is not None
        ),
        temp_files=temps + pack_temps,
    )


def _reach(
    digest: str,
    snapshot_id: str,
    present: Mapping[str, Record | None],
    referenced: dict[str, set[str]],
) -> None:
    """Mark the block and the bases its patches stand on as needed by the snapshot."""
    while True:
        referenced.setdefault(digest, set()).add(snapshot_id)
        record = present.get(digest)
        if record is None or record.kind is not Kind.PATCH or record.base is None:
            return
        digest = record.base


def _manifests(directory: Path, block_size: int) -> tuple[list[Manifest], list[str], int]:
    good: list[Manifest] = []
    bad: list[str] = []
    temps = 0
    for path in sorted(directory.glob("*")) if directory.is_dir() else ():
        if is_temp(path):
            temps += 1
            continue
        try:
            manifest = Manifest.from_json(path.read_bytes())
        except (ValueError, KeyError, TypeError, AttributeError):
            bad.append(path.name)
            continue
        if not _fits(manifest, path, block_size):
            bad.append(path.name)
            continue
        good.append(manifest)
    return good, bad, temps


def _fits(manifest: Manifest, path: Path, block_size: int) -> bool:
    """The manifest is named after its snapshot, uses the store's blocks, and names only
    blocks inside its disk by well-formed hashes."""
    count = -(-manifest.size // block_size)
    return (
        path.name == f"{manifest.snapshot_id}.json"
        and manifest.block_size == block_size
        and all(0 <= index < count for index in manifest.blocks)
        and all(_DIGEST.fullmatch(digest) for digest in manifest.blocks.values())
    )

"""Snapshot manifests: a full map block index -> chunk hash, plus the parent it was taken after.

Manifests are *full* maps rather than deltas. The chunk store already deduplicates, so a full
map costs only metadata (a 4 GiB disk at 1 MiB blocks is at most 4,096 entries), and it makes
every snapshot restorable on its own: deleting a middle snapshot needs no chain resolution,
only re-pointing its children's ``parent_id`` (kept for provenance and incremental accounting).
Blocks absent from the map are zeros.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ecsim.storage.atomic import atomic_write, is_temp
from ecsim.storage.base import SnapshotExists, SnapshotInfo, SnapshotNotFound

__all__ = ["Manifest", "ManifestDir", "diff_blocks"]

_FORMAT = 1


def diff_blocks(a: Mapping[int, str], b: Mapping[int, str]) -> list[int]:
    """Block indices whose content differs between two maps (absent = zeros), ascending."""
    return sorted(i for i in a.keys() | b.keys() if a.get(i) != b.get(i))


@dataclass(frozen=True, slots=True)
class Manifest:
    snapshot_id: str
    disk_id: str
    parent_id: str | None
    size: int
    block_size: int
    blocks: Mapping[int, str]
    changed: int
    stored_bytes: int

    def info(self) -> SnapshotInfo:
        return SnapshotInfo(
            snapshot_id=self.snapshot_id,
            disk_id=self.disk_id,
            parent_id=self.parent_id,
            size=self.size,
            block_size=self.block_size,
            blocks=len(self.blocks),
            changed_blocks=self.changed,
            stored_bytes=self.stored_bytes,
        )

    def reparented(self, parent: Manifest | None) -> Manifest:
        """This manifest after its parent was deleted: ``parent`` is the grandparent."""
        base: Mapping[int, str] = parent.blocks if parent is not None else {}
        return replace(
            self,
            parent_id=parent.snapshot_id if parent is not None else None,
            changed=len(diff_blocks(base, self.blocks)),
        )

    def to_json(self) -> bytes:
        doc = {
            "format": _FORMAT,
            "snapshot_id": self.snapshot_id,
            "disk_id": self.disk_id,
            "parent_id": self.parent_id,
            "size": self.size,
            "block_size": self.block_size,
            "changed": self.changed,
            "stored_bytes": self.stored_bytes,
            # JSON keys are strings; sorted so identical manifests are identical files
            "blocks": {str(i): h for i, h in sorted(self.blocks.items())},
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        doc = json.loads(raw)
        return cls(
            snapshot_id=doc["snapshot_id"],
            disk_id=doc["disk_id"],
            parent_id=doc["parent_id"],
            size=int(doc["size"]),
            block_size=int(doc["block_size"]),
            blocks={int(i): str(h) for i, h in doc["blocks"].items()},
            changed=int(doc["changed"]),
            stored_bytes=int(doc["stored_bytes"]),
        )


class ManifestDir:
    """Manifests as ``<root>/<snapshot_id>.json``; a manifest's presence *is* the commit."""

    def __init__(self, root: Path, *, sync: bool = True) -> None:
        self._root = root
        self._sync = sync
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, snapshot_id: str) -> Path:
        if not snapshot_id or "/" in snapshot_id or snapshot_id.startswith("."):
            raise SnapshotNotFound(f"invalid snapshot id {snapshot_id!r}")
        return self._root / f"{snapshot_id}.json"

    def exists(self, snapshot_id: str) -> bool:
        return self._path(snapshot_id).exists()

    def load(self, snapshot_id: str) -> Manifest:
        try:
            return Manifest.from_json(self._path(snapshot_id).read_bytes())
        except FileNotFoundError:
            raise SnapshotNotFound(snapshot_id) from None

    def create(self, manifest: Manifest) -> None:
        if self.exists(manifest.snapshot_id):
            raise SnapshotExists(manifest.snapshot_id)
        atomic_write(self._path(manifest.snapshot_id), manifest.to_json(), sync=self._sync)

    def replace(self, manifest: Manifest) -> None:
        atomic_write(self._path(manifest.snapshot_id), manifest.to_json(), sync=self._sync)

    def remove(self, snapshot_id: str) -> None:
        self._path(snapshot_id).unlink()

    def __iter__(self) -> Iterator[Manifest]:
        for path in sorted(self._root.glob("*.json")):
            if not is_temp(path):
                yield Manifest.from_json(path.read_bytes())

    def sweep_temps(self) -> int:
        """Remove half-written manifests a crash left behind."""
        temps = [p for p in self._root.iterdir() if is_temp(p)]
        for path in temps:
            path.unlink(missing_ok=True)
        return len(temps)

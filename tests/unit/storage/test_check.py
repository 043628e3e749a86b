"""check_store: the read-only verification ``ecsim storage verify`` prints."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ecsim.storage import FileBlockStore, StorageError
from ecsim.storage.check import check_store
from ecsim.storage.encoding import block_hash
from ecsim.storage.packs import Kind, PackWriter
from tests.unit.storage.conftest import BS, flip_byte, random_blocks, record_of

SIZE = 64 * BS


def _store(root: Path) -> FileBlockStore:
    store = FileBlockStore(root, block_size=BS, sync=False)
    store.create_disk("d-1", SIZE)
    store.write("d-1", 0, random_blocks(random.Random(1), 4))
    store.snapshot("d-1", "s-1")
    store.write("d-1", 8 * BS, random_blocks(random.Random(2), 2))
    store.snapshot("d-1", "s-2")
    return store


def test_a_sound_store_is_consistent(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    report = check_store(tmp_path / "s")
    assert report.ok
    assert (report.block_size, report.disks, report.snapshots, report.chunks) == (BS, 1, 2, 6)
    assert report.chunk_bytes == 6 * BS
    assert (report.orphan_chunks, report.temp_files) == (0, 0)
    assert report.to_json()["Consistent"] is True


def test_a_corrupt_chunk_is_found_and_names_its_snapshots(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    manifest = json.loads((tmp_path / "s" / "snapshots" / "s-1.json").read_bytes())
    digest = manifest["blocks"]["0"]
    victim, record = record_of(tmp_path / "s", digest)
    flip_byte(victim, record.offset + 100)
    data = victim.read_bytes()
    report = check_store(tmp_path / "s")
    assert not report.ok
    assert report.corrupt == (digest,)
    # block 0 did not change between the two: both snapshots share the chunk
    assert report.damaged_snapshots == ("s-1", "s-2")
    # the checker changed nothing
    assert victim.read_bytes() == data


def test_a_missing_chunk_and_a_bad_manifest_are_inconsistencies(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    root = tmp_path / "s"
    manifest = json.loads((root / "snapshots" / "s-2.json").read_bytes())
    lost = sorted((manifest["blocks"]["8"], manifest["blocks"]["9"]))
    record_of(root, lost[0])[0].unlink()  # s-2's pack: its two new blocks
    (root / "snapshots" / "s-9.json").write_text("{not json")
    report = check_store(root)
    assert not report.ok
    assert report.missing == tuple(lost)
    assert report.damaged_snapshots == ("s-2",)
    assert report.bad_manifests == ("s-9.json",)


def test_a_manifest_outside_its_disk_is_bad(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    path = tmp_path / "s" / "snapshots" / "s-1.json"
    manifest = json.loads(path.read_bytes())
    manifest["blocks"][str(SIZE // BS)] = manifest["blocks"]["0"]
    path.write_text(json.dumps(manifest))
    assert check_store(tmp_path / "s").bad_manifests == ("s-1.json",)


def test_orphans_and_temp_files_are_reported_not_failed(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    root = tmp_path / "s"
    # a pack an interrupted snapshot committed before its manifest, one it never finished,
    # and a half-written manifest
    data = b"o" * BS
    orphans = PackWriter(root / "packs", 50, sync=False)
    orphans.add(block_hash(data), Kind.WHOLE, None, data)
    orphans.commit()
    PackWriter(root / "packs", 51, sync=False).add(block_hash(b"t" * BS), Kind.WHOLE, None, data)
    (root / "snapshots" / "s-3.json.tmp-0000").write_text("half")
    report = check_store(root)
    assert report.ok
    assert (report.orphan_chunks, report.orphan_bytes, report.temp_files) == (1, BS, 2)
    # opening the store (what a server start does) reclaims the garbage
    FileBlockStore(root, block_size=BS, sync=False)
    report = check_store(root)
    assert (report.ok, report.orphan_chunks, report.temp_files) == (True, 0, 0)


def test_no_store_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no block store"):
        check_store(tmp_path)

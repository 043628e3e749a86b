"""``ecsim storage verify``: a summary (or JSON) of a data directory's block store, exit 0
when consistent, 1 when not (a corrupt chunk), 2 without a store."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from ecsim.cli.main import main
from ecsim.storage import FileBlockStore
from tests.unit.storage.conftest import flip_byte, pack_records

BS = 64 * 1024


def _data_dir(tmp_path: Path) -> Path:
    """A server's data directory whose block store holds one disk and two snapshots."""
    data_dir = tmp_path / "data"
    store = FileBlockStore(data_dir / "blocks", block_size=BS, sync=False)
    store.create_disk("d-1", 64 * BS)
    store.write("d-1", 0, random.Random(1).randbytes(3 * BS))
    store.snapshot("d-1", "s-1")
    store.write("d-1", 10 * BS, b"more")
    store.snapshot("d-1", "s-2")
    return data_dir


def _verify(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["storage", "verify", *args])
    return result.exit_code, result.output


def test_a_consistent_store(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path)
    code, output = _verify("--data-dir", str(data_dir))
    assert code == 0
    assert "snapshots   2" in output and "4 (0.2 MiB), 0 corrupt, 0 missing" in output
    assert output.rstrip().endswith("consistent")
    code, output = _verify("--data-dir", str(data_dir / "blocks"), "--json")
    report = json.loads(output)
    assert code == 0
    assert (report["Consistent"], report["Snapshots"], report["Chunks"]) == (True, 2, 4)
    assert (report["CorruptChunks"], report["OrphanChunks"]) == ([], 0)


def test_a_corrupt_chunk_fails_the_check(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path)
    pack, victim = pack_records(data_dir / "blocks")[0]
    flip_byte(pack, victim.offset + 7)
    code, output = _verify("--data-dir", str(data_dir), "--json")
    report = json.loads(output)
    assert code == 1
    assert report["Consistent"] is False
    assert report["CorruptChunks"] == [victim.digest]
    assert report["DamagedSnapshots"]
    code, output = _verify("--data-dir", str(data_dir))
    assert code == 1
    assert f"corrupt chunk: {victim.digest}" in output
    assert output.rstrip().endswith("INCONSISTENT")


def test_no_store_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _verify("--data-dir", str(tmp_path))
    assert code == 2
    assert "no block store" in output

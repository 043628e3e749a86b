"""Block-storage benchmark: full and incremental snapshots, and restore, on a real sparse image.

The world: a 4 GiB sparse disk holding 1 GiB of random data (every fourth 1 MiB block), in a
fresh store under a temp directory, fsync on. ``--quick``: a 256 MiB disk with 64 MiB of data.

Figures:
- full snapshot: throughput over the data it stored;
- incremental snapshot with 1% of the disk's blocks changed (4 KiB written in each): time and
  bytes stored, via the engine's dirty-block set, and again by hashing every allocated block
  (what happens when an attached instance wrote the disk);
- restore (ResetDisk to the full snapshot): throughput over the snapshot's data;
- the anchor, when ``restic`` is installed: ``restic backup`` of the same image, then of the
  changed image, timed in the same run with the repository's growth.

Run: ``.venv/bin/python bench/storage_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from report import Row, print_table

from ecsim.storage import FileBlockStore

MIB = 1 << 20


def mib(n: float) -> str:
    return f"{n / MIB:,.1f} MiB"


def throughput(nbytes: int, seconds: float) -> str:
    return f"{nbytes / MIB / seconds:,.0f} MiB/s ({seconds:.2f} s)"


def dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def restic_rows(image: Path, work: Path, change: list[tuple[int, bytes]]) -> list[Row]:
    """Backs the image up twice (before and after ``change``); the image ends changed."""
    restic = shutil.which("restic")
    if restic is None:
        return [Row("restic", "skipped: not installed (apt-get install restic to compare)")]
    repo = work / "restic-repo"
    env = {**os.environ, "RESTIC_PASSWORD": "bench", "RESTIC_REPOSITORY": str(repo)}

    def run(*args: str) -> float:
        start = time.perf_counter()
        subprocess.run([restic, *args], env=env, check=True, capture_output=True, timeout=600)
        return time.perf_counter() - start

    run("init")
    full = run("backup", str(image))
    grown_full = dir_bytes(repo)
    apply(image, change)
    incremental = run("backup", str(image))
    return [
        Row("restic full backup", f"{full:.2f} s, repo {mib(grown_full)}"),
        Row("restic second backup", f"{incremental:.2f} s, +{mib(dir_bytes(repo) - grown_full)}"),
    ]


def apply(image: Path, change: list[tuple[int, bytes]]) -> None:
    with image.open("r+b") as f:
        for offset, data in change:
            f.seek(offset)
            f.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB disk, 64 MiB of data")
    parser.add_argument("--dir", type=Path, default=None, help="where the store goes")
    args = parser.parse_args()
    size = (256 if args.quick else 4096) * MIB
    blocks = size // MIB
    rng = random.Random(42)
    data_blocks = list(range(0, blocks, 4))
    changed = sorted(rng.sample(data_blocks, max(1, blocks // 100)))
    change = [(i * MIB + 8192, rng.randbytes(4096)) for i in changed]

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="ecsim-storage-bench-") as tmp:
        work = Path(tmp)
        store = FileBlockStore(work / "store")
        store.create_disk("d-1", size)
        for index in data_blocks:
            store.write("d-1", index * MIB, rng.randbytes(MIB))
        data = len(data_blocks) * MIB

        start = time.perf_counter()
        full = store.snapshot("d-1", "s-1")
        full_s = time.perf_counter() - start

        for offset, chunk in change:
            store.write("d-1", offset, chunk)
        start = time.perf_counter()
        inc = store.snapshot("d-1", "s-2")
        inc_s = time.perf_counter() - start

        store.write("d-1", changed[0] * MIB, b"again")
        store.untrack("d-1")
        start = time.perf_counter()
        hashed = store.snapshot("d-1", "s-3")
        hashed_s = time.perf_counter() - start

        start = time.perf_counter()
        store.restore("s-1", "d-1")
        restore_s = time.perf_counter() - start
        verify_start = time.perf_counter()
        ok = store.verify().ok
        verify_s = time.perf_counter() - verify_start

        rows = [
            Row("disk / data", f"{mib(size)} sparse, {mib(data)} random"),
            Row(
                "full snapshot", throughput(full.stored_bytes, full_s), f"{mib(full.stored_bytes)}"
            ),
            Row(
                f"incremental, {len(changed)} blocks changed (dirty set)",
                f"{inc_s * 1000:.1f} ms",
                f"stored {mib(inc.stored_bytes)}",
            ),
            Row(
                "incremental, 1 block changed (hash every block)",
                f"{hashed_s:.2f} s",
                f"stored {mib(hashed.stored_bytes)}",
            ),
            Row("restore to the full snapshot", throughput(data, restore_s)),
            Row(
                "verify (re-hash every chunk)",
                throughput(store.stored_bytes(), verify_s),
                "ok" if ok else "CORRUPT",
            ),
        ]
        # the anchor: restic on the same image at the first state, then the changed one
        image = store.disk_path("d-1")
        rows += restic_rows(image, work, change)
    print_table(f"storage engine ({'quick' if args.quick else 'full'})", rows)


if __name__ == "__main__":
    main()

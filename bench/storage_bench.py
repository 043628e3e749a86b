"""Block-storage benchmark: full and incremental snapshots, restore, images, on real images.

The world: a 4 GiB sparse disk holding 1 GiB of random data (every fourth 1 MiB block), in a
fresh store under a temp directory, fsync on. ``--quick``: a 256 MiB disk with 64 MiB of data.

Figures (medians over ``--rounds`` worlds where timed):
- full snapshot: throughput over the data it stored;
- incremental snapshot with 1% of the disk's 4 KiB blocks changed (random pages of the data,
  4 KiB of new random bytes each): time, data stored and pack growth against the bytes
  changed, via the engine's dirty-block set; and by hashing every allocated block (what
  happens when an attached instance wrote the disk);
- restore (ResetDisk to the full snapshot): throughput over the snapshot's data;
- CreateImage from a snapshot through the SDK on a 20 and a 500 GiB disk (``image_timing``);
- the anchor, when ``restic`` is installed: ``restic backup`` of the same image, then of the
  changed image, timed in the same run with the repository's growth.

Run: ``.venv/bin/python bench/storage_bench.py [--quick] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from image_timing import image_rows
from report import Row, print_table, ratio_row, verdict

from ecsim.storage import FileBlockStore

MIB = 1 << 20


def mib(n: float) -> str:
    return f"{n / MIB:,.1f} MiB"


def throughput(nbytes: int, seconds: float) -> str:
    per_second = nbytes / seconds
    return f"{per_second / 1e6:,.0f} MB/s = {per_second / MIB:,.0f} MiB/s ({seconds:.2f} s)"


def dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def restic_rows(
    image: Path, work: Path, change: list[tuple[int, bytes]], ours_s: float
) -> list[Row]:
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
        ratio_row("incremental: restic's time / ours", incremental / ours_s, 2.0),
    ]


def apply(image: Path, change: list[tuple[int, bytes]]) -> None:
    with image.open("r+b") as f:
        for offset, data in change:
            f.seek(offset)
            f.write(data)


PAGE = 4096


@dataclasses.dataclass
class Figures:
    full_s: float
    full_bytes: int
    inc_s: float
    inc_stored: int
    inc_growth: int
    hashed_s: float
    hashed_stored: int
    restore_s: float
    verify_s: float
    verified: bool
    stored_total: int


def one_world(work: Path, size: int, seed: int) -> tuple[Figures, list[tuple[int, bytes]], Path]:
    """A fresh store and disk, measured; returns the figures, the page changes made after
    the full snapshot, and the disk's image (left at the full snapshot's state)."""
    rng = random.Random(seed)
    blocks = size // MIB
    data_blocks = list(range(0, blocks, 4))
    pages = sorted(
        rng.sample(range(len(data_blocks) * (MIB // PAGE)), size // PAGE // 100)
    )  # 1% of the disk's pages, all inside its data
    change = [
        (data_blocks[p // (MIB // PAGE)] * MIB + p % (MIB // PAGE) * PAGE, rng.randbytes(PAGE))
        for p in pages
    ]
    store = FileBlockStore(work / "store")
    store.create_disk("d-1", size)
    for index in data_blocks:
        store.write("d-1", index * MIB, rng.randbytes(MIB))
    os.sync()  # the data is the disk's, not the snapshot's, to write back

    start = time.perf_counter()
    full = store.snapshot("d-1", "s-1")
    full_s = time.perf_counter() - start

    for offset, page in change:
        store.write("d-1", offset, page)
    packs_before = store.disk_bytes()
    start = time.perf_counter()
    inc = store.snapshot("d-1", "s-2")
    inc_s = time.perf_counter() - start
    growth = store.disk_bytes() - packs_before + (work / "store/snapshots/s-2.json").stat().st_size

    store.write("d-1", data_blocks[0] * MIB, b"again")
    store.untrack("d-1")
    start = time.perf_counter()
    hashed = store.snapshot("d-1", "s-3")
    hashed_s = time.perf_counter() - start

    start = time.perf_counter()
    store.restore("s-1", "d-1")
    restore_s = time.perf_counter() - start
    start = time.perf_counter()
    verified = store.verify().ok
    verify_s = time.perf_counter() - start
    figures = Figures(
        full_s,
        full.stored_bytes,
        inc_s,
        inc.stored_bytes,
        growth,
        hashed_s,
        hashed.stored_bytes,
        restore_s,
        verify_s,
        verified,
        store.stored_bytes(),
    )
    return figures, change, store.disk_path("d-1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB disk, 64 MiB of data")
    parser.add_argument("--rounds", type=int, default=3, help="worlds measured (median)")
    parser.add_argument("--dir", type=Path, default=None, help="where the store goes")
    args = parser.parse_args()
    size = (256 if args.quick else 4096) * MIB
    runs: list[Figures] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="ecsim-storage-bench-") as tmp:
        for round_ in range(args.rounds):
            work = Path(tmp) / f"round-{round_}"
            work.mkdir()
            figures, change, image = one_world(work, size, seed=42 + round_)
            runs.append(figures)
            if round_ < args.rounds - 1:
                shutil.rmtree(work)
        rows = _engine_rows(runs, size, len(change))
        rows += image_rows(Path(tmp), rounds=3 if args.quick else 5)
        # the anchor: restic on the last world's image, at the first state, then changed
        ours = statistics.median(f.inc_s for f in runs)
        rows += restic_rows(image, Path(tmp), change, ours)
    print_table(f"storage engine ({'quick' if args.quick else 'full'}, {args.rounds} rounds)", rows)


def _engine_rows(runs: list[Figures], size: int, pages: int) -> list[Row]:
    def median(pick: Callable[[Figures], float]) -> float:
        return statistics.median(pick(f) for f in runs)

    data = runs[0].full_bytes
    changed = pages * PAGE
    full_rate = data / median(lambda f: f.full_s)
    restore_rate = data / median(lambda f: f.restore_s)
    stored_ratio = median(lambda f: f.inc_stored) / changed
    growth_ratio = median(lambda f: f.inc_growth) / changed
    inc_s = median(lambda f: f.inc_s)
    return [
        Row("disk / data", f"{mib(size)} sparse, {mib(data)} random"),
        Row(
            "full snapshot",
            throughput(data, median(lambda f: f.full_s)),
            ">= 1 GB/s",
            verdict(full_rate >= 1e9),
        ),
        Row(
            f"incremental, 1% of 4 KiB blocks changed ({pages:,} pages, {mib(changed)})",
            f"{inc_s * 1000:.0f} ms",
            "<= 1 s",
            verdict(inc_s <= 1.0),
        ),
        Row(
            "  its data stored / bytes changed",
            f"{stored_ratio:.3f}x ({mib(median(lambda f: f.inc_stored))})",
            "<= 1.1x",
            verdict(stored_ratio <= 1.1),
        ),
        Row(
            "  its pack + manifest growth / bytes changed",
            f"{growth_ratio:.3f}x ({mib(median(lambda f: f.inc_growth))})",
            "<= 1.1x",
            verdict(growth_ratio <= 1.1),
        ),
        Row(
            "incremental, 1 block changed (hash every block)",
            f"{median(lambda f: f.hashed_s):.2f} s",
            f"stored {mib(median(lambda f: f.hashed_stored))}",
        ),
        Row(
            "restore to the full snapshot",
            throughput(data, median(lambda f: f.restore_s)),
            ">= 1 GB/s",
            verdict(restore_rate >= 1e9),
        ),
        Row(
            "verify (rebuild and re-hash every block)",
            throughput(runs[-1].stored_total, median(lambda f: f.verify_s)),
            "ok" if all(f.verified for f in runs) else "CORRUPT",
        ),
    ]


if __name__ == "__main__":
    main()

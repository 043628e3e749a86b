"""OSS benchmark through oss2 against a loopback ecsim.

Figures:
- PUT and GET throughput of one 256 MiB object (``--quick``: 64 MiB), MB/s (goal >= 500);
- 4 KiB PUT and GET requests per second, one client connection (goal >= 500 each).

Run: ``.venv/bin/python bench/oss_bench.py [--quick]``. The server is a loopback subprocess
with its own data dir, stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import oss2
from clients import no_proxies
from report import Row, print_table, rate, verdict
from servers import KEY, running, start_ecsim

THROUGHPUT_GOAL = 500.0  # MB/s
SMALL_GOAL = 500.0  # requests/s
SMALL_SIZE = 4096
SMALL_COUNT = 1000


def _mb_per_s(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="64 MiB and 300 small objects")
    parser.add_argument(
        "--no-client-crc", action="store_true", help="oss2 without its own CRC-64 checks"
    )
    args = parser.parse_args(argv)
    crc = not args.no_client_crc
    no_proxies()
    big = (64 if args.quick else 256) * 1024 * 1024
    small_count = 300 if args.quick else SMALL_COUNT
    with tempfile.TemporaryDirectory(prefix="oss-bench-") as scratch:
        server, _ = start_ecsim(Path(scratch))
        with running(server):
            bucket = oss2.Bucket(
                oss2.Auth(*KEY), f"http://{server.endpoint}", "oss-bench", enable_crc=crc
            )
            bucket.create_bucket()
            data = os.urandom(big)
            started = time.perf_counter()
            bucket.put_object("big", data)
            put_s = time.perf_counter() - started
            started = time.perf_counter()
            got = bucket.get_object("big").read()
            get_s = time.perf_counter() - started
            assert hashlib.md5(got).digest() == hashlib.md5(data).digest()
            del got, data

            small = os.urandom(SMALL_SIZE)
            started = time.perf_counter()
            for i in range(small_count):
                bucket.put_object(f"small/{i}", small)
            small_put = small_count / (time.perf_counter() - started)
            started = time.perf_counter()
            for i in range(small_count):
                bucket.get_object(f"small/{i}").read()
            small_get = small_count / (time.perf_counter() - started)

    put_mb, get_mb = _mb_per_s(big, put_s), _mb_per_s(big, get_s)
    mib = big // (1024 * 1024)
    rows = [
        Row(f"PUT {mib} MiB", f"{put_mb:,.0f} MB/s", ">= 500 MB/s", verdict(put_mb >= 500)),
        Row(f"GET {mib} MiB", f"{get_mb:,.0f} MB/s", ">= 500 MB/s", verdict(get_mb >= 500)),
        Row("PUT 4 KiB", rate(small_put), ">= 500 req/s", verdict(small_put >= SMALL_GOAL)),
        Row("GET 4 KiB", rate(small_get), ">= 500 req/s", verdict(small_get >= SMALL_GOAL)),
    ]
    print_table("OSS through oss2 (loopback)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

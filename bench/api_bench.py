"""API benchmark: ecsim against moto, measured in the same run (``make bench``).

Figures (medians over several rounds, since shared machines are noisy):
- ecsim start-to-ready: spawn ``ecsim serve --port 0`` on a fresh data dir and time until it
  prints ``ecsim ready on``;
- DescribeRegions requests per second through the official Python SDK (alibabacloud-ecs20140526,
  default V3 signature), and through aliyun-python-sdk-core (V1) for information;
- moto_server's EC2 DescribeRegions through boto3, same request count, same single sequential
  client; and the ratio ecsim / moto.

Every server is a subprocess on loopback, separate from the client (this process); all of them
are stopped at the end whatever happens. ``--quick`` makes a short run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from clients import ec2_client, ecs_client, no_proxies
from report import Row, print_table, rate, ratio_row, verdict
from servers import KEY, running, start_ecsim, start_moto

START_GOAL_SECONDS = 1.0
RATIO_GOAL = 5.0


def tea_caller(endpoint: str) -> Callable[[], object]:
    from alibabacloud_ecs20140526 import models as ecs_models

    client = ecs_client(endpoint)
    request = ecs_models.DescribeRegionsRequest()
    return lambda: client.describe_regions(request)


def core_caller(endpoint: str) -> Callable[[], object]:
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

    client = AcsClient(KEY[0], KEY[1], "cn-hangzhou")
    client.add_endpoint("cn-hangzhou", "Ecs", endpoint)

    def call() -> object:
        # A fresh request each time: the V1 SDK stamps nonce and timestamp into the request.
        return client.do_action_with_exception(DescribeRegionsRequest())

    return call


def boto3_caller(endpoint: str) -> Callable[[], object]:
    call: Callable[[], object] = ec2_client(endpoint).describe_regions
    return call


def requests_per_second(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (fewer calls)")
    parser.add_argument("--requests", type=int, help="calls per round and client")
    parser.add_argument("--rounds", type=int, help="rounds per client (median reported)")
    parser.add_argument("--starts", type=int, help="server starts timed (median reported)")
    args = parser.parse_args(argv)
    count = args.requests or (200 if args.quick else 1000)
    rounds = args.rounds or (3 if args.quick else 5)
    starts = args.starts or (3 if args.quick else 7)
    warmup = min(50, count)

    # Loopback only: no proxy from the environment may sit between client and server.
    no_proxies()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    # The SDKs leave pooled sockets to the garbage collector; that is not what we measure.
    warnings.simplefilter("ignore", ResourceWarning)

    print(
        f"ecsim API benchmark: {count} calls x {rounds} rounds per client, {starts} starts; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="ecsim-bench-") as tmp:
        start_times = []
        for i in range(starts):
            server, elapsed = start_ecsim(Path(tmp) / f"start-{i}")
            with running(server):
                start_times.append(elapsed)
        start_median = statistics.median(start_times)
        print(f"  start-to-ready: {', '.join(f'{t:.3f}' for t in start_times)} s", flush=True)

        ecsim_server, _ = start_ecsim(Path(tmp) / "run")
        with running(ecsim_server):
            moto_server, moto_start = start_moto()
            with running(moto_server):
                callers = {
                    "tea": tea_caller(ecsim_server.endpoint),
                    "core": core_caller(ecsim_server.endpoint),
                    "moto": boto3_caller(moto_server.endpoint),
                }
                for call in callers.values():
                    for _ in range(warmup):
                        call()
                rates: dict[str, list[float]] = {name: [] for name in callers}
                # Rounds alternate between clients so drift in machine load hits all alike.
                for round_no in range(rounds):
                    for name, call in callers.items():
                        rates[name].append(requests_per_second(call, count))
                    print(
                        f"  round {round_no + 1}/{rounds}: "
                        + ", ".join(f"{n} {rates[n][-1]:,.0f}/s" for n in callers),
                        flush=True,
                    )

    tea, core, moto = (statistics.median(rates[n]) for n in ("tea", "core", "moto"))
    ratio = tea / moto
    print()
    print_table(
        "Results (medians)",
        [
            Row("metric", "value", "goal", ""),
            Row(
                "ecsim start-to-ready (fresh data dir)",
                f"{start_median * 1000:.0f} ms",
                f"<= {START_GOAL_SECONDS:.0f} s",
                verdict(start_median <= START_GOAL_SECONDS),
            ),
            Row("DescribeRegions, tea SDK V3 -> ecsim", rate(tea)),
            Row("DescribeRegions, core SDK V1 -> ecsim", rate(core), "(information)"),
            Row("DescribeRegions, boto3 -> moto_server", rate(moto), "(anchor)"),
            ratio_row("ratio ecsim (tea V3) / moto", ratio, RATIO_GOAL),
            Row("moto_server start-to-listening (1 start)", f"{moto_start * 1000:.0f} ms"),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

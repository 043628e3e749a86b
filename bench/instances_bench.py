"""Instances API benchmark: ecsim against moto_server, measured in the same run.

Figures (medians over rounds where it applies):
- RunInstances(Amount=1) calls per second through the official Python SDK (V3), against
  moto's RunInstances(MinCount=MaxCount=1) through boto3;
- with 10,000 instances present (``--quick``: 1,000): the time of one DescribeInstances page
  of 100 (goal <= 20 ms) and the time to page through all of them, against moto's
  DescribeInstances(MaxResults=100) pages;
- the ratios ecsim / moto (goal >= 5x on each).

Run: ``.venv/bin/python bench/instances_bench.py [--quick]`` (``make bench`` runs it too).
Both servers are loopback subprocesses, stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clients import ec2_client, ecs_client, no_proxies
from report import Row, print_table, rate, ratio_row, verdict
from servers import running, start_ecsim, start_moto

RATIO_GOAL = 5.0
PAGE_GOAL_MS = 20.0
REGION = "cn-hangzhou"
INSTANCE_TYPE = "ecs.g6.large"
IMAGE_ID = "aliyun_3_x64_20G_alibase_20221102.vhd"


class EcsimSide:
    def __init__(self, endpoint: str) -> None:
        from alibabacloud_ecs20140526 import models

        self.models = models
        self.client = ecs_client(endpoint, REGION)
        zones = self.client.describe_zones(models.DescribeZonesRequest(region_id=REGION))
        zone = next(
            z.zone_id
            for z in zones.body.zones.zone
            if INSTANCE_TYPE in z.available_instance_types.instance_types
        )
        vpc = self.client.create_vpc(
            models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")
        ).body.vpc_id
        self.vswitch = self.client.create_vswitch(
            models.CreateVSwitchRequest(
                region_id=REGION, vpc_id=vpc, zone_id=zone, cidr_block="10.0.0.0/16"
            )
        ).body.v_switch_id
        self.group = self.client.create_security_group(
            models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc)
        ).body.security_group_id

    def run(self, amount: int) -> None:
        self.client.run_instances(
            self.models.RunInstancesRequest(
                region_id=REGION,
                image_id=IMAGE_ID,
                instance_type=INSTANCE_TYPE,
                security_group_id=self.group,
                v_switch_id=self.vswitch,
                amount=amount,
            )
        )

    def page(self, number: int) -> int:
        response = self.client.describe_instances(
            self.models.DescribeInstancesRequest(
                region_id=REGION, page_number=number, page_size=100
            )
        )
        return len(response.body.instances.instance)

    def page_all(self) -> int:
        seen, number = 0, 1
        while (count := self.page(number)) > 0:
            seen += count
            number += 1
        return seen


class MotoSide:
    def __init__(self, endpoint: str) -> None:
        self.client = ec2_client(endpoint)
        images = self.client.describe_images(Owners=["amazon"])["Images"]
        self.image = images[0]["ImageId"]

    def run(self, amount: int) -> None:
        self.client.run_instances(
            ImageId=self.image, MinCount=amount, MaxCount=amount, InstanceType="t2.micro"
        )

    def page(self, token: str | None) -> tuple[int, str | None]:
        kwargs: dict[str, Any] = {"MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        response = self.client.describe_instances(**kwargs)
        count = sum(len(r["Instances"]) for r in response["Reservations"])
        return count, response.get("NextToken")

    def page_all(self) -> int:
        seen, token = 0, None
        while True:
            count, token = self.page(token)
            seen += count
            if not token:
                return seen


def run_rate(side: EcsimSide | MotoSide, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        side.run(1)
    return calls / (time.perf_counter() - started)


def fill(side: EcsimSide | MotoSide, target: int, present: int) -> None:
    while present < target:
        batch = min(100, target - present)
        side.run(batch)
        present += batch


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1,000 instances, fewer calls")
    args = parser.parse_args(argv)
    run_calls = 100 if args.quick else 300
    population = 1000 if args.quick else 10_000
    rounds = 1 if args.quick else 3
    no_proxies()

    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ecsim-bench-") as tmp:
        ecsim_server, _ = start_ecsim(Path(tmp) / "run")
        with running(ecsim_server):
            moto_server, _ = start_moto()
            with running(moto_server):
                ecsim = EcsimSide(ecsim_server.endpoint)
                moto = MotoSide(moto_server.endpoint)
                for name, side in (("ecsim", ecsim), ("moto", moto)):
                    runs = [run_rate(side, run_calls) for _ in range(rounds)]
                    print(f"  {name} RunInstances(1): {', '.join(f'{x:,.0f}/s' for x in runs)}")
                    fill(side, population, run_calls * rounds)
                    started = time.perf_counter()
                    total = side.page_all()
                    walk = time.perf_counter() - started
                    print(f"  {name}: paged {total:,} instances in {walk:.2f} s", flush=True)
                    figures[name] = {"run": statistics.median(runs), "walk": walk, "n": total}
                page_times = []
                for number in (1, population // 200, population // 100):
                    started = time.perf_counter()
                    ecsim.page(max(number, 1))
                    page_times.append((time.perf_counter() - started) * 1000)
                page_ms = statistics.median(page_times)

    run_ratio = figures["ecsim"]["run"] / figures["moto"]["run"]
    walk_ratio = figures["moto"]["walk"] / figures["ecsim"]["walk"]
    print()
    print_table(
        "Results (medians)",
        [
            Row("metric", "value", "goal", ""),
            Row("RunInstances(Amount=1), tea V3 -> ecsim", rate(figures["ecsim"]["run"])),
            Row("RunInstances(1), boto3 -> moto", rate(figures["moto"]["run"]), "(anchor)"),
            ratio_row("ratio RunInstances ecsim / moto", run_ratio, RATIO_GOAL),
            Row(
                f"DescribeInstances page of 100, {population:,} present -> ecsim",
                f"{page_ms:.1f} ms",
                f"<= {PAGE_GOAL_MS:g} ms",
                verdict(page_ms <= PAGE_GOAL_MS),
            ),
            Row(
                f"page through {int(figures['ecsim']['n']):,} instances -> ecsim",
                f"{figures['ecsim']['walk']:.2f} s",
            ),
            Row(
                f"page through {int(figures['moto']['n']):,} instances -> moto",
                f"{figures['moto']['walk']:.2f} s",
                "(anchor)",
            ),
            ratio_row("ratio paging ecsim / moto", walk_ratio, RATIO_GOAL),
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Security-group API benchmark: ecsim against moto_server, measured in the same run.

Figures (medians over rounds):
- AuthorizeSecurityGroup, one rule per call, calls spread over 20 groups, through the official
  Python SDK (alibabacloud-ecs20140526, V3), against moto's AuthorizeSecurityGroupIngress
  through boto3 (20 groups x 50 rules: moto refuses a 61st rule in a VPC group);
- DescribeSecurityGroups by id with 1,000 groups present, against moto's
  DescribeSecurityGroups(GroupIds=[id]);
- the ratios ecsim / moto (goal >= 5x on both).

Run: ``.venv/bin/python bench/security_groups_bench.py [--quick]`` (``make bench`` runs it too).
Both servers are loopback subprocesses, stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from clients import ec2_client, ecs_client, no_proxies
from report import Row, print_table, rate, ratio_row
from servers import running, start_ecsim, start_moto

RATIO_GOAL = 5.0
GROUPS_FOR_RULES = 20
GROUPS_PRESENT = 1000
REGION = "cn-hangzhou"


class EcsimSide:
    """The official SDK against ecsim."""

    def __init__(self, endpoint: str) -> None:
        from alibabacloud_ecs20140526 import models

        self.models = models
        self.client = ecs_client(endpoint, REGION)
        vpc = self.client.create_vpc(models.CreateVpcRequest(region_id=REGION))
        self.vpc_id: str = vpc.body.vpc_id

    def create_group(self) -> str:
        request = self.models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=self.vpc_id)
        group_id: str = self.client.create_security_group(request).body.security_group_id
        return group_id

    def authorize(self, group_id: str, port: int) -> None:
        permission = self.models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="tcp", port_range=f"{port}/{port}", source_cidr_ip="10.0.0.0/8"
        )
        self.client.authorize_security_group(
            self.models.AuthorizeSecurityGroupRequest(
                region_id=REGION, security_group_id=group_id, permissions=[permission]
            )
        )

    def describe(self, group_id: str) -> None:
        response = self.client.describe_security_groups(
            self.models.DescribeSecurityGroupsRequest(
                region_id=REGION, security_group_ids=f'["{group_id}"]'
            )
        )
        assert response.body.security_groups.security_group[0].security_group_id == group_id


class MotoSide:
    """boto3 against moto_server's EC2."""

    def __init__(self, endpoint: str) -> None:
        self.client = ec2_client(endpoint)
        self.vpc_id: str = self.client.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self._count = 0

    def create_group(self) -> str:
        self._count += 1
        group = self.client.create_security_group(
            GroupName=f"bench-{self._count}", Description="bench", VpcId=self.vpc_id
        )
        group_id: str = group["GroupId"]
        return group_id

    def authorize(self, group_id: str, port: int) -> None:
        self.client.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                }
            ],
        )

    def describe(self, group_id: str) -> None:
        response = self.client.describe_security_groups(GroupIds=[group_id])
        assert response["SecurityGroups"][0]["GroupId"] == group_id


Side = EcsimSide | MotoSide


def authorize_rate(side: Side, calls: int, first_port: int) -> float:
    groups = [side.create_group() for _ in range(GROUPS_FOR_RULES)]
    started = time.perf_counter()
    for i in range(calls):
        side.authorize(groups[i % len(groups)], first_port + i // len(groups))
    return calls / (time.perf_counter() - started)


def describe_rate(side: Side, present: list[str], calls: int, seed: int) -> float:
    picks = random.Random(seed).choices(present, k=calls)
    started = time.perf_counter()
    for group_id in picks:
        side.describe(group_id)
    return calls / (time.perf_counter() - started)


def _median_of(rounds: int, measure: Callable[[int], float]) -> tuple[float, list[float]]:
    figures = [measure(r) for r in range(rounds)]
    return statistics.median(figures), figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument(
        "--sync",
        choices=("full", "normal"),
        default="full",
        help="ecsim's commit durability (serve --sync); full is the default",
    )
    args = parser.parse_args(argv)
    authorize_calls = 200 if args.quick else 1000
    describe_calls = 200 if args.quick else 1000
    rounds = 1 if args.quick else 3
    no_proxies()

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ecsim-bench-") as tmp:
        limits = [
            "--sync",
            args.sync,
            "--limit",
            f"security_groups_per_region={GROUPS_PRESENT + GROUPS_FOR_RULES * rounds + 10}",
        ]
        ecsim_server, _ = start_ecsim(Path(tmp) / "run", extra_args=limits)
        with running(ecsim_server):
            moto_server, _ = start_moto()
            with running(moto_server):
                sides: dict[str, Side] = {
                    "ecsim": EcsimSide(ecsim_server.endpoint),
                    "moto": MotoSide(moto_server.endpoint),
                }
                for name, side in sides.items():
                    # Each round authorizes a fresh port band (50 ports per group per round).
                    auth, auth_rounds = _median_of(
                        rounds,
                        lambda r, side=side: authorize_rate(side, authorize_calls, 1000 + r * 60),
                    )
                    print(f"  {name} authorize: {', '.join(f'{x:,.0f}/s' for x in auth_rounds)}")
                    present = [side.create_group() for _ in range(GROUPS_PRESENT)]
                    desc, desc_rounds = _median_of(
                        rounds,
                        lambda r, side=side, present=present: describe_rate(
                            side, present, describe_calls, r
                        ),
                    )
                    print(f"  {name} describe: {', '.join(f'{x:,.0f}/s' for x in desc_rounds)}")
                    results[name] = {"authorize": auth, "describe": desc}

    auth_ratio = results["ecsim"]["authorize"] / results["moto"]["authorize"]
    desc_ratio = results["ecsim"]["describe"] / results["moto"]["describe"]
    print()
    print_table(
        "Results (medians)",
        [
            Row("metric", "value", "goal", ""),
            Row(
                f"AuthorizeSecurityGroup, tea V3 -> ecsim (--sync {args.sync})",
                rate(results["ecsim"]["authorize"]),
            ),
            Row(
                "AuthorizeSecurityGroupIngress, boto3 -> moto",
                rate(results["moto"]["authorize"]),
                "(anchor)",
            ),
            ratio_row("ratio authorize ecsim / moto", auth_ratio, RATIO_GOAL),
            Row(
                f"DescribeSecurityGroups by id, {GROUPS_PRESENT} groups -> ecsim",
                rate(results["ecsim"]["describe"]),
            ),
            Row(
                f"DescribeSecurityGroups by id, {GROUPS_PRESENT} groups -> moto",
                rate(results["moto"]["describe"]),
                "(anchor)",
            ),
            ratio_row("ratio describe ecsim / moto", desc_ratio, RATIO_GOAL),
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

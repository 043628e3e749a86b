"""Reachability analyzer benchmark: single-query latency and the all-pairs matrix of 500
instances on one port.

The world, built through the official SDK against a real server: one VPC, five tiers
(bastion, web, app, db, cache) of 100 instances each, launched with RunInstances(Amount=100);
the groups authorize each other as a three-tier application does (22 from the bastion, 80/443
from anywhere on the web tier, 8080 from web to app, 3306 and 6379 from app, a low-priority
drop of 3306 for everyone else).

Figures (medians over rounds):
- AnalyzeReachability through the API: tea-openapi's ``call_api`` (V3 signature), and the
  CLI's small stdlib client (V1), each a full HTTP round trip;
- the same question in-process (``Reachability.analyze`` on the server's state, reopened
  after the server stops), warm: what the server spends on a query (goal <= 1 ms);
- the 500 x 500 matrix on tcp/3306: in-process, cold (the region's view built and its gates
  compiled) and warm (goal <= 1 s), and through the API (AnalyzeReachabilityMatrix).

Run: ``.venv/bin/python bench/analyzer_bench.py [--quick]`` (``make bench`` runs it too).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clients import no_proxies, tea_config
from report import Row, print_table, verdict
from servers import KEY, running, start_ecsim

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
IMAGE_ID = "aliyun_3_x64_20G_alibase_20221102.vhd"
INSTANCE_TYPE = "ecs.g6.large"
TIERS = ("bastion", "web", "app", "db", "cache")
PER_TIER = 100
QUERY_GOAL_MS = 1.0
MATRIX_GOAL_S = 1.0
ECSIM_VERSION = "2026-01-01"


class World:
    """The tiers, created through alibabacloud-ecs20140526 (V3)."""

    def __init__(self, endpoint: str) -> None:
        from alibabacloud_ecs20140526 import models
        from alibabacloud_ecs20140526.client import Client

        self.models = models
        self.config = tea_config(endpoint, REGION)
        self.client = Client(self.config)
        self.vpc = self.client.create_vpc(
            models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")
        ).body.vpc_id
        self.vswitch = self.client.create_vswitch(
            models.CreateVSwitchRequest(
                region_id=REGION, vpc_id=self.vpc, zone_id=ZONE, cidr_block="10.0.0.0/16"
            )
        ).body.v_switch_id
        self.groups = {
            tier: self.client.create_security_group(
                models.CreateSecurityGroupRequest(
                    region_id=REGION, vpc_id=self.vpc, security_group_name=tier
                )
            ).body.security_group_id
            for tier in TIERS
        }
        self.instances: dict[str, list[str]] = {}

    def authorize(self, tier: str, protocol: str, ports: str, **peer: str) -> None:
        permission = self.models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol=protocol, port_range=ports, nic_type="intranet", **peer
        )
        self.client.authorize_security_group(
            self.models.AuthorizeSecurityGroupRequest(
                region_id=REGION, security_group_id=self.groups[tier], permissions=[permission]
            )
        )

    def build(self) -> float:
        """Rules and 500 instances; the seconds the launches took."""
        g = self.groups
        for tier in TIERS:
            if tier != "bastion":
                self.authorize(tier, "tcp", "22/22", source_group_id=g["bastion"])
        self.authorize("bastion", "tcp", "22/22", source_cidr_ip="203.0.113.0/24")
        self.authorize("web", "tcp", "80/80", source_cidr_ip="0.0.0.0/0")
        self.authorize("web", "tcp", "443/443", source_cidr_ip="0.0.0.0/0")
        self.authorize("app", "tcp", "8080/8080", source_group_id=g["web"])
        self.authorize("db", "tcp", "3306/3306", source_group_id=g["app"])
        self.authorize(
            "db", "tcp", "3306/3306", source_cidr_ip="0.0.0.0/0", policy="drop", priority="100"
        )
        self.authorize("cache", "tcp", "6379/6379", source_group_id=g["app"])
        started = time.perf_counter()
        for tier in TIERS:
            body = self.client.run_instances(
                self.models.RunInstancesRequest(
                    region_id=REGION,
                    image_id=IMAGE_ID,
                    instance_type=INSTANCE_TYPE,
                    security_group_id=g[tier],
                    v_switch_id=self.vswitch,
                    amount=PER_TIER,
                )
            ).body
            self.instances[tier] = list(body.instance_id_sets.instance_id_set)
        return time.perf_counter() - started


def tea_caller(config: Any) -> Callable[[str, dict[str, str]], dict[str, Any]]:
    from alibabacloud_tea_openapi import utils_models
    from alibabacloud_tea_openapi.client import Client
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.runtime import RuntimeOptions

    client = Client(config)

    def call(action: str, params: dict[str, str]) -> dict[str, Any]:
        api = utils_models.Params(
            action=action,
            version=ECSIM_VERSION,
            protocol="HTTP",
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        request = utils_models.OpenApiRequest(query=Utils.query(params))
        body: dict[str, Any] = client.call_api(api, request, RuntimeOptions())["body"]
        return body

    return call


def timed_ms(action: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    queries = 200 if args.quick else 1000
    matrix_rounds = 3 if args.quick else 7
    no_proxies()

    from ecsim.cli.client import RpcClient

    with tempfile.TemporaryDirectory(prefix="ecsim-bench-") as tmp:
        data_dir = Path(tmp) / "run"
        server, _ = start_ecsim(data_dir, extra_args=["--sync", "normal"])
        with running(server):
            world = World(server.endpoint)
            launch_s = world.build()
            app, db = world.instances["app"][0], world.instances["db"][0]
            ask = {"Source": app, "Destination": db, "Protocol": "tcp", "Port": "3306"}
            call = tea_caller(world.config)
            assert call("AnalyzeReachability", ask)["verdict"] == "allowed"
            tea_ms = timed_ms(lambda: call("AnalyzeReachability", ask), queries)
            rpc = RpcClient(f"http://{server.endpoint}", *KEY)
            rpc_ms = timed_ms(lambda: rpc.call(ECSIM_VERSION, "AnalyzeReachability", ask), queries)
            grid = {"VpcId": world.vpc, "Protocol": "tcp", "Port": "3306"}
            matrix = call("AnalyzeReachabilityMatrix", grid)
            assert len(matrix["instances"]) == len(TIERS) * PER_TIER
            api_matrix_ms = timed_ms(
                lambda: rpc.call(ECSIM_VERSION, "AnalyzeReachabilityMatrix", grid), matrix_rounds
            )
        in_process = measure_in_process(data_dir, app, db, world.vpc, queries, matrix_rounds)

    pairs = (len(TIERS) * PER_TIER) ** 2
    query_ms = statistics.median(in_process["query"])
    warm_s = statistics.median(in_process["matrix"]) / 1000
    print(
        f"world: {len(TIERS) * PER_TIER} instances in {len(TIERS)} tiers, launched in "
        f"{launch_s:.1f} s (RunInstances Amount={PER_TIER} x {len(TIERS)})"
    )
    print(f"matrix tcp/3306: {matrix['allowedPairs']:,} of {pairs - 500:,} pairs allowed")
    print()
    print_table(
        "Results (medians)",
        [
            Row("metric", "value", "goal", ""),
            Row(
                "AnalyzeReachability, tea V3 call_api, HTTP round trip",
                f"{statistics.median(tea_ms):.2f} ms (p99 {p99(tea_ms):.2f} ms)",
            ),
            Row(
                "AnalyzeReachability, stdlib V1 client, HTTP round trip",
                f"{statistics.median(rpc_ms):.2f} ms (p99 {p99(rpc_ms):.2f} ms)",
            ),
            Row(
                "single query in-process (Reachability.analyze), warm",
                f"{query_ms * 1000:.0f} us (p99 {p99(in_process['query']) * 1000:.0f} us)",
                f"<= {QUERY_GOAL_MS:g} ms",
                verdict(query_ms <= QUERY_GOAL_MS),
            ),
            Row(
                "  of which the engine (Evaluator.between)",
                f"{statistics.median(in_process['engine']) * 1000:.1f} us",
            ),
            Row("500x500 matrix in-process, cold", f"{in_process['cold'][0]:.0f} ms"),
            Row(
                "500x500 matrix in-process, warm",
                f"{warm_s * 1000:.0f} ms",
                f"<= {MATRIX_GOAL_S:g} s",
                verdict(warm_s <= MATRIX_GOAL_S),
            ),
            Row(
                "500x500 matrix via AnalyzeReachabilityMatrix (HTTP, 250 kB)",
                f"{statistics.median(api_matrix_ms):.0f} ms",
            ),
        ],
    )
    return 0


def measure_in_process(
    data_dir: Path, source: str, destination: str, vpc_id: str, queries: int, rounds: int
) -> dict[str, list[float]]:
    """The server's own work, on its state reopened here after it stopped."""
    from ecsim.app import build_app
    from ecsim.control.reachability import FlowSpec, Reachability, parse_endpoint
    from ecsim.model.values import IpProtocol
    from ecsim.settings import ROOT_ACCOUNT_ID, Settings

    app = build_app(Settings(data_dir=data_dir, sync="normal"))
    try:
        services = app.services
        flow = FlowSpec(IpProtocol.TCP, 3306)
        src, dst = parse_endpoint(source), parse_endpoint(destination)

        def query() -> object:
            return services.reachability.analyze(ROOT_ACCOUNT_ID, src, dst, flow)

        finding = services.reachability.analyze(ROOT_ACCOUNT_ID, src, dst, flow)
        assert finding.allowed
        # a fresh analyzer: its first matrix builds the region's view and compiles the gates
        fresh = Reachability(services.store, services.accounts)

        def grid() -> object:
            return fresh.matrix(ROOT_ACCOUNT_ID, vpc_id, flow)

        cold_ms = timed_ms(grid, 1)
        return {
            "query": timed_ms(query, queries),
            "engine": timed_ms(_engine_query(services, finding), queries),
            "cold": cold_ms,
            "matrix": timed_ms(grid, rounds),
        }
    finally:
        app.close()


def _engine_query(services: Any, finding: Any) -> Callable[[], object]:
    from ecsim.control.topology_builder import TopologyBuilder
    from ecsim.model.values import IpProtocol

    view = TopologyBuilder(services.store).view_of(finding.source)
    evaluator = view.evaluator(finding.source.vpc_id)
    a, b = finding.source.eni_id, finding.destination.eni_id
    evaluator.between(a, b, IpProtocol.TCP, 3306)
    return lambda: evaluator.between(a, b, IpProtocol.TCP, 3306)


if __name__ == "__main__":
    raise SystemExit(main())

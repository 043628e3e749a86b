"""Linux data-plane benchmark (root only): how fast the kernel follows the API.

Figures (medians and p99 over rounds):
- rule change -> enforced: AuthorizeSecurityGroup sent, then TCP connects from one instance
  to another in a tight loop until one gets through (p50/p99; goal p99 <= 10 ms);
- RunInstances -> first successful ping from the host, per instance (goal <= 20 ms after the
  call returns), and for Amount=100 until all 100 answer (goal <= 3 s);
- TCP throughput between two instances with 1,000 rules in the receiver's groups against
  none (goal ratio >= 0.9);
- teardown: DeleteInstances (Force) of the 100 until their namespaces are gone.

Run: ``.venv/bin/python bench/dataplane_bench.py [--quick]`` as root (``make bench`` runs it,
and it skips itself without root). The server runs with ``--dataplane linux`` in a temporary
data directory and is stopped at the end, which removes everything it made.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clients import ecs_client, no_proxies
from report import Row, print_table, verdict
from servers import running, start_ecsim

from ecsim.dataplane.linux import netns

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
INSTANCE_TYPE = "ecs.g6.large"
PORT = 5001


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


@contextmanager
def inside(name: str) -> Iterator[None]:
    with netns.entered(name):
        yield


def _netns(instance_id: str) -> str:
    (found,) = Path("/run/netns").glob(f"ecsim-*-{instance_id}")
    return found.name


def _socket_in(instance_id: str, kind: int = socket.SOCK_STREAM, proto: int = 0) -> socket.socket:
    with inside(_netns(instance_id)):
        return socket.socket(socket.AF_INET, kind, proto)


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping_once(address: str, timeout: float) -> bool:
    """One ICMP echo from the host (raw socket: no process per probe)."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(timeout)
        ident = os.getpid() & 0xFFFF
        header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
        sock.sendto(struct.pack("!BBHHH", 8, 0, _checksum(header), ident, 1), (address, 0))
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            sock.settimeout(left)
            try:
                packet, (source, _) = sock.recvfrom(1024)
            except TimeoutError:
                return False
            if source == address and packet[20] == 0:
                return True
        return False


class Bench:
    def __init__(self, endpoint: str) -> None:
        from alibabacloud_ecs20140526 import models

        self.m = models
        self.client = ecs_client(endpoint, REGION)
        vpc = self.client.create_vpc(
            models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")
        ).body.vpc_id
        self.vswitch = self.client.create_vswitch(
            models.CreateVSwitchRequest(
                region_id=REGION, vpc_id=vpc, zone_id=ZONE, cidr_block="10.1.0.0/16"
            )
        ).body.v_switch_id
        self.vpc = vpc

    def group(self) -> str:
        return str(
            self.client.create_security_group(
                self.m.CreateSecurityGroupRequest(region_id=REGION, vpc_id=self.vpc)
            ).body.security_group_id
        )

    def run(self, group: str, amount: int = 1) -> list[str]:
        body = self.client.run_instances(
            self.m.RunInstancesRequest(
                region_id=REGION,
                image_id=IMAGE,
                instance_type=INSTANCE_TYPE,
                security_group_id=group,
                v_switch_id=self.vswitch,
                amount=amount,
            )
        ).body
        return [str(i) for i in body.instance_id_sets.instance_id_set]

    def address(self, instance_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(instance_ids), 100):
            chunk = instance_ids[start : start + 100]
            body = self.client.describe_instances(
                self.m.DescribeInstancesRequest(
                    region_id=REGION, instance_ids=json.dumps(chunk), page_size=100
                )
            ).body
            for item in body.instances.instance:
                found[item.instance_id] = item.vpc_attributes.private_ip_address.ip_address[0]
        return found

    def rule(self, group: str, revoke: bool = False, **fields: Any) -> None:
        if revoke:
            self.client.revoke_security_group(
                self.m.RevokeSecurityGroupRequest(
                    region_id=REGION, security_group_id=group, **fields
                )
            )
        else:
            self.client.authorize_security_group(
                self.m.AuthorizeSecurityGroupRequest(
                    region_id=REGION, security_group_id=group, **fields
                )
            )

    def delete(self, instance_ids: list[str]) -> None:
        for start in range(0, len(instance_ids), 100):
            self.client.delete_instances(
                self.m.DeleteInstancesRequest(
                    region_id=REGION, instance_id=instance_ids[start : start + 100], force=True
                )
            )


def _listen(instance_id: str, sink: bool) -> socket.socket:
    server = _socket_in(instance_id)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", PORT))
    server.listen(64)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if sink:
                threading.Thread(target=_drain, args=(conn,), daemon=True).start()
            else:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server


def _drain(conn: socket.socket) -> None:
    with conn:
        while conn.recv(1 << 20):
            pass


def _connects(source: str, address: str, timeout: float) -> bool:
    sock = _socket_in(source)
    sock.settimeout(timeout)
    try:
        sock.connect((address, PORT))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def _prober(
    source: str, address: str, passed: list[float], started: threading.Event
) -> Callable[[], None]:
    """Connect from ``source`` to ``address`` in a tight loop until one gets through, and note
    when."""

    def probe() -> None:
        started.set()
        while not _connects(source, address, 0.001):
            pass
        passed.append(time.perf_counter())

    return probe


def propagation(bench: Bench, rounds: int) -> list[float]:
    """Seconds from sending AuthorizeSecurityGroup to the first TCP connect that passes."""
    client_group, server_group = bench.group(), bench.group()
    (source,) = bench.run(client_group)
    (target,) = bench.run(server_group)
    address = bench.address([target])[target]
    listener = _listen(target, sink=False)
    # the two instances boot in the background: measure once they have
    time.sleep(0.5)
    rule = {"ip_protocol": "tcp", "port_range": f"{PORT}/{PORT}", "source_group_id": client_group}
    found: list[float] = []
    try:
        for _ in range(rounds):
            assert not _connects(source, address, 0.05)
            passed: list[float] = []
            started = threading.Event()
            probe = _prober(source, address, passed, started)
            prober = threading.Thread(target=probe)
            prober.start()
            started.wait()
            sent = time.perf_counter()
            bench.rule(server_group, **rule)
            prober.join(timeout=5)
            found.append(passed[0] - sent)
            bench.rule(server_group, revoke=True, **rule)
    finally:
        listener.close()
    return found


def first_ping(bench: Bench, group: str, amount: int) -> tuple[float, float]:
    """(seconds the call took, seconds after it returned until every instance answered)."""
    sent = time.perf_counter()
    ids = bench.run(group, amount)
    returned = time.perf_counter()
    addresses = list(bench.address(ids).values())
    described = time.perf_counter()
    pending = set(addresses)
    while pending:
        pending = {a for a in pending if not ping_once(a, 0.005)}
    done = time.perf_counter()
    # the DescribeInstances call the bench needed for the addresses is not the data plane's
    return returned - sent, done - returned - (described - returned)


def throughput(bench: Bench, rules: int, seconds: float) -> float:
    """Bytes per second over one TCP connection between two instances, with ``rules`` rules
    that never match the flow spread over the receiver's five groups (ECS allows 200 per
    group and 1,000 per interface), ahead of the one that admits it."""
    client_group = bench.group()
    groups = [bench.group() for _ in range(5)]
    decoys = [
        bench.m.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="tcp",
            port_range=f"{1000 + number}/{1000 + number}",
            source_cidr_ip=f"172.{16 + number // 250}.{number % 250}.0/24",
            priority=str(1 + number % 100),
        )
        for number in range(max(0, rules - 1))
    ]
    for start in range(0, len(decoys), 100):
        group = groups[start // 200]
        bench.client.authorize_security_group(
            bench.m.AuthorizeSecurityGroupRequest(
                region_id=REGION, security_group_id=group, permissions=decoys[start : start + 100]
            )
        )
    bench.rule(
        groups[-1],
        ip_protocol="tcp",
        port_range=f"{PORT}/{PORT}",
        source_group_id=client_group,
        priority=100,
    )
    (source,) = bench.run(client_group)
    target = str(
        bench.client.run_instances(
            bench.m.RunInstancesRequest(
                region_id=REGION,
                image_id=IMAGE,
                instance_type=INSTANCE_TYPE,
                security_group_ids=groups,
                v_switch_id=bench.vswitch,
            )
        ).body.instance_id_sets.instance_id_set[0]
    )
    address = bench.address([target])[target]
    listener = _listen(target, sink=True)
    try:
        sock = _socket_in(source)
        sock.connect((address, PORT))
        chunk = b"\0" * (1 << 20)
        sent = 0
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            sock.sendall(chunk)
            sent += len(chunk)
        sock.close()
        return sent / elapsed
    finally:
        listener.close()
        bench.delete([source, target])


def teardown(bench: Bench, ids: list[str]) -> float:
    started = time.perf_counter()
    bench.delete(ids)
    left = ids
    while left and time.perf_counter() - started < 60:
        left = [i for i in left if any(Path("/run/netns").glob(f"ecsim-*-{i}"))]
        time.sleep(0.005)
    if left:
        raise RuntimeError(f"namespaces of {left} outlived their instances")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("dataplane bench: skipped (needs root: network namespaces and nftables)")
        return 0
    no_proxies()
    # the prober thread spins while the main thread makes the API call: hand the interpreter
    # lock over often, or the call waits up to the default 5 ms to get it back
    sys.setswitchinterval(0.0002)
    rounds = 10 if args.quick else 30
    with tempfile.TemporaryDirectory(prefix="ecsim-dpbench-") as data:
        server, _ = start_ecsim(Path(data), extra_args=["--dataplane", "linux"])
        with running(server):
            bench = Bench(server.endpoint)
            delays = propagation(bench, rounds)
            pingable = bench.group()
            bench.rule(pingable, ip_protocol="icmp", port_range="-1/-1", source_cidr_ip="0.0.0.0/0")
            singles = [first_ping(bench, pingable, 1) for _ in range(rounds)]
            call_100, after_100 = first_ping(bench, pingable, 100)
            seconds = 1.0 if args.quick else 3.0
            plain = statistics.median(throughput(bench, 0, seconds) for _ in range(3))
            ruled = statistics.median(throughput(bench, 1000, seconds) for _ in range(3))
            everything = [i for i in bench_ids(bench)]
            gone = teardown(bench, everything)
    after = [s[1] for s in singles]
    calls = [s[0] for s in singles]
    ratio = ruled / plain
    print_table(
        f"Linux data plane ({rounds} rounds; medians unless noted)",
        [
            Row("rule change -> enforced, p50", _ms(_p(delays, 0.5))),
            Row(
                "rule change -> enforced, p99",
                _ms(_p(delays, 0.99)),
                "<= 10 ms",
                verdict(_p(delays, 0.99) <= 0.010),
            ),
            Row("RunInstances(Amount=1) call", _ms(statistics.median(calls))),
            Row(
                "  then first ping answered after",
                _ms(statistics.median(after)),
                "<= 20 ms",
                verdict(statistics.median(after) <= 0.020),
            ),
            Row("RunInstances(Amount=100) call", _ms(call_100)),
            Row(
                "  call + all 100 answering",
                _ms(call_100 + after_100),
                "<= 3 s",
                verdict(call_100 + after_100 <= 3.0),
            ),
            Row("TCP throughput, no rules", f"{plain / 1e9:.2f} GB/s"),
            Row("TCP throughput, 1,000 rules", f"{ruled / 1e9:.2f} GB/s"),
            Row("  ratio", f"{ratio:.2f}", ">= 0.9", verdict(ratio >= 0.9)),
            Row(f"teardown of {len(everything)} instances", _ms(gone)),
        ],
    )
    return 0


def bench_ids(bench: Bench) -> Iterator[str]:
    token: str | None = None
    while True:
        body = bench.client.describe_instances(
            bench.m.DescribeInstancesRequest(region_id=REGION, max_results=100, next_token=token)
        ).body
        for item in body.instances.instance:
            yield str(item.instance_id)
        token = body.next_token
        if not token:
            return


if __name__ == "__main__":
    sys.exit(main())

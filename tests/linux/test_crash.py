"""A server killed with SIGKILL leaves its instances running; the next server on the same
data directory adopts them (no second copy of anything) and a clean stop removes it all."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.clients import tea_ecs
from tests.support.linux import (
    NETNS_DIR,
    address,
    authorize,
    booted_pid,
    exec_in,
    host_uplinks,
    instance_inits,
    linux_ready,
    loops_under,
    ping,
    revoke,
    server_tag,
)
from tests.support.server import RunningServer, start_server
from tests.support.worlds import WINDOWS_IMAGE, World, new_world

ARGS = ["--dataplane", "linux"]


class Servers:
    """The servers of one data directory, one at a time. Whatever happens, the last one is
    stopped cleanly, so nothing a killed server left behind outlives the test."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.current: RunningServer | None = None

    def start(self) -> RunningServer:
        assert self.current is None or self.current.process.poll() is not None
        self.current = start_server(self.data_dir, ARGS)
        return self.current

    def close(self) -> None:
        if self.current is not None and self.current.process.poll() not in (None, 0):
            # killed: a fresh server adopts what it left, then stops cleanly
            self.current = start_server(self.data_dir, ARGS)
        if self.current is not None:
            self.current.stop(timeout=30)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    reason = linux_ready()
    if reason is not None:
        pytest.skip(reason)
    made = Servers(tmp_path / "ecsim-crash")
    try:
        yield made
    finally:
        made.close()


def _namespaces(*ids: str) -> list[str]:
    return sorted(p.name for i in ids for p in NETNS_DIR.glob(f"ecsim-*-{i}"))


def _tables(router: str) -> int:
    listed = subprocess.run(
        ["ip", "netns", "exec", router, "nft", "list", "ruleset"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return listed.count("table inet ecsim")


def test_instances_survive_a_killed_server_and_are_adopted_once(servers: Servers) -> None:
    first = servers.start()
    world: World = new_world(first)
    pinging, pinged = world.group(), world.group()
    (a,) = world.run(1, security_group_id=pinging)
    (b,) = world.run(1, security_group_id=pinged)
    rule = {"ip_protocol": "icmp", "port_range": "-1/-1", "source_group_id": pinging}
    authorize(world, pinged, **rule)
    inits = sorted(booted_pid(first, i) for i in (a, b))
    target, source = address(world, b), address(world, a)
    assert ping(a, target)
    namespaces = _namespaces(a, b, world.vpc_id)
    assert len(namespaces) == 3
    (router,) = _namespaces(world.vpc_id)
    tag = server_tag(world.vpc_id)
    # its root is its system disk's file system, mounted in its own namespace
    assert exec_in(first, a, ["sh", "-c", "echo kept > /root/kept"]).returncode == 0
    roots = sorted(loops_under(first.data_dir))
    assert len(roots) == 2

    first.stop(sig=signal.SIGKILL)
    assert first.process.returncode == -signal.SIGKILL
    # the kernel keeps going without the server
    assert ping(a, target)
    assert not ping(b, source)

    second = servers.start()
    # the world's account, through the new server's port
    world = replace(world, client=tea_ecs(second.endpoint, world.key))
    assert ping(a, target)
    assert not ping(b, source)
    assert _namespaces(a, b, world.vpc_id) == namespaces
    assert _tables(router) == 1
    assert len(host_uplinks(tag)) == 1
    # the same processes, adopted rather than started again, on the same mounted roots
    assert sorted(instance_inits(second.data_dir)) == inits
    assert sorted(loops_under(second.data_dir)) == roots
    assert exec_in(second, a, ["cat", "/root/kept"]).stdout == "kept\n"
    # and the new server governs them: a revoke reaches the kernel
    revoke(world, pinged, **rule)
    assert not ping(a, target)

    second.stop()
    assert second.process.returncode == 0
    assert _namespaces(a, b, world.vpc_id) == []
    assert not list(NETNS_DIR.glob(f"ecsim-{tag}-*"))
    assert host_uplinks(tag) == []
    assert instance_inits(second.data_dir) == []
    assert loops_under(second.data_dir) == []


def test_a_freeze_a_killed_server_left_is_thawed_when_the_instance_is_adopted(
    servers: Servers,
) -> None:
    first = servers.start()
    world: World = new_world(first)
    (a,) = world.run(1)
    # as CreateSnapshot leaves it while it reads the disk: the root's file system frozen
    assert exec_in(first, a, ["fsfreeze", "--freeze", "/"]).returncode == 0
    try:
        first.stop(sig=signal.SIGKILL)
        second = servers.start()
        # a write would block for as long as the freeze lasts
        wrote = exec_in(second, a, ["sh", "-c", "echo thawed > /root/after && sync"], timeout=10)
        assert wrote.returncode == 0, wrote.stderr
        assert exec_in(second, a, ["cat", "/root/after"]).stdout == "thawed\n"
    finally:
        if servers.current is not None and servers.current.process.poll() is None:
            exec_in(servers.current, a, ["fsfreeze", "--unfreeze", "/"], timeout=10)


def test_a_windows_record_from_an_api_only_server_is_never_booted(tmp_path: Path) -> None:
    reason = linux_ready()
    if reason is not None:
        pytest.skip(reason)
    data_dir = tmp_path / "ecsim-windows"
    api_only = start_server(data_dir)
    try:
        world: World = new_world(api_only)
        (windows,) = world.run(1, image_id=WINDOWS_IMAGE)
        (linux,) = world.run(1)
    finally:
        api_only.stop()
    served = start_server(data_dir, ARGS)
    try:
        booted_pid(served, linux)
        assert _namespaces(linux) != []
        assert _namespaces(windows) == []
    finally:
        served.stop(timeout=30)
    assert _namespaces(linux, windows) == []

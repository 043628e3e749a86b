"""What the Linux data-plane tests stand on: a server that really creates instances, and
ways to run commands inside them.

The server runs with ``--dataplane linux`` (root only; tests skip otherwise) in its own data
directory; stopping it removes every namespace, link and container it made, and the tests
check that nothing of theirs is left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.server import RunningServer, start_server
from tests.support.worlds import REGION, World, new_world

__all__ = [
    "address",
    "associate_eip",
    "authorize",
    "authorize_egress",
    "background",
    "booted_pid",
    "eventually",
    "exec_in",
    "host_connects",
    "host_uplinks",
    "init_pid",
    "instance_inits",
    "linux_ready",
    "listening",
    "loops_of",
    "loops_under",
    "netns_of",
    "ping",
    "release",
    "released",
    "revoke",
    "revoke_egress",
    "run_in",
    "serve_linux",
    "server_tag",
    "tcp_connects",
    "world_fixture",
]

NETNS_DIR = Path("/run/netns")
_TOOLS = ("ip", "nft", "nsenter", "unshare", "tini", "ping", "nc")


def linux_ready() -> str | None:
    """Why the Linux data plane cannot be tested here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veths, nftables)"
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing tools: {', '.join(missing)} (make install puts them there as root)"
    return None


def serve_linux(data_dir: Path, extra: Sequence[str] = ()) -> Iterator[RunningServer]:
    reason = linux_ready()
    if reason is not None:
        pytest.skip(reason)
    server = start_server(data_dir, ["--dataplane", "linux", *extra])
    try:
        yield server
    finally:
        server.stop(timeout=30)
        # what it logged, for a failure's post-mortem (pytest keeps its last temp dirs)
        (data_dir / "server.log").write_text("".join(server.output))


def netns_of(instance_id: str) -> str:
    """The network namespace of a running instance."""
    found = sorted(NETNS_DIR.glob(f"ecsim-*-{instance_id}"))
    assert found, f"{instance_id} has no network namespace"
    return found[0].name


def run_in(
    instance_id: str, command: Sequence[str], *, timeout: float = 10
) -> subprocess.CompletedProcess[str]:
    """``command`` in the instance's network namespace (host tools, the instance's network)."""
    return subprocess.run(
        ["nsenter", f"--net={NETNS_DIR / netns_of(instance_id)}", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ping(instance_id: str, address: str, *, wait: float = 0.5) -> bool:
    done = run_in(instance_id, ["ping", "-c", "1", "-W", str(wait), "-q", address])
    return done.returncode == 0


def tcp_connects(instance_id: str, address: str, port: int, *, wait: float = 1) -> bool:
    done = run_in(instance_id, ["nc", "-z", "-w", str(wait), address, str(port)])
    return done.returncode == 0


def init_pid(server: RunningServer, instance_id: str) -> int:
    """The instance's PID 1 as the host sees it: the child of its launcher."""
    launcher = (server.data_dir / "instances" / instance_id / "launcher.pid").read_text()
    children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    assert children, f"{instance_id} has no init"
    return int(children[0])


def booted_pid(server: RunningServer, instance_id: str, *, timeout: float = 10) -> int:
    """The instance's PID 1 once its root is built: until then PID 1 is the start script,
    still in the host's root (entering it would show the host's files)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid = init_pid(server, instance_id)
            if Path(f"/proc/{pid}/comm").read_text().strip() == "tini":
                return pid
        except (OSError, AssertionError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{instance_id} did not boot in {timeout} s")
        time.sleep(0.02)


def exec_in(
    server: RunningServer,
    instance_id: str,
    command: Sequence[str],
    *,
    timeout: float = 30,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``command`` inside the booted instance: all its namespaces, its root, as root, cwd
    /root (what ``ecsim exec`` does)."""
    pid = booted_pid(server, instance_id)
    return subprocess.run(
        ["nsenter", "-t", str(pid), "-a", "/usr/bin/env", "-C", "/root", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def sh_in(server: RunningServer, instance_id: str, script: str, *, timeout: float = 120) -> str:
    """``script`` run by sh inside the booted instance; its output (it must succeed)."""
    done = exec_in(server, instance_id, ["sh", "-c", script], timeout=timeout)
    assert done.returncode == 0, f"{script}: {done.stdout}{done.stderr}"
    return done.stdout


def background(server: RunningServer, instance_id: str, command: str) -> None:
    """Start the shell ``command`` inside the instance, detached (a listener, a daemon; its
    own redirections apply); it ends with the instance."""
    detached = f"({command}) </dev/null >/dev/null 2>&1 &"
    done = exec_in(server, instance_id, ["sh", "-c", detached])
    assert done.returncode == 0, done.stderr


def eventually(check: Callable[[], bool], *, timeout: float = 5, interval: float = 0.05) -> bool:
    """Whether ``check`` holds within ``timeout`` seconds (polled)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def host_connects(address: str, port: int, *, wait: float = 1) -> bool:
    """A TCP connection from the host itself (through a router's uplink)."""
    done = subprocess.run(["nc", "-z", "-w", str(wait), address, str(port)], capture_output=True)
    return done.returncode == 0


def instance_inits(data_dir: Path) -> list[int]:
    """PIDs of the tini processes (instance inits) this server's instances run: those whose
    launcher names an instance directory under ``data_dir`` (other servers may share the host)."""
    found = subprocess.run(["pgrep", "-x", "tini"], capture_output=True, text=True).stdout.split()
    marker = f"{data_dir.resolve()}/instances/"
    ours = []
    for pid in found:
        try:
            parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            launcher = Path(f"/proc/{parent}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError):
            continue
        if marker in launcher:
            ours.append(int(pid))
    return ours


def server_tag(network_id: str) -> str:
    """The tag in a server's kernel names (``ecsim-TAG-...``), read off a network's router."""
    (router,) = NETNS_DIR.glob(f"ecsim-*-{network_id}")
    return router.name.split("-")[1]


def host_uplinks(tag: str) -> list[str]:
    """Host links carrying that server's alias: the host ends of its routers' uplinks."""
    listed = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    return [
        line.split(":")[1].strip().split("@")[0]
        for line in listed.splitlines()
        if f"alias ecsim:{tag}" in line
    ]


def loops_under(data_dir: Path) -> list[str]:
    """The host's loop devices over the disk images of the server in ``data_dir``."""
    images = f"{(data_dir / 'blocks' / 'disks').resolve()}/"
    listed = subprocess.run(
        ["losetup", "--list", "--noheadings", "--raw", "--output", "NAME,BACK-FILE"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in listed.splitlines() if images in line]


def loops_of(server: RunningServer, disk_id: str) -> list[str]:
    """The host's loop devices over one disk's image."""
    image = server.data_dir / "blocks" / "disks" / f"{disk_id}.img"
    listed = subprocess.run(
        ["losetup", "--associated", str(image)], capture_output=True, text=True, check=True
    ).stdout
    return listed.splitlines()


def listening(server: RunningServer, instance_id: str, port: int, *, udp: bool = False) -> bool:
    """Whether something inside the instance listens on ``port``."""
    done = exec_in(server, instance_id, ["ss", "-Hlun" if udp else "-Hltn", f"sport = :{port}"])
    return bool(done.stdout.strip())


# -- the API calls the tests repeat ------------------------------------------------------------


def address(world: World, instance_id: str) -> str:
    """The instance's primary private address."""
    (instance,) = world.instances([instance_id])
    return str(instance.vpc_attributes.private_ip_address.ip_address[0])


def authorize(world: World, group_id: str, **fields: object) -> None:
    request = ecs_models.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id, **fields
    )
    world.client.authorize_security_group(request)


def revoke(world: World, group_id: str, **fields: object) -> None:
    request = ecs_models.RevokeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id, **fields
    )
    world.client.revoke_security_group(request)


def authorize_egress(world: World, group_id: str, **fields: object) -> None:
    request = ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, **fields
    )
    world.client.authorize_security_group_egress(request)


def revoke_egress(world: World, group_id: str, **fields: object) -> None:
    request = ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, **fields
    )
    world.client.revoke_security_group_egress(request)


def associate_eip(world: World, instance_id: str) -> str:
    """A new EIP bound to the instance; its address."""
    eip = world.client.allocate_eip_address(
        ecs_models.AllocateEipAddressRequest(region_id=REGION)
    ).body
    world.client.associate_eip_address(
        ecs_models.AssociateEipAddressRequest(
            region_id=REGION, allocation_id=eip.allocation_id, instance_id=instance_id
        )
    )
    return str(eip.eip_address)


@contextmanager
def released(world: World, server: RunningServer | None = None) -> Iterator[World]:
    """``world``, whose instances are force-deleted afterwards whatever happened (their
    namespaces and processes go with them)."""
    try:
        yield world
    finally:
        release(world, server)


def world_fixture(server: RunningServer) -> Iterator[World]:
    """Fixture body: a world in a fresh account, its instances deleted afterwards."""
    with released(new_world(server), server) as world:
        yield world


def release(world: World, server: RunningServer | None = None) -> None:
    """Force-delete the world's instances. Given the server, those still booting are let
    finish first: a stop that reaches an instance mid-boot waits out the whole grace period."""
    described = world.instances()
    if server is not None:
        for instance in described:
            if instance.status in ("Pending", "Starting", "Running"):
                with suppress(AssertionError):
                    booted_pid(server, str(instance.instance_id), timeout=2)
    ids = [str(instance.instance_id) for instance in described]
    for start in range(0, len(ids), 100):
        world.client.delete_instances(
            ecs_models.DeleteInstancesRequest(
                region_id=REGION, instance_id=ids[start : start + 100], force=True
            )
        )

"""What an instance cannot see or do: the host's files and processes, its groups' gates
(they live in the router's namespace, out of its reach), another VPC."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from Tea.exceptions import TeaException

from tests.support.clients import tea_call
from tests.support.linux import (
    address,
    authorize,
    background,
    eventually,
    exec_in,
    host_uplinks,
    listening,
    ping,
    run_in,
    server_tag,
    sh_in,
)
from tests.support.server import RunningServer
from tests.support.worlds import World

REPOSITORY = Path(__file__).resolve().parents[2]
FORWARDING = Path("/proc/sys/net/ipv4/ip_forward")


def test_nothing_of_the_host_is_visible(linux_server: RunningServer, world: World) -> None:
    marker = Path("/tmp") / f"ecsim-host-marker-{uuid.uuid4().hex}"
    marker.write_text("host only\n")
    try:
        (instance_id,) = world.run(1)
        hidden = [REPOSITORY, linux_server.data_dir.resolve(), marker]
        if Path("/work").exists():
            hidden.append(Path("/work"))
        if Path("/etc/ssh/ssh_host_rsa_key").exists():
            hidden.append(Path("/etc/ssh/ssh_host_rsa_key"))
        for path in hidden:
            assert sh_in(linux_server, instance_id, f"test -e {path} && echo visible || true") == ""
        assert sh_in(linux_server, instance_id, "ls -A /home") == ""
        assert sh_in(linux_server, instance_id, "ls -A /root") == ".ssh\n"
        # its own PID namespace: init is tini, and the host's processes are not there
        assert sh_in(linux_server, instance_id, "cat /proc/1/comm") == "tini\n"
        processes = sh_in(linux_server, instance_id, "ps -eo args=")
        assert "ecsim" not in processes.replace("ecsim-init", "")
        assert "pytest" not in processes
    finally:
        marker.unlink()


def test_the_hostname_is_the_instances(linux_server: RunningServer, world: World) -> None:
    (named,) = world.run(1, host_name="db-01")
    (default,) = world.run(1)
    assert sh_in(linux_server, named, "hostname") == "db-01\n"
    (described,) = world.instances([default])
    assert sh_in(linux_server, default, "hostname") == f"{described.host_name}\n"


def test_a_command_entered_right_after_launch_is_already_inside(
    linux_server: RunningServer, world: World
) -> None:
    """Ten launches, each entered as soon as the API names its init (as `ecsim exec` does):
    none may see the host's files."""
    seen = []
    for _ in range(10):
        (instance_id,) = world.run(1)
        pid = _runtime_pid(linux_server, world, instance_id)
        probe = f"test -e {linux_server.data_dir.resolve()} && echo host-visible || true"
        command = ["nsenter", "-t", str(pid), "-a", "/usr/bin/env", "-C", "/root", "sh", "-c"]
        seen.append(subprocess.run([*command, probe], capture_output=True, text=True).stdout)
    assert "host-visible\n" not in seen


def _runtime_pid(server: RunningServer, world: World, instance_id: str) -> int:
    """The PID DescribeInstanceRuntime names, asked until it names one."""
    for _ in range(200):
        try:
            body = tea_call(
                server.endpoint,
                world.key,
                "2026-01-01",
                "DescribeInstanceRuntime",
                {"InstanceId": instance_id},
            )
            return int(body["Pid"])
        except TeaException:
            pass
    raise AssertionError(f"no runtime for {instance_id}")


def test_root_inside_cannot_flush_its_way_past_its_groups(
    linux_server: RunningServer, world: World
) -> None:
    guarded = world.group()
    (outsider,) = world.run(1)
    (target_id,) = world.run(1, security_group_id=guarded)
    target = address(world, target_id)
    assert not ping(outsider, target)
    for instance_id in (outsider, target_id):
        flushed = exec_in(linux_server, instance_id, ["nft", "flush", "ruleset"])
        assert flushed.returncode == 0, flushed.stderr
    assert not ping(outsider, target)
    assert not ping(target_id, address(world, outsider))


def test_root_inside_cannot_borrow_an_authorized_address(
    linux_server: RunningServer, world: World
) -> None:
    """The target lets in one address; an outsider that adds that address to its own
    interface and sends from it is dropped (anti-spoofing in the router). UDP, so that the
    spoofed datagram would arrive even though no answer could come back."""
    guarded = world.group()
    (target_id,) = world.run(1, security_group_id=guarded)
    (trusted,) = world.run(1)
    (outsider,) = world.run(1)
    borrowed, target = address(world, trusted), address(world, target_id)
    authorize(
        world, guarded, ip_protocol="udp", port_range="5353/5353", source_cidr_ip=f"{borrowed}/32"
    )
    background(linux_server, target_id, "nc -u -l 5353 > /root/received")
    assert eventually(lambda: listening(linux_server, target_id, 5353, udp=True))
    added = exec_in(linux_server, outsider, ["ip", "addr", "add", f"{borrowed}/32", "dev", "eth0"])
    assert added.returncode == 0, added.stderr

    def send(instance_id: str, text: str) -> None:
        command = f"echo {text} | nc -u -w 1 -s {borrowed} {target} 5353"
        assert run_in(instance_id, ["sh", "-c", command]).returncode == 0

    send(outsider, "spoofed")
    send(trusted, "genuine")
    assert eventually(lambda: "genuine" in sh_in(linux_server, target_id, "cat /root/received"))
    assert "spoofed" not in sh_in(linux_server, target_id, "cat /root/received")


def _second_vpc(world: World, block: str, vswitch_block: str) -> tuple[str, str]:
    """Another VPC of the world's account: its vSwitch and a (basic) group in it."""
    vpc_id = world.vpc(block)
    return world.vswitch(vswitch_block, vpc_id=vpc_id), world.group(vpc_id=vpc_id)


def test_two_vpcs_with_one_block_both_work_and_never_meet(
    linux_server: RunningServer, world: World
) -> None:
    vswitch, group = _second_vpc(world, "192.168.0.0/16", "192.168.1.0/24")
    a1, a2 = world.run(2)
    b1, b2 = world.run(2, v_switch_id=vswitch, security_group_id=group)
    # the same addresses on both sides
    assert [address(world, i) for i in (a1, a2)] == [address(world, i) for i in (b1, b2)]
    twin = address(world, a2)
    assert ping(a1, twin)
    assert ping(b1, twin)
    # a listener only on b2: b1 reaches it, a1 reaches a2 (refused), never b2
    background(linux_server, b2, "nc -l -k 7000")
    assert eventually(lambda: run_in(b1, ["nc", "-z", "-w", "1", twin, "7000"]).returncode == 0)
    attempt = run_in(a1, ["nc", "-v", "-z", "-w", "1", twin, "7000"])
    assert "Connection refused" in attempt.stderr
    # and the host, for which the block is ambiguous, routes it to neither
    routes = subprocess.run(
        ["ip", "-o", "route", "show", "192.168.1.0/24"], capture_output=True, text=True
    ).stdout.split()
    assert not set(host_uplinks(server_tag(world.vpc_id))) & set(routes)


@pytest.fixture
def host_forwarding() -> Iterator[None]:
    """The host forwards IPv4 (as a host running Docker does), restored afterwards."""
    before = FORWARDING.read_text()
    FORWARDING.write_text("1")
    try:
        yield
    finally:
        FORWARDING.write_text(before)


def _open_vpc(world: World, block: str) -> tuple[str, str]:
    vswitch, group = _second_vpc(world, block, block.replace("0.0/16", "1.0/24"))
    authorize(world, group, ip_protocol="all", port_range="-1/-1", source_cidr_ip="0.0.0.0/0")
    return vswitch, group


def test_two_vpcs_never_meet_with_the_host_not_forwarding(world: World) -> None:
    if FORWARDING.read_text().strip() != "0":
        pytest.skip("this host forwards IPv4 (the next test covers that case)")
    a_vswitch, a_group = _open_vpc(world, "10.1.0.0/16")
    b_vswitch, b_group = _open_vpc(world, "10.2.0.0/16")
    (a,) = world.run(1, v_switch_id=a_vswitch, security_group_id=a_group)
    (b,) = world.run(1, v_switch_id=b_vswitch, security_group_id=b_group)
    assert not ping(a, address(world, b))
    assert not ping(b, address(world, a))


def test_two_vpcs_never_meet_even_when_the_host_forwards(
    world: World, host_forwarding: None
) -> None:
    a_vswitch, a_group = _open_vpc(world, "10.1.0.0/16")
    b_vswitch, b_group = _open_vpc(world, "10.2.0.0/16")
    (a,) = world.run(1, v_switch_id=a_vswitch, security_group_id=a_group)
    (b,) = world.run(1, v_switch_id=b_vswitch, security_group_id=b_group)
    assert not ping(a, address(world, b))
    assert not ping(b, address(world, a))

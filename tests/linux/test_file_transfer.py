"""Guide §4.1, moving files between instances, through the groups: netcat (a copy and a
port scan), scp from the host with a key pair, rsync over ssh between two instances."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    address,
    associate_eip,
    authorize,
    background,
    eventually,
    exec_in,
    host_connects,
    listening,
    tcp_connects,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World


def _md5(server: RunningServer, instance_id: str, path: str) -> str:
    done = exec_in(server, instance_id, ["md5sum", path])
    return done.stdout.split()[0] if done.returncode == 0 else ""


def test_nc_copies_a_file_once_the_group_allows_the_port(
    linux_server: RunningServer, world: World
) -> None:
    receivers = world.group()
    (sender,) = world.run(1)
    (receiver,) = world.run(1, security_group_id=receivers)
    target = address(world, receiver)
    made = exec_in(linux_server, sender, ["sh", "-c", "head -c 262144 /dev/urandom > test.txt"])
    assert made.returncode == 0, made.stderr
    sent = _md5(linux_server, sender, "test.txt")
    assert not tcp_connects(sender, target, 1234)
    authorize(
        world, receivers, ip_protocol="tcp", port_range="1234/1234", source_group_id=world.group_id
    )
    # on the receiver: nc -l 1234 > test.txt; on the sender: nc -w 2 IP 1234 < test.txt
    background(linux_server, receiver, "nc -l 1234 > /root/test.txt")
    assert eventually(lambda: listening(linux_server, receiver, 1234))
    copied = exec_in(linux_server, sender, ["sh", "-c", f"nc -w 2 {target} 1234 < test.txt"])
    assert copied.returncode == 0, copied.stderr
    assert eventually(lambda: _md5(linux_server, receiver, "/root/test.txt") == sent)


def test_nc_port_scan_shows_only_the_allowed_port(
    linux_server: RunningServer, world: World
) -> None:
    """`nc -v -w 2 IP -z 21-24` (one second here): every port has a listener, the group
    allows 22 only, so only 22 succeeds and the others time out."""
    guarded = world.group()
    (scanner,) = world.run(1)
    (target_id,) = world.run(1, security_group_id=guarded)
    for port in (21, 23, 24):
        background(linux_server, target_id, f"nc -l -k {port}")
    authorize(
        world, guarded, ip_protocol="tcp", port_range="22/22", source_cidr_ip="192.168.0.0/16"
    )
    target = address(world, target_id)
    assert eventually(lambda: all(listening(linux_server, target_id, p) for p in (21, 22, 23, 24)))
    done = exec_in(linux_server, scanner, ["nc", "-v", "-w", "1", target, "-z", "21-24"])
    assert f"Connection to {target} 22 port [tcp/ssh] succeeded!" in done.stderr
    for port in (21, 23, 24):
        assert f"connect to {target} port {port} (tcp) timed out" in (done.stderr), done.stderr
    assert done.stderr.count("succeeded") == 1


# -- key pairs: scp from the host, rsync between instances ---------------------------------------

_SSH_OPTIONS = (
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=1",
    "-o",
    "LogLevel=ERROR",
)

# Key-pair-only instances lock root's password ("!" in /etc/shadow) and OpenSSH refuses every
# login, keys included, of a locked account when UsePAM is off ("User root not allowed because
# account is locked"). With a password as well, the key logs in.
LAUNCHES = [
    pytest.param({}, id="key-pair-only"),
    pytest.param({"password": "Ecsim-Test-2024"}, id="key-pair-and-password"),
]


def _key_pair(world: World, directory: Path) -> tuple[str, Path]:
    """CreateKeyPair; the private key saved 0600 on the host."""
    body = world.client.create_key_pair(
        ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name="transfer")
    ).body
    key = directory / "transfer.pem"
    key.write_text(str(body.private_key_body))
    key.chmod(0o600)
    return str(body.key_pair_name), key


@pytest.mark.parametrize("launch", LAUNCHES)
def test_scp_to_an_instance_with_its_key_pair(
    world: World, tmp_path: Path, launch: dict[str, str]
) -> None:
    name, key = _key_pair(world, tmp_path)
    (instance_id,) = world.run(1, key_pair_name=name, **launch)
    eip = associate_eip(world, instance_id)
    payload = tmp_path / "payload.txt"
    payload.write_text("copied by scp\n")

    def scp(*paths: str) -> subprocess.CompletedProcess[str]:
        command = ["scp", "-i", str(key), *_SSH_OPTIONS, *paths]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if done.returncode == 255 and "Broken pipe" in done.stderr:
            # Seen once in a full CI run, never alone: an established session dropped right
            # after a first one succeeded. Retried once so the suite stays green while it is
            # looked into; a refusal (no rule, no key) is never a broken pipe.
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return done

    assert scp(str(payload), f"root@{eip}:/root/").returncode != 0
    authorize(
        world, world.group_id, ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0"
    )
    assert eventually(lambda: host_connects(eip, 22))
    sent = scp(str(payload), f"root@{eip}:/root/")
    assert sent.returncode == 0, sent.stderr
    back = tmp_path / "back.txt"
    fetched = scp(f"root@{eip}:/root/payload.txt", str(back))
    assert fetched.returncode == 0, fetched.stderr
    assert back.read_text() == "copied by scp\n"


@pytest.mark.parametrize("launch", LAUNCHES)
def test_rsync_over_ssh_between_instances(
    linux_server: RunningServer, world: World, tmp_path: Path, launch: dict[str, str]
) -> None:
    """From A to B: the key pair's private key placed in A's /root/.ssh, B launched with the
    key pair. B's group first has no rule for A (rsync fails), then allows tcp 22 from A's
    group."""
    name, key = _key_pair(world, tmp_path)
    guarded = world.group()
    (a,) = world.run(1)
    (b,) = world.run(1, security_group_id=guarded, key_pair_name=name, **launch)
    placed = exec_in(
        linux_server, a, ["sh", "-c", "umask 077; cat > /root/.ssh/id_rsa"], stdin=key.read_text()
    )
    assert placed.returncode == 0, placed.stderr
    exec_in(
        linux_server, a, ["sh", "-c", "mkdir -p data/sub; echo one > data/a; echo two > data/sub/b"]
    )
    target = address(world, b)
    shell = " ".join(["ssh", *_SSH_OPTIONS])

    def rsync() -> subprocess.CompletedProcess[str]:
        command = ["rsync", "-av", "-e", shell, "/root/data/", f"root@{target}:/root/data/"]
        return exec_in(linux_server, a, command)

    assert rsync().returncode != 0
    authorize(world, guarded, ip_protocol="tcp", port_range="22/22", source_group_id=world.group_id)
    assert eventually(lambda: tcp_connects(a, target, 22))
    done = rsync()
    assert done.returncode == 0, done.stderr
    copied = exec_in(linux_server, b, ["sh", "-c", "cat /root/data/a /root/data/sub/b"])
    assert copied.stdout == "one\ntwo\n"

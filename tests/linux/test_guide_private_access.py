"""Guide §1.7: private traffic between instances of different groups (and accounts),
authorized through the API, checked with real pings.

Both of the guide's flows run as written: instance-to-instance (each group authorizes the
other instance's address, `aliyun ecs AuthorizeSecurityGroup ... --SourceCidrIp 10.0.0.2
--NicType intranet`, here through `ecsim ecs`), and group-to-group (SourceGroupId, across
accounts with SourceGroupOwnerAccount). §1.7 also says instances of different VPCs are not
connected by default, and accounts never share a VPC: the cross-account flow connects
classic-network instances (tested as written; skipped where the data plane does not run the
classic network), while in VPCs its rules must be accepted and connect nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.linux import (
    NETNS_DIR,
    address,
    authorize,
    booted_pid,
    ping,
    release,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World, world_in

ALL = {"ip_protocol": "all", "port_range": "-1/-1", "nic_type": "intranet"}


def _ecsim_ecs(server: RunningServer, world: World, action: str, *args: str) -> None:
    """``ecsim ecs ACTION ...`` as the guide's ``aliyun ecs`` lines, in ``world``'s account."""
    command = [sys.executable, "-m", "ecsim", "ecs", action, *args]
    credentials = ["--access-key-id", world.key[0], "--access-key-secret", world.key[1]]
    done = subprocess.run(
        [*command, "--endpoint", server.url, *credentials],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)


def _pings_both_ways(world_a: World, a: str, world_b: World, b: str) -> tuple[bool, bool]:
    return ping(a, address(world_b, b)), ping(b, address(world_a, a))


def test_instance_to_instance_by_address(linux_server: RunningServer, world: World) -> None:
    """§1.7 "ECS執行個體間通訊": A in sg1, B in sg2; each group authorizes the other's address
    (a bare address, as the guide writes it)."""
    sg1, sg2 = world.group(), world.group()
    (a,) = world.run(1, security_group_id=sg1)
    (b,) = world.run(1, security_group_id=sg2)
    assert _pings_both_ways(world, a, world, b) == (False, False)
    for group, peer in ((sg1, b), (sg2, a)):
        _ecsim_ecs(
            linux_server,
            world,
            "AuthorizeSecurityGroup",
            *("--SecurityGroupId", group, "--RegionId", REGION, "--IpProtocol", "all"),
            *("--PortRange", "-1/-1", "--SourceCidrIp", address(world, peer)),
            *("--NicType", "intranet"),
        )
    assert _pings_both_ways(world, a, world, b) == (True, True)


def test_one_way_authorization_opens_one_direction(world: World) -> None:
    """Only sg2 authorizes A: A reaches B, B does not reach A (the gates are stateful: the
    reply of A's ping passes, a ping opened by B does not)."""
    sg1, sg2 = world.group(), world.group()
    (a,) = world.run(1, security_group_id=sg1)
    (b,) = world.run(1, security_group_id=sg2)
    authorize(world, sg2, source_cidr_ip=f"{address(world, a)}/32", **ALL)
    assert _pings_both_ways(world, a, world, b) == (True, False)


def test_group_to_group_in_one_account(world: World) -> None:
    """The other instance's group referenced by SourceGroupId: every member is authorized,
    including one launched after the rule."""
    sg1, sg2 = world.group(), world.group()
    (a,) = world.run(1, security_group_id=sg1)
    (b,) = world.run(1, security_group_id=sg2)
    assert _pings_both_ways(world, a, world, b) == (False, False)
    authorize(world, sg1, source_group_id=sg2, **ALL)
    authorize(world, sg2, source_group_id=sg1, **ALL)
    assert _pings_both_ways(world, a, world, b) == (True, True)
    (later,) = world.run(1, security_group_id=sg2)
    assert _pings_both_ways(world, a, world, later) == (True, True)
    # an instance in neither group stays out
    (outsider,) = world.run(1)
    assert _pings_both_ways(world, a, world, outsider) == (False, False)


@pytest.fixture
def two_accounts(linux_server: RunningServer) -> Iterator[tuple[World, World, str, str]]:
    """Account a and account b (login names as in the guide, made unique), each with its
    world; both worlds' instances are deleted afterwards."""
    worlds: list[World] = []
    names: list[str] = []
    try:
        for letter in "ab":
            name = f"{letter}-{uuid.uuid4().hex[:8]}@aliyun.com"
            account = create_account(linux_server.url, name)
            key = (str(account["AccessKeyId"]), str(account["AccessKeySecret"]))
            worlds.append(world_in(tea_ecs(linux_server.endpoint, key), key))
            names.append(name)
        yield worlds[0], worlds[1], names[0], names[1]
    finally:
        for made in worlds:
            release(made, linux_server)


def test_cross_account_rules_connect_nothing_between_vpcs(
    linux_server: RunningServer, two_accounts: tuple[World, World, str, str]
) -> None:
    """§1.7 "帳號間內網通訊" in VPCs: sg1 (account a) authorizes sg2 with
    SourceGroupOwnerAccount b, and sg2 authorizes sg1 with owner a. The rules are accepted;
    the two VPCs stay unconnected, and nothing inside a's VPC is opened by them: an instance
    there whose address equals one of b's authorized members, but which is in no authorized
    group, stays out."""
    world_a, world_b, name_a, name_b = two_accounts
    # account b's own network with another block, so that its addresses are unambiguous
    vpc_b = world_b.vpc("172.16.0.0/12")
    vswitch_b = world_b.vswitch("172.16.1.0/24", vpc_id=vpc_b)
    sg1, sg2 = world_a.group(), world_b.group(vpc_id=vpc_b)
    (a,) = world_a.run(1, security_group_id=sg1)
    (b,) = world_b.run(1, security_group_id=sg2, v_switch_id=vswitch_b)
    authorize(world_a, sg1, source_group_id=sg2, source_group_owner_account=name_b, **ALL)
    authorize(world_b, sg2, source_group_id=sg1, source_group_owner_account=name_a, **ALL)
    booted_pid(linux_server, a)
    assert _pings_both_ways(world_a, a, world_b, b) == (False, False)
    # account b's members in a block that is also a's: an instance of a's VPC at one of
    # their addresses (in a's basic group only) is no member, and must stay out
    b_members = world_b.group()
    twins = world_b.run(2, security_group_id=b_members)
    authorize(world_a, sg1, source_group_id=b_members, source_group_owner_account=name_b, **ALL)
    (a_twin,) = world_a.run(1)
    assert address(world_a, a_twin) in {address(world_b, twin) for twin in twins}
    assert not ping(a_twin, address(world_a, a))


def test_cross_account_between_classic_instances(
    two_accounts: tuple[World, World, str, str],
) -> None:
    """The guide's cross-account flow as written: classic-network instances of two accounts
    in one region, each group authorizing the other account's group. Skips while the data
    plane does not run classic-network instances (it did not when this was written)."""
    world_a, world_b, name_a, name_b = two_accounts
    sg1, sg2 = world_a.group(vpc_id=None), world_b.group(vpc_id=None)
    a = world_a.run_classic(sg1)
    b = world_b.run_classic(sg2)
    if not list(NETNS_DIR.glob(f"ecsim-*-{a}")):
        pytest.skip("the data plane does not run classic-network instances yet")
    (described_a,) = world_a.instances([a])
    (described_b,) = world_b.instances([b])
    address_a = str(described_a.inner_ip_address.ip_address[0])
    address_b = str(described_b.inner_ip_address.ip_address[0])
    assert (ping(a, address_b), ping(b, address_a)) == (False, False)
    authorize(world_a, sg1, source_group_id=sg2, source_group_owner_account=name_b, **ALL)
    authorize(world_b, sg2, source_group_id=sg1, source_group_owner_account=name_a, **ALL)
    assert (ping(a, address_b), ping(b, address_a)) == (True, True)

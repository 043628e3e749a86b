"""Instances are real: namespaces wired into their VPC's router, gated by their groups."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    NETNS_DIR,
    address,
    associate_eip,
    authorize,
    booted_pid,
    eventually,
    host_connects,
    ping,
    revoke,
)
from tests.support.server import RunningServer
from tests.support.worlds import World


def test_ping_fails_until_the_group_allows_it(world: World) -> None:
    other = world.group()
    (first,) = world.run(1)
    (second,) = world.run(1, security_group_id=other)
    target = address(world, second)
    assert not ping(first, target)
    rule = {"ip_protocol": "icmp", "port_range": "-1/-1", "source_group_id": world.group_id}
    authorize(world, other, **rule)
    assert ping(first, target)
    revoke(world, other, **rule)
    assert not ping(first, target)


def test_members_of_one_basic_group_reach_each_other(world: World) -> None:
    first, second = world.run(2)
    assert ping(first, address(world, second))
    assert ping(second, address(world, first))


def test_the_host_reaches_an_instance_through_its_eip(world: World) -> None:
    (instance_id,) = world.run(1)
    eip = associate_eip(world, instance_id)
    assert not host_connects(eip, 22)
    authorize(
        world, world.group_id, ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0"
    )
    # sshd may still be starting
    assert eventually(lambda: host_connects(eip, 22))


def _namespaces(instance_id: str) -> list[str]:
    return [p.name for p in NETNS_DIR.glob(f"ecsim-*-{instance_id}")]


def test_stop_frees_the_namespace_and_start_brings_it_back(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    assert _namespaces(instance_id)
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: not _namespaces(instance_id), timeout=10)
    world.client.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id))
    assert _namespaces(instance_id)
    booted_pid(linux_server, instance_id)

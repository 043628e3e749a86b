"""Deleting instances leaves nothing of them behind, at scale (50 instances): their
namespaces, router ports and processes go, and their files should."""

from __future__ import annotations

import subprocess

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    NETNS_DIR,
    address,
    booted_pid,
    eventually,
    instance_inits,
    ping,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

COUNT = 50
BATCH = 25


def _router_links(vpc_id: str) -> list[str]:
    (router,) = NETNS_DIR.glob(f"ecsim-*-{vpc_id}")
    done = subprocess.run(
        ["ip", "-n", router.name, "-o", "link", "show"], capture_output=True, text=True
    )
    return [line.split(":")[1].strip().split("@")[0] for line in done.stdout.splitlines()]


def test_fifty_instances_deleted_leave_nothing_behind(
    linux_server: RunningServer, world: World
) -> None:
    # one instance stays, so that the VPC's router stays and its links can be counted
    (keeper,) = world.run(1)
    keeper_init = booted_pid(linux_server, keeper)
    baseline = len(instance_inits(linux_server.data_dir))
    links_before = _router_links(world.vpc_id)
    launched: list[str] = []
    for _ in range(COUNT // BATCH):
        launched += world.run(BATCH)
    assert len(launched) == COUNT
    for instance_id in launched:
        booted_pid(linux_server, instance_id)
    assert len(instance_inits(linux_server.data_dir)) == baseline + COUNT
    assert len(_router_links(world.vpc_id)) == len(links_before) + COUNT
    # the network works at this size: the keeper reaches the last one
    assert ping(keeper, address(world, launched[-1]))
    world.client.delete_instances(
        ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=launched, force=True)
    )
    assert world.ids() == [keeper]

    def nothing_running() -> bool:
        inits = instance_inits(linux_server.data_dir)
        return not _namespaces(launched) and len(inits) == baseline

    assert eventually(nothing_running, timeout=15), (
        _namespaces(launched),
        instance_inits(linux_server.data_dir),
        baseline,
    )
    assert _router_links(world.vpc_id) == links_before
    # the keeper was not disturbed (their directories: the next test)
    assert booted_pid(linux_server, keeper) == keeper_init


def _namespaces(instance_ids: list[str]) -> list[str]:
    return [p.name for i in instance_ids for p in NETNS_DIR.glob(f"ecsim-*-{i}")]


def _directories(server: RunningServer, instance_ids: list[str]) -> list[str]:
    return [i for i in instance_ids if (server.data_dir / "instances" / i).exists()]


def test_deleted_instances_files_are_removed(linux_server: RunningServer, world: World) -> None:
    launched = world.run(3)
    for instance_id in launched:
        booted_pid(linux_server, instance_id)
    world.client.delete_instances(
        ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=launched, force=True)
    )
    assert eventually(lambda: not _directories(linux_server, launched), timeout=3)

"""The system disk is the instance's writable root: what is written inside is in the disk's
snapshots, so an image made from an instance (stopped or running) launches instances with
those files (their own host name, host key and user data still theirs); ResetDisk rolls the
root back and ReInitDisk gives a fresh one; no loop device outlives its instance."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    booted_pid,
    eventually,
    exec_in,
    loops_of,
    loops_under,
    serve_linux,
    sh_in,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

DescribedDisk = ecs_models.DescribeDisksResponseBodyDisksDisk
# user data that leaves which instance ran it
USER_DATA = base64.b64encode(b"#!/bin/sh\nhostname >> /root/user-data-runs\n").decode()


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("ecsim-system-disk")
    yield from serve_linux(data_dir)
    # a clean stop leaves no loop device over the server's images: the roots are unmounted
    assert loops_under(data_dir) == []


def _system_disk(world: World, instance_id: str) -> DescribedDisk:
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, instance_id=instance_id, disk_type="system"
    )
    (disk,) = world.client.describe_disks(request).body.disks.disk
    return disk


def _stop(world: World, instance_id: str) -> None:
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Stopped", timeout=10)


def _start(server: RunningServer, world: World, instance_id: str) -> None:
    world.client.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Running", timeout=10)
    booted_pid(server, instance_id)


def _running_user_data(server: RunningServer, instance_id: str) -> str:
    def ran() -> bool:
        done = exec_in(server, instance_id, ["cat", "/root/user-data-runs"])
        return done.returncode == 0 and bool(done.stdout)

    assert eventually(ran, timeout=10)
    return sh_in(server, instance_id, "cat /root/user-data-runs")


@pytest.mark.parametrize("state", ["stopped", "running"])
def test_an_instance_from_an_image_of_another_has_its_files_and_its_own_identity(
    linux_server: RunningServer, world: World, state: str
) -> None:
    (golden,) = world.run(1, host_name="golden", user_data=USER_DATA)
    assert _running_user_data(linux_server, golden) == "golden\n"
    # in the root and in /etc (its upper layer); not synced: the image is taken with the
    # file system written out (stopped) or frozen (running)
    sh_in(linux_server, golden, "echo kept > /root/kept.txt && echo app=1 > /etc/app.conf")
    identity = "cat /etc/ssh/ssh_host_ed25519_key.pub /etc/machine-id"
    golden_identity = sh_in(linux_server, golden, identity)
    if state == "stopped":
        _stop(world, golden)
    image_id = world.client.create_image(
        ecs_models.CreateImageRequest(region_id=REGION, instance_id=golden, image_name=state)
    ).body.image_id

    (copy,) = world.run(1, image_id=image_id, host_name="copy", user_data=USER_DATA)
    assert sh_in(linux_server, copy, "cat /root/kept.txt /etc/app.conf") == "kept\napp=1\n"
    # its own host name, host key and machine id, whatever the image carries
    assert sh_in(linux_server, copy, "hostname; cat /etc/hostname") == "copy\ncopy\n"
    copy_identity = sh_in(linux_server, copy, identity)
    assert not set(copy_identity.splitlines()) & set(golden_identity.splitlines())
    # its user data ran on its first boot, though the image's had run
    assert _running_user_data(linux_server, copy) == "golden\ncopy\n"
    # the system disk came from the image's system snapshot
    (image,) = world.client.describe_images(
        ecs_models.DescribeImagesRequest(region_id=REGION, image_id=image_id)
    ).body.images.image
    snapshot_id = image.disk_device_mappings.disk_device_mapping[0].snapshot_id
    assert _system_disk(world, copy).source_snapshot_id == snapshot_id


def test_reset_disk_rolls_the_root_back_to_a_snapshot(
    linux_server: RunningServer, world: World
) -> None:
    """Guide §2 on the system disk: a snapshot before a change, the change undone."""
    (instance_id,) = world.run(1)
    disk_id = str(_system_disk(world, instance_id).disk_id)
    sh_in(linux_server, instance_id, "echo before > /root/state")
    # taken running: frozen while it is read
    snapshot_id = world.client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=disk_id)
    ).body.snapshot_id
    sh_in(linux_server, instance_id, "echo after > /root/state && touch /root/new /etc/new.conf")

    _stop(world, instance_id)
    # right away: the reset waits for the root to be unmounted before it writes the disk
    world.client.reset_disk(ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=snapshot_id))
    _start(linux_server, world, instance_id)
    assert sh_in(linux_server, instance_id, "cat /root/state") == "before\n"
    gone = sh_in(linux_server, instance_id, "ls /root/new /etc/new.conf 2>&1 || true")
    assert gone.count("No such file") == 2, gone


def test_reinit_disk_gives_a_fresh_root(linux_server: RunningServer, world: World) -> None:
    (instance_id,) = world.run(1, host_name="fresh")
    sh_in(linux_server, instance_id, "echo old > /root/old.txt")
    _stop(world, instance_id)
    disk_id = str(_system_disk(world, instance_id).disk_id)
    world.client.re_init_disk(ecs_models.ReInitDiskRequest(disk_id=disk_id))
    _start(linux_server, world, instance_id)
    assert sh_in(linux_server, instance_id, "ls -A /root") == ".ssh\n"
    assert sh_in(linux_server, instance_id, "hostname") == "fresh\n"


def test_the_root_is_the_system_disk_shown_as_vda_and_goes_with_its_instance(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    disk_id = str(_system_disk(world, instance_id).disk_id)
    booted_pid(linux_server, instance_id)
    (loop,) = loops_of(linux_server, disk_id)
    device = loop.split(":", 1)[0]
    # the root's device is that loop device, /dev/vda inside
    major_minor = sh_in(linux_server, instance_id, "mountpoint -d /; stat -c '%Hr:%Lr' /dev/vda")
    with open(f"/sys/class/block/{device.removeprefix('/dev/')}/dev") as handle:
        assert major_minor == handle.read() * 2
    _stop(world, instance_id)
    assert eventually(lambda: loops_of(linux_server, disk_id) == [], timeout=10)
    _start(linux_server, world, instance_id)
    assert len(loops_of(linux_server, disk_id)) == 1
    world.client.delete_instances(
        ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[instance_id], force=True)
    )
    # its image is deleted with it: a device still reading it would name it "(deleted)"

    def still_read() -> list[str]:
        return [line for line in loops_under(linux_server.data_dir) if disk_id in line]

    assert eventually(lambda: still_read() == [], timeout=10), still_read()

"""ResizeDisk and ReInitDisk through the official SDKs, the disk's bytes read back from the
image the server keeps (as an attached instance would see them)."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import assert_refused
from tests.support.disk_images import image_of, read_disk, write_disk
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World

GIB = 2**30
MIB = 2**20


def _disk(world: World, **fields: object) -> str:
    request = ecs_models.CreateDiskRequest(
        **(
            {"region_id": REGION, "zone_id": ZONE, "disk_category": "cloud_essd", "size": 20}
            | fields
        )
    )
    return str(world.client.create_disk(request).body.disk_id)


def _attach(world: World, instance_id: str, disk_id: str) -> None:
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id))


def _described(world: World, disk_id: str) -> ecs_models.DescribeDisksResponseBodyDisksDisk:
    request = ecs_models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_id]))
    (disk,) = world.client.describe_disks(request).body.disks.disk
    return disk


def _system_disk(world: World, instance_id: str) -> str:
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, instance_id=instance_id, disk_type="system"
    )
    (disk,) = world.client.describe_disks(request).body.disks.disk
    return str(disk.disk_id)


def _stop(world: World, instance_id: str) -> None:
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert world.status(instance_id) == "Stopped"


def _resize(world: World, disk_id: str, size: int, kind: str | None = None) -> None:
    request = ecs_models.ResizeDiskRequest(disk_id=disk_id, new_size=size, type=kind)
    world.client.resize_disk(request)


def test_resize_grows_the_image_and_keeps_the_data(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    disk_id = _disk(world)
    _attach(world, instance_id, disk_id)
    write_disk(server.data_dir, disk_id, 20 * GIB - 6, b"at end")
    _resize(world, disk_id, 60, "online")
    assert _described(world, disk_id).size == 60
    assert image_of(server.data_dir, disk_id).stat().st_size == 60 * GIB
    assert read_disk(server.data_dir, disk_id, 20 * GIB - 6, 6) == b"at end"
    # a snapshot of the grown disk makes disks of the new size, holding the data
    snapshot_id = world.client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=disk_id)
    ).body.snapshot_id
    copy = _disk(world, snapshot_id=snapshot_id, size=None)
    assert _described(world, copy).size == 60
    assert read_disk(server.data_dir, copy, 20 * GIB - 6, 6) == b"at end"
    # a retried call with its ClientToken is answered again, not refused as too small
    token = ecs_models.ResizeDiskRequest(disk_id=disk_id, new_size=80, client_token="grow-80")
    world.client.resize_disk(token)
    world.client.resize_disk(token)
    assert _described(world, disk_id).size == 80


def test_resize_refusals(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    disk_id = _disk(world, size=40)
    _attach(world, instance_id, disk_id)
    for size, code in (
        (30, "InvalidDiskSize.TooSmall"),
        (40, "InvalidDiskSize"),
        (70000, "InvalidDiskSize.TooLarge"),
    ):
        assert_refused(lambda size=size: _resize(world, disk_id, size), code, 403)  # type: ignore[misc]
    assert_refused(lambda: _resize(world, disk_id, 50, "sideways"), "InvalidParam.Type", 400)
    assert_refused(lambda: _resize(world, "d-missing", 50), "InvalidDiskId.NotFound", 404)
    system = _system_disk(world, instance_id)
    assert_refused(lambda: _resize(world, system, 3000), "InvalidDiskSize.TooLarge", 403)
    _stop(world, instance_id)
    assert_refused(
        lambda: _resize(world, disk_id, 50, "online"), "InvalidInstanceStatus.NotRunning", 403
    )
    assert _described(world, disk_id).size == 40
    assert image_of(server.data_dir, disk_id).stat().st_size == 40 * GIB


def _reinit(world: World, disk_id: str, **fields: object) -> None:
    world.client.re_init_disk(ecs_models.ReInitDiskRequest(disk_id=disk_id, **fields))


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_reinit_empties_a_data_disk_and_the_system_disk(
    server: RunningServer, signature: str
) -> None:
    from tests.support.worlds import new_world

    world = new_world(server, signature=signature)
    (instance_id,) = world.run()
    data_disk = _disk(world)
    _attach(world, instance_id, data_disk)
    system = _system_disk(world, instance_id)
    for disk_id in (data_disk, system):
        write_disk(server.data_dir, disk_id, 7 * MIB, b"written by the instance")
    assert_refused(lambda: _reinit(world, data_disk), "IncorrectInstanceStatus", 403)
    _stop(world, instance_id)
    _reinit(world, data_disk)
    _reinit(world, system, password="Reinit-Pass1", auto_start_instance=True)
    for disk_id in (data_disk, system):
        assert read_disk(server.data_dir, disk_id, 7 * MIB, 23) == bytes(23)
    assert world.status(instance_id) == "Running"


def test_reinit_restores_the_snapshot_a_disk_was_made_from(
    server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run()
    source = _disk(world)
    _attach(world, instance_id, source)
    write_disk(server.data_dir, source, 0, b"first state")
    snapshot_id = world.client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=source)
    ).body.snapshot_id
    disk_id = _disk(world, snapshot_id=snapshot_id, size=None)
    _attach(world, instance_id, disk_id)
    write_disk(server.data_dir, disk_id, 0, b"LATER STATE")
    write_disk(server.data_dir, disk_id, 9 * MIB, b"more")
    _stop(world, instance_id)
    _reinit(world, disk_id)
    assert read_disk(server.data_dir, disk_id, 0, 11) == b"first state"
    assert read_disk(server.data_dir, disk_id, 9 * MIB, 4) == bytes(4)


def test_reinit_refusals_leave_the_disk_as_it_was(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    loose = _disk(world)
    assert_refused(lambda: _reinit(world, loose), "IncorrectDiskStatus", 403)
    assert_refused(lambda: _reinit(world, "d-missing"), "InvalidDiskId.NotFound", 404)
    disk_id = _disk(world)
    _attach(world, instance_id, disk_id)
    write_disk(server.data_dir, disk_id, 0, b"precious")
    _stop(world, instance_id)
    assert_refused(
        lambda: _reinit(world, disk_id, password="weak"), "InvalidPassword.Malformed", 400
    )
    assert_refused(
        lambda: _reinit(world, disk_id, key_pair_name="no-such-pair"),
        "InvalidKeyPairName.NotFound",
        400,
    )
    assert read_disk(server.data_dir, disk_id, 0, 8) == b"precious"
    assert world.status(instance_id) == "Stopped"

"""Instances' own disks through the official SDKs: the system disk and DataDisk.N are created
with the instance and released with it."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from tests.support.clients import assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import REGION, new_world

_DataDisk = ecs_models.RunInstancesRequestDataDisk
_SystemDisk = ecs_models.RunInstancesRequestSystemDisk


def _disks(
    client: EcsClient, **fields: object
) -> list[ecs_models.DescribeDisksResponseBodyDisksDisk]:
    request = ecs_models.DescribeDisksRequest(**({"region_id": REGION, "page_size": 100} | fields))
    return list(client.describe_disks(request).body.disks.disk)


def _delete(client: EcsClient, instance_id: str) -> None:
    client.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True))


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_an_instance_gets_its_system_and_data_disks(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run(
        system_disk=_SystemDisk(category="cloud_essd", size=40),
        data_disk=[
            _DataDisk(size=50, category="cloud_efficiency", disk_name="data-a"),
            _DataDisk(size=60, category="cloud_essd", delete_with_instance=False),
        ],
        tag=[ecs_models.RunInstancesRequestTag(key="team", value="db")],
    )
    disks = {d.device: d for d in _disks(world.client, instance_id=instance_id)}
    assert sorted(disks) == ["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]
    system = disks["/dev/xvda"]
    assert (system.type, system.category, system.size, system.status) == (
        "system",
        "cloud_essd",
        40,
        "In_use",
    )
    assert system.delete_with_instance is True and system.portable is False
    assert (disks["/dev/xvdb"].type, disks["/dev/xvdb"].size) == ("data", 50)
    assert disks["/dev/xvdb"].disk_name == "data-a"
    assert disks["/dev/xvdb"].delete_with_instance is True
    assert disks["/dev/xvdc"].delete_with_instance is False
    for disk in disks.values():
        assert [(t.tag_key, t.tag_value) for t in disk.tags.tag] == [("team", "db")]
    (only,) = _disks(world.client, instance_id=instance_id, disk_type="system")
    assert only.disk_id == system.disk_id


def test_a_created_instance_has_its_system_disk_sized_by_the_image(
    server: RunningServer,
) -> None:
    world = new_world(server)
    instance_id = world.create()
    (system,) = _disks(world.client, instance_id=instance_id)
    assert (system.type, system.device, system.status) == ("system", "/dev/xvda", "In_use")
    assert system.size >= 20 and system.category == "cloud_efficiency"


def test_packer_snapshots_the_system_disk_and_builds_an_image(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run()
    (system,) = _disks(client, instance_id=instance_id, disk_type="system")
    snapshot_id = client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=system.disk_id)
    ).body.snapshot_id
    (snapshot,) = client.describe_snapshots(
        ecs_models.DescribeSnapshotsRequest(
            region_id=REGION, snapshot_ids=json.dumps([snapshot_id])
        )
    ).body.snapshots.snapshot
    assert snapshot.status == "accomplished"
    assert snapshot.source_disk_type.lower() == "system"
    image_id = client.create_image(
        ecs_models.CreateImageRequest(region_id=REGION, snapshot_id=snapshot_id)
    ).body.image_id
    (image,) = client.describe_images(
        ecs_models.DescribeImagesRequest(
            region_id=REGION, image_id=image_id, image_owner_alias="self"
        )
    ).body.images.image
    mappings = image.disk_device_mappings.disk_device_mapping
    assert [m.snapshot_id for m in mappings] == [snapshot_id]


def test_delete_instance_frees_its_disks_per_delete_with_instance(
    server: RunningServer,
) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run(
        data_disk=[_DataDisk(size=30), _DataDisk(size=40, delete_with_instance=False)]
    )
    kept = next(
        d.disk_id for d in _disks(client, instance_id=instance_id) if d.device == "/dev/xvdc"
    )
    _delete(client, instance_id)
    assert _disks(client, instance_id=instance_id) == []
    (disk,) = _disks(client)
    assert (disk.disk_id, disk.status, disk.instance_id, disk.device) == (
        kept,
        "Available",
        "",
        "",
    )
    # the kept disk is an ordinary disk now: it can be deleted
    client.delete_disk(ecs_models.DeleteDiskRequest(disk_id=kept))
    assert _disks(client) == []


def test_a_refused_launch_leaves_no_disks(server: RunningServer) -> None:
    world = new_world(server)
    assert_refused(
        lambda: world.run(
            data_disk=[_DataDisk(size=30), _DataDisk(size=30, snapshot_id="s-missing")]
        ),
        "InvalidSnapshotId.NotFound",
        400,
    )
    assert_refused(
        lambda: world.run(amount=3, system_disk=_SystemDisk(size=10)),
        "InvalidSystemDiskSize.LessThanMinSize",
        404,
    )
    assert _disks(world.client) == []
    assert world.instances() == []


def test_a_system_disk_performance_level_is_checked(server: RunningServer) -> None:
    world = new_world(server)
    assert_refused(
        lambda: world.run(system_disk=_SystemDisk(category="cloud_essd", performance_level="PL9")),
        "InvalidPerformanceLevel.Malformed",
        400,
    )
    # PL2 needs 461 GiB or more, PL3 1,261 GiB
    assert_refused(
        lambda: world.run(
            system_disk=_SystemDisk(category="cloud_essd", size=100, performance_level="PL2")
        ),
        "OperationDenied.PerformanceLevelNotMatch",
        403,
    )
    assert _disks(world.client) == [] and world.instances() == []
    (instance_id,) = world.run(
        system_disk=_SystemDisk(category="cloud_essd", size=500, performance_level="PL2")
    )
    (disk,) = _disks(world.client, instance_id=instance_id)
    assert (disk.category, disk.size, disk.performance_level) == ("cloud_essd", 500, "PL2")


def test_a_batch_gets_one_system_disk_per_instance(server: RunningServer) -> None:
    world = new_world(server)
    ids = world.run(amount=5)
    disks = _disks(world.client, disk_type="system")
    assert sorted(d.instance_id for d in disks) == sorted(ids)
    world.client.delete_instances(
        ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=ids, force=True)
    )
    assert _disks(world.client) == []


def test_an_image_from_an_instance_snapshots_each_of_its_disks(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run(data_disk=[_DataDisk(size=30, category="cloud_efficiency")])
    image_id = client.create_image(
        ecs_models.CreateImageRequest(region_id=REGION, instance_id=instance_id)
    ).body.image_id
    (image,) = client.describe_images(
        ecs_models.DescribeImagesRequest(
            region_id=REGION, image_id=image_id, image_owner_alias="self"
        )
    ).body.images.image
    mappings = image.disk_device_mappings.disk_device_mapping
    (system,) = _disks(client, instance_id=instance_id, disk_type="system")
    assert [(m.device, m.type, m.size) for m in mappings] == [
        ("/dev/xvda", "system", str(system.size)),
        ("/dev/xvdb", "data", "30"),
    ]
    snapshots = client.describe_snapshots(
        ecs_models.DescribeSnapshotsRequest(region_id=REGION, instance_id=instance_id)
    ).body.snapshots.snapshot
    assert {s.snapshot_id for s in snapshots} == {m.snapshot_id for m in mappings}
    assert_refused(
        lambda: client.create_image(
            ecs_models.CreateImageRequest(region_id=REGION, instance_id="i-missing")
        ),
        "InvalidInstanceId.NotFound",
        404,
    )


def test_a_system_disk_comes_off_only_a_stopped_instance(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run()
    (system,) = _disks(client, instance_id=instance_id, disk_type="system")
    detach = ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=system.disk_id)
    assert_refused(lambda: client.detach_disk(detach), "DiskTypeViolation", 403)
    (still,) = _disks(client, instance_id=instance_id, disk_type="system")
    assert still.status == "In_use"
    client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    client.detach_disk(detach)
    (freed,) = _disks(client, disk_ids=json.dumps([system.disk_id]))
    assert freed.status == "Available"

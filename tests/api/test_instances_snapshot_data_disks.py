"""DataDisk.N.SnapshotId at launch, through the official SDKs: the data disk is made from the
caller's accomplished snapshot (its bytes; the snapshot's disk size unless Size asks for more),
and every refusal (unknown, foreign or other-region snapshot, Size below the snapshot's, a size
the category does not allow) leaves no disk and no instance behind."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateInstanceRequest import CreateInstanceRequest

from tests.support.clients import acs_client, assert_refused
from tests.support.disk_images import read_disk, write_disk
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, INSTANCE_TYPE, REGION, World, new_world

_DataDisk = ecs_models.RunInstancesRequestDataDisk
DescribedDisk = ecs_models.DescribeDisksResponseBodyDisksDisk
GIB = 2**30
# what the source disk holds when its snapshot is taken, and where
OFFSET, DATA = 5 * 2**20 + 3, b"snapshotted bytes"


def _disks(world: World, **fields: object) -> list[DescribedDisk]:
    request = ecs_models.DescribeDisksRequest(**({"region_id": REGION, "page_size": 100} | fields))
    return list(world.client.describe_disks(request).body.disks.disk)


def _data_disks(world: World, instance_id: str) -> dict[str, DescribedDisk]:
    return {str(d.device): d for d in _disks(world, instance_id=instance_id, disk_type="data")}


def _snapshot_of_data(server: RunningServer, world: World, size: int = 30) -> str:
    """A snapshot of a ``size`` GiB data disk holding ``DATA`` at ``OFFSET``."""
    (source,) = world.run(data_disk=[_DataDisk(size=size)])
    (disk,) = _data_disks(world, source).values()
    write_disk(server.data_dir, str(disk.disk_id), OFFSET, DATA)
    request = ecs_models.CreateSnapshotRequest(disk_id=disk.disk_id)
    return str(world.client.create_snapshot(request).body.snapshot_id)


def _holds_data(server: RunningServer, disk: DescribedDisk) -> bool:
    return read_disk(server.data_dir, str(disk.disk_id), OFFSET, len(DATA)) == DATA


def test_a_data_disk_from_a_snapshot_has_its_bytes_and_its_size(
    server: RunningServer, world: World
) -> None:
    snapshot_id = _snapshot_of_data(server, world)
    (instance_id,) = world.run(
        data_disk=[
            _DataDisk(snapshot_id=snapshot_id, disk_name="restored"),
            _DataDisk(snapshot_id=snapshot_id, size=50, category="cloud_ssd"),
            _DataDisk(size=20),
        ]
    )
    disks = _data_disks(world, instance_id)
    assert sorted(disks) == ["/dev/xvdb", "/dev/xvdc", "/dev/xvdd"]
    restored, grown, empty = disks["/dev/xvdb"], disks["/dev/xvdc"], disks["/dev/xvdd"]
    # no Size: the snapshot's disk size
    assert (restored.size, restored.category, restored.disk_name) == (
        30,
        "cloud_efficiency",
        "restored",
    )
    assert (grown.size, grown.category) == (50, "cloud_ssd")
    for disk in (restored, grown):
        assert disk.source_snapshot_id == snapshot_id
        assert (disk.status, disk.instance_id) == ("In_use", instance_id)
        assert _holds_data(server, disk)
    # past the snapshot's 30 GiB, the bigger disk reads zeros
    assert read_disk(server.data_dir, str(grown.disk_id), 40 * GIB, 8) == bytes(8)
    assert (empty.size, empty.source_snapshot_id) == (20, "")
    assert not _holds_data(server, empty)
    # the disks are the instance's own: writing one changes neither the other nor the snapshot
    write_disk(server.data_dir, str(restored.disk_id), OFFSET, b"changed")
    assert _holds_data(server, grown)
    (again,) = world.run(data_disk=[_DataDisk(snapshot_id=snapshot_id)])
    assert _holds_data(server, _data_disks(world, again)["/dev/xvdb"])
    assert {str(d.disk_id) for d in _disks(world, snapshot_id=snapshot_id)} == {
        str(restored.disk_id),
        str(grown.disk_id),
        str(_data_disks(world, again)["/dev/xvdb"].disk_id),
    }

    # disks were made from it: deleting it takes Force, and the disks keep their bytes
    delete = ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id)
    assert_refused(lambda: world.client.delete_snapshot(delete), "SnapshotCreatedDisk", 403)
    world.client.delete_snapshot(
        ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
    )
    assert _holds_data(server, grown)


def test_snapshot_data_disk_refusals_write_nothing(server: RunningServer, world: World) -> None:
    snapshot_id = _snapshot_of_data(server, world)
    other = new_world(server)
    foreign = _snapshot_of_data(server, other)
    disks = {str(d.disk_id) for d in _disks(world)}
    instances = world.ids()

    def run(*data_disks: _DataDisk, **fields: object) -> None:
        world.run(amount=2, data_disk=list(data_disks), **fields)

    cases: list[tuple[tuple[_DataDisk, ...], str, int]] = [
        ((_DataDisk(snapshot_id=snapshot_id, size=29),), "InvalidDiskSize.TooSmall", 403),
        ((_DataDisk(snapshot_id="s-missing"),), "InvalidSnapshotId.NotFound", 400),
        # another account's snapshot is not found, as an unknown one
        ((_DataDisk(snapshot_id=foreign),), "InvalidSnapshotId.NotFound", 400),
        # the snapshot's 30 GiB is below an ESSD PL2's smallest (461 GiB)
        (
            (_DataDisk(snapshot_id=snapshot_id, category="cloud_essd", performance_level="PL2"),),
            "InvalidDataDiskSize.ValueNotSupported",
            400,
        ),
        # a good disk first does not let a bad one through
        (
            (_DataDisk(snapshot_id=snapshot_id), _DataDisk(snapshot_id=snapshot_id, size=10)),
            "InvalidDataDiskSize.ValueNotSupported",
            400,
        ),
        ((_DataDisk(size=40, performance_level="PL9"),), "InvalidPerformanceLevel.Malformed", 400),
        # neither Size nor SnapshotId; a Device that no image mapping has gives no size either
        ((_DataDisk(category="cloud_ssd"),), "InvalidDataDiskSize.ValueNotSupported", 400),
        ((_DataDisk(device="/dev/xvdb"),), "InvalidDataDiskSize.ValueNotSupported", 400),
    ]
    for data_disks, code, status in cases:
        assert_refused(lambda d=data_disks: run(*d), code, status)  # type: ignore[misc]
    # a snapshot of another region is not found there
    assert_refused(
        lambda: world.client.run_instances(
            ecs_models.RunInstancesRequest(
                region_id="cn-shanghai",
                image_id=IMAGE,
                instance_type=INSTANCE_TYPE,
                data_disk=[_DataDisk(snapshot_id=snapshot_id)],
            )
        ),
        "InvalidSnapshotId.NotFound",
        400,
    )
    assert {str(d.disk_id) for d in _disks(world)} == disks
    assert world.ids() == instances


def test_create_instance_with_a_snapshot_data_disk_old_sdk(
    server: RunningServer, world: World
) -> None:
    snapshot_id = _snapshot_of_data(server, world, size=24)
    client = acs_client(server.endpoint, world.key)
    request = CreateInstanceRequest()
    request.set_ImageId(IMAGE)
    request.set_InstanceType(INSTANCE_TYPE)
    request.set_SecurityGroupId(world.group_id)
    request.set_VSwitchId(world.vswitch_id)
    request.set_DataDisks([{"SnapshotId": snapshot_id, "Category": "cloud_essd"}])
    instance_id = json.loads(client.do_action_with_exception(request))["InstanceId"]
    assert world.status(instance_id) == "Stopped"
    (disk,) = _data_disks(world, instance_id).values()
    assert (disk.size, disk.category, disk.performance_level) == (24, "cloud_essd", "PL1")
    assert disk.source_snapshot_id == snapshot_id and _holds_data(server, disk)

    disks = {str(d.disk_id) for d in _disks(world)}
    instances = world.ids()
    # CreateInstance's table names another code for an unknown DataDisk.N.SnapshotId
    missing = CreateInstanceRequest()
    missing.set_ImageId(IMAGE)
    missing.set_InstanceType(INSTANCE_TYPE)
    missing.set_SecurityGroupId(world.group_id)
    missing.set_VSwitchId(world.vswitch_id)
    missing.set_DataDisks([{"SnapshotId": "s-missing"}])
    with pytest.raises(ServerException) as refused:
        client.do_action_with_exception(missing)
    assert (refused.value.get_error_code(), refused.value.get_http_status()) == (
        "InvalidDataDiskSnapshotId.NotFound",
        404,
    )
    too_small = ecs_models.CreateInstanceRequestDataDisk(snapshot_id=snapshot_id, size=20)
    assert_refused(lambda: world.create(data_disk=[too_small]), "InvalidDiskSize.TooSmall", 403)
    assert {str(d.disk_id) for d in _disks(world)} == disks
    assert world.ids() == instances

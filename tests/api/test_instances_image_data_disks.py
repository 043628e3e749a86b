"""Launching from an image with data disks, through the official SDKs: each of the image's
data-disk mappings becomes a data disk of the instance, made from the mapping's snapshot at
the mapping's device; DataDisk.N naming such a device changes that disk (its Size, its
Category alone), other DataDisk.N come after the mapped ones; every disk's final size must suit
its category."""

from __future__ import annotations

import json

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import assert_refused
from tests.support.disk_images import read_disk, write_disk
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

_DataDisk = ecs_models.RunInstancesRequestDataDisk
DescribedDisk = ecs_models.DescribeDisksResponseBodyDisksDisk
MIB = 2**20
# what the golden instance wrote on each data disk, and where
WRITTEN = {"/dev/xvdb": (0, b"first data disk"), "/dev/xvdc": (9 * MIB + 7, b"second one")}


def _disks(world: World, **fields: object) -> list[DescribedDisk]:
    request = ecs_models.DescribeDisksRequest(**({"region_id": REGION, "page_size": 100} | fields))
    return list(world.client.describe_disks(request).body.disks.disk)


def _data_disks(world: World, instance_id: str) -> dict[str, DescribedDisk]:
    return {str(d.device): d for d in _disks(world, instance_id=instance_id, disk_type="data")}


def _golden_image(server: RunningServer, world: World) -> tuple[str, dict[str, str]]:
    """An image of an instance whose two data disks (30 and 40 GiB) hold ``WRITTEN``; its
    id and its data mappings' snapshots by device."""
    (golden,) = world.run(data_disk=[_DataDisk(size=30), _DataDisk(size=40, category="cloud_ssd")])
    for device, disk in _data_disks(world, golden).items():
        offset, data = WRITTEN[device]
        write_disk(server.data_dir, str(disk.disk_id), offset, data)
    image_id = str(
        world.client.create_image(
            ecs_models.CreateImageRequest(region_id=REGION, instance_id=golden)
        ).body.image_id
    )
    (image,) = world.client.describe_images(
        ecs_models.DescribeImagesRequest(
            region_id=REGION, image_id=image_id, image_owner_alias="self"
        )
    ).body.images.image
    mappings = image.disk_device_mappings.disk_device_mapping
    return image_id, {str(m.device): str(m.snapshot_id) for m in mappings if m.type == "data"}


def _holds_written(server: RunningServer, disk: DescribedDisk) -> bool:
    offset, data = WRITTEN[str(disk.device)]
    return read_disk(server.data_dir, str(disk.disk_id), offset, len(data)) == data


def test_an_instance_of_an_image_gets_its_data_disks_with_their_bytes(
    server: RunningServer, world: World
) -> None:
    image_id, snapshots = _golden_image(server, world)
    first, second = world.run(amount=2, image_id=image_id)
    for instance_id in (first, second):
        disks = _data_disks(world, instance_id)
        assert sorted(disks) == ["/dev/xvdb", "/dev/xvdc"]
        for device, disk in disks.items():
            assert (disk.type, disk.instance_id, disk.status) == ("data", instance_id, "In_use")
            assert disk.source_snapshot_id == snapshots[device]
            # the default category, whatever the golden disk's was
            assert disk.category == "cloud_efficiency"
            assert disk.delete_with_instance is True and disk.portable is True
            assert _holds_written(server, disk)
        assert (disks["/dev/xvdb"].size, disks["/dev/xvdc"].size) == (30, 40)
    # the two instances' disks are their own: a write to one is not in the other
    one = _data_disks(world, first)["/dev/xvdb"]
    write_disk(server.data_dir, str(one.disk_id), 0, b"changed")
    assert _holds_written(server, _data_disks(world, second)["/dev/xvdb"])

    # the image and its snapshots stay while instances use them
    delete_image = ecs_models.DeleteImageRequest(region_id=REGION, image_id=image_id)
    assert_refused(lambda: world.client.delete_image(delete_image), "ImageUsingByInstance", 403)
    for snapshot_id in snapshots.values():
        # disks were made from it (Force would pass that), and an image holds it (it would not)
        for force, code in ((False, "SnapshotCreatedDisk"), (True, "SnapshotCreatedImage")):
            request = ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=force)
            assert_refused(lambda r=request: world.client.delete_snapshot(r), code, 403)
    # the disks go with their instances
    world.client.delete_instances(
        ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[first, second], force=True)
    )
    assert _disks(world, snapshot_id=snapshots["/dev/xvdb"]) == []


def test_data_disk_n_by_device_changes_a_mapped_disk_and_the_others_come_after(
    server: RunningServer, world: World
) -> None:
    image_id, snapshots = _golden_image(server, world)
    (instance_id,) = world.run(
        image_id=image_id,
        data_disk=[
            _DataDisk(size=20, disk_name="extra"),
            _DataDisk(
                device="/dev/xvdc",
                size=64,
                category="cloud_essd",
                disk_name="grown",
                delete_with_instance=False,
            ),
        ],
    )
    disks = _data_disks(world, instance_id)
    assert sorted(disks) == ["/dev/xvdb", "/dev/xvdc", "/dev/xvdd"]
    grown = disks["/dev/xvdc"]
    assert (grown.size, grown.category, grown.disk_name, grown.performance_level) == (
        64,
        "cloud_essd",
        "grown",
        "PL1",
    )
    assert grown.delete_with_instance is False
    assert grown.source_snapshot_id == snapshots["/dev/xvdc"] and _holds_written(server, grown)
    # the bigger disk is the snapshot's bytes, then zeros
    assert read_disk(server.data_dir, str(grown.disk_id), 40 * 2**30, 8) == bytes(8)
    assert (disks["/dev/xvdb"].size, disks["/dev/xvdb"].source_snapshot_id) == (
        30,
        snapshots["/dev/xvdb"],
    )
    extra = disks["/dev/xvdd"]
    assert (extra.size, extra.disk_name, extra.source_snapshot_id) == (20, "extra", "")


def test_a_data_disk_smaller_than_its_snapshot_or_too_many_disks_are_refused(
    server: RunningServer, world: World
) -> None:
    image_id, _ = _golden_image(server, world)
    before = {str(d.disk_id) for d in _disks(world)}
    instances = world.ids()

    def run(*disks: _DataDisk) -> None:
        world.run(image_id=image_id, data_disk=list(disks))

    assert_refused(
        lambda: run(_DataDisk(device="/dev/xvdc", size=39)), "InvalidDiskSize.TooSmall", 403
    )
    assert_refused(
        lambda: run(_DataDisk(device="/dev/sdb", size=40)), "InvalidDataDevice.Malformed", 400
    )
    assert_refused(
        lambda: run(_DataDisk(device="/dev/xvdb", size=40), _DataDisk(device="/dev/xvdb", size=50)),
        "InvalidDevice.InUse",
        403,
    )
    # two mapped disks and 15 more: 17 data disks
    assert_refused(lambda: run(*[_DataDisk(size=20)] * 15), "InstanceDiskNumber.LimitExceed", 400)
    assert {str(d.disk_id) for d in _disks(world)} == before
    assert world.ids() == instances
    # 16 in all is the most; a DataDisk.N that changes a mapped disk adds none
    (instance_id,) = world.run(
        image_id=image_id,
        data_disk=[_DataDisk(device="/dev/xvdb", size=30), *[_DataDisk(size=20)] * 14],
    )
    devices = sorted(_data_disks(world, instance_id))
    assert devices == [f"/dev/xvd{letter}" for letter in "bcdefghijklmnopq"]


def test_create_instance_from_an_image_makes_its_data_disks_too(
    server: RunningServer, world: World
) -> None:
    image_id, snapshots = _golden_image(server, world)
    instance_id = world.create(
        image_id=image_id,
        data_disk=[
            ecs_models.CreateInstanceRequestDataDisk(device="/dev/xvdb", size=50),
        ],
    )
    assert world.status(instance_id) == "Stopped"
    disks = _data_disks(world, instance_id)
    assert {device: d.source_snapshot_id for device, d in disks.items()} == snapshots
    assert (disks["/dev/xvdb"].size, disks["/dev/xvdc"].size) == (50, 40)
    assert all(_holds_written(server, disk) for disk in disks.values())
    (system,) = _disks(world, instance_id=instance_id, disk_type="system")
    assert system.device == "/dev/xvda"
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, disk_ids=json.dumps([str(d.disk_id) for d in disks.values()])
    )
    assert len(world.client.describe_disks(request).body.disks.disk) == 2


def test_a_category_alone_changes_a_mapped_disk_which_keeps_its_size_and_bytes(
    server: RunningServer, world: World
) -> None:
    image_id, snapshots = _golden_image(server, world)
    (instance_id,) = world.run(
        image_id=image_id, data_disk=[_DataDisk(device="/dev/xvdc", category="cloud_ssd")]
    )
    disks = _data_disks(world, instance_id)
    assert sorted(disks) == ["/dev/xvdb", "/dev/xvdc"]
    changed = disks["/dev/xvdc"]
    assert (changed.size, changed.category) == (40, "cloud_ssd")
    assert changed.source_snapshot_id == snapshots["/dev/xvdc"] and _holds_written(server, changed)
    assert (disks["/dev/xvdb"].size, disks["/dev/xvdb"].category) == (30, "cloud_efficiency")


def _image_with_empty_data_mapping(world: World, size: int) -> str:
    """An image of a fresh instance's system disk and an empty ``size`` GiB data disk."""
    (source,) = world.run()
    (system,) = _disks(world, instance_id=source, disk_type="system")
    snapshot_id = world.client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=system.disk_id)
    ).body.snapshot_id
    mapping = ecs_models.CreateImageRequestDiskDeviceMapping
    request = ecs_models.CreateImageRequest(
        region_id=REGION,
        disk_device_mapping=[
            mapping(snapshot_id=snapshot_id, disk_type="system"),
            mapping(size=size, disk_type="data", device="/dev/xvdb"),
        ],
    )
    return str(world.client.create_image(request).body.image_id)


def test_a_mapped_disk_is_refused_when_its_size_does_not_fit_its_category(
    server: RunningServer, world: World
) -> None:
    image_id, _ = _golden_image(server, world)
    # 10 GiB suits cloud_auto (1 GiB and up) but not the default cloud_efficiency (20 and up)
    small_image = _image_with_empty_data_mapping(world, 10)
    before = {str(d.disk_id) for d in _disks(world)}
    instances = world.ids()
    cases: list[tuple[str, list[_DataDisk]]] = [
        # the mapped 30 GiB is below an ESSD PL2's smallest (461 GiB)
        (
            image_id,
            [_DataDisk(device="/dev/xvdb", category="cloud_essd", performance_level="PL2")],
        ),
        (small_image, []),
        (small_image, [_DataDisk(device="/dev/xvdb", category="cloud_ssd")]),
    ]

    def run(image: str, data_disks: list[_DataDisk]) -> None:
        world.run(amount=2, image_id=image, data_disk=data_disks)

    for image, data_disks in cases:
        assert_refused(
            lambda i=image, d=data_disks: run(i, d),  # type: ignore[misc]
            "InvalidDataDiskSize.ValueNotSupported",
            400,
        )
    assert {str(d.disk_id) for d in _disks(world)} == before
    assert world.ids() == instances
    # a category that allows the mapped size, or a Size that fits the default, is launched
    (auto,) = world.run(
        image_id=small_image, data_disk=[_DataDisk(device="/dev/xvdb", category="cloud_auto")]
    )
    (grown,) = world.run(image_id=small_image, data_disk=[_DataDisk(device="/dev/xvdb", size=20)])
    for instance_id, expected in ((auto, (10, "cloud_auto")), (grown, (20, "cloud_efficiency"))):
        (disk,) = _data_disks(world, instance_id).values()
        assert (disk.size, disk.category, disk.source_snapshot_id) == (*expected, "")

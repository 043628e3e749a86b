"""CopyImage's Creating phase, as long as moving the image's data takes (256 MiB/s by
default), and CancelCopyImage, through the official SDK."""

from __future__ import annotations

import time

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import assert_refused
from tests.support.disk_images import write_disk
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World

MIB = 2**20
OTHER_REGION = "cn-shanghai"
# 256 MiB of data: about a second of copying at the default rate
DATA_MIB = 256


def _image_with_data(server: RunningServer, world: World) -> str:
    (instance_id,) = world.run()
    disk_id = world.client.create_disk(
        ecs_models.CreateDiskRequest(
            region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", size=20
        )
    ).body.disk_id
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    block = b"\xa5" * MIB
    for index in range(DATA_MIB):
        write_disk(server.data_dir, disk_id, index * MIB, block)
    # 256 MiB: maybe more than a snapshot takes inside its call
    snapshot_id = world.snapshot(disk_id)
    request = ecs_models.CreateImageRequest(region_id=REGION, snapshot_id=snapshot_id)
    return str(world.client.create_image(request).body.image_id)


def _copy(world: World, image_id: str) -> str:
    request = ecs_models.CopyImageRequest(
        region_id=REGION, image_id=image_id, destination_region_id=OTHER_REGION
    )
    return str(world.client.copy_image(request).body.image_id)


def _seen(world: World, image_id: str) -> list[tuple[str, str]]:
    request = ecs_models.DescribeImagesRequest(
        region_id=OTHER_REGION, image_id=image_id, status="ALL", image_owner_alias="self"
    )
    return [(i.status, i.progress) for i in world.client.describe_images(request).body.images.image]


def _cancel(world: World, image_id: str, region: str = OTHER_REGION) -> None:
    request = ecs_models.CancelCopyImageRequest(region_id=region, image_id=image_id)
    world.client.cancel_copy_image(request)


def test_a_copy_in_progress_is_creating_and_cancelled(server: RunningServer, world: World) -> None:
    image_id = _image_with_data(server, world)
    copy_id = _copy(world, image_id)
    ((status, progress),) = _seen(world, copy_id)
    assert status == "Creating"
    assert progress.endswith("%") and int(progress[:-1]) < 100
    delete = ecs_models.DeleteImageRequest(region_id=OTHER_REGION, image_id=copy_id, force=True)
    assert_refused(lambda: world.client.delete_image(delete), "OperationDenied.ImageCopying", 403)
    _cancel(world, copy_id)
    assert _seen(world, copy_id) == []
    assert_refused(lambda: _cancel(world, copy_id), "InvalidImageId.NotFound", 404)
    # the source is untouched
    source = ecs_models.DescribeImagesRequest(region_id=REGION, image_id=image_id)
    (found,) = world.client.describe_images(source).body.images.image
    assert (found.status, found.progress) == ("Available", "100%")


def test_a_finished_copy_cannot_be_cancelled(server: RunningServer, world: World) -> None:
    image_id = _image_with_data(server, world)
    assert_refused(lambda: _cancel(world, image_id, REGION), "ImageCreatedNotFromCopy", 400)
    copy_id = _copy(world, image_id)
    deadline = time.monotonic() + 10
    while _seen(world, copy_id)[0][0] == "Creating" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _seen(world, copy_id) == [("Available", "100%")]
    assert_refused(lambda: _cancel(world, copy_id), "IncorrectImageStatus", 400)
    assert_refused(lambda: _cancel(world, "m-missing"), "InvalidImageId.NotFound", 404)

"""CreateImage, DescribeImages (self/others), DeleteImage, CopyImage and the share
permissions of custom images, through the official SDKs."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkecs.request.v20140526.CreateImageRequest import CreateImageRequest
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

from tests.support.cli import create_account
from tests.support.clients import acs_client, assert_refused, tea_ecs
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World, new_world

_PACKER_STATUSES = "Waiting,Creating,CreateFailed,Available"
_OTHER_REGION = "cn-shanghai"


def _snapshot(world: World) -> str:
    """An accomplished snapshot of a 20 GiB disk attached to a running instance."""
    (instance_id,) = world.run()
    disk = ecs_models.CreateDiskRequest(
        region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", size=20
    )
    disk_id = world.client.create_disk(disk).body.disk_id
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    request = ecs_models.CreateSnapshotRequest(disk_id=disk_id)
    return str(world.client.create_snapshot(request).body.snapshot_id)


def _create(client: EcsClient, **fields: object) -> str:
    request = ecs_models.CreateImageRequest(**({"region_id": REGION} | fields))
    return str(client.create_image(request).body.image_id)


def _creating(client: EcsClient, fields: dict[str, object]) -> Callable[[], str]:
    return lambda: _create(client, **fields)


def _images(
    client: EcsClient, **fields: object
) -> list[ecs_models.DescribeImagesResponseBodyImagesImage]:
    request = ecs_models.DescribeImagesRequest(
        **({"region_id": REGION, "image_owner_alias": "self", "page_size": 100} | fields)
    )
    return list(client.describe_images(request).body.images.image)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_packer_creates_polls_and_deletes_an_image(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    snapshot_id = _snapshot(world)
    image_id = _create(
        world.client,
        snapshot_id=snapshot_id,
        image_name="packer-build",
        client_token="tok-1",
        tag=[ecs_models.CreateImageRequestTag(key="built-by", value="packer")],
    )
    # the same ClientToken makes nothing new
    again = _create(
        world.client,
        snapshot_id=snapshot_id,
        image_name="packer-build",
        client_token="tok-1",
        tag=[ecs_models.CreateImageRequestTag(key="built-by", value="packer")],
    )
    assert again == image_id
    (image,) = _images(world.client, image_id=image_id, status=_PACKER_STATUSES)
    assert (image.status, image.progress, image.image_owner_alias) == ("Available", "100%", "self")
    assert (image.image_name, image.size, image.architecture) == ("packer-build", 20, "x86_64")
    mappings = image.disk_device_mappings.disk_device_mapping
    assert [(m.snapshot_id, m.device, m.type, m.size) for m in mappings] == [
        (snapshot_id, "/dev/xvda", "system", "20")
    ]
    assert [(t.tag_key, t.tag_value) for t in image.tags.tag] == [("built-by", "packer")]
    assert [i.image_id for i in _images(world.client, snapshot_id=snapshot_id)] == [image_id]
    # the snapshot is the image's: it cannot go while the image stays
    assert_refused(
        lambda: world.client.delete_snapshot(
            ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
        ),
        "SnapshotCreatedImage",
        403,
    )
    world.client.delete_image(ecs_models.DeleteImageRequest(region_id=REGION, image_id=image_id))
    assert _images(world.client, image_id=image_id, status=_PACKER_STATUSES) == []
    world.client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))


def test_old_sdk_creates_an_image_from_disk_device_mappings(server: RunningServer) -> None:
    world = new_world(server)
    snapshot_id = _snapshot(world)
    client = acs_client(server.endpoint, world.key)
    request = CreateImageRequest()
    request.set_ImageName("from-mappings")
    request.set_Architecture("arm64")
    request.set_DiskDeviceMappings(
        [
            {"SnapshotId": snapshot_id, "Size": 40, "DiskType": "system"},
            {"Size": 100, "DiskType": "data"},
        ]
    )
    image_id = json.loads(client.do_action_with_exception(request))["ImageId"]
    describe = DescribeImagesRequest()
    describe.set_ImageId(image_id)
    (image,) = json.loads(client.do_action_with_exception(describe))["Images"]["Image"]
    assert image["Architecture"] == "arm64"
    assert [
        (m["Device"], m["Size"], m["Type"], m["SnapshotId"])
        for m in image["DiskDeviceMappings"]["DiskDeviceMapping"]
    ] == [("/dev/xvda", "40", "system", snapshot_id), ("/dev/xvdb", "100", "data", "")]


def test_create_image_refusals_write_nothing(world: World) -> None:
    snapshot_id = _snapshot(world)
    _create(world.client, snapshot_id=snapshot_id, image_name="taken")
    cases: list[tuple[dict[str, object], str, int]] = [
        ({}, "MissingParameter", 400),
        ({"snapshot_id": "s-missing"}, "InvalidSnapshotId.NotFound", 404),
        ({"snapshot_id": snapshot_id, "image_name": "taken"}, "InvalidImageName.Duplicated", 400),
        ({"snapshot_id": snapshot_id, "image_name": "1bad"}, "InvalidImageName.Malformed", 400),
        (
            {"snapshot_id": snapshot_id, "architecture": "mips"},
            "InvalidArchitecture.Malformed",
            400,
        ),
        ({"instance_id": "i-missing"}, "InvalidInstanceId.NotFound", 404),
    ]
    mapping = ecs_models.CreateImageRequestDiskDeviceMapping
    cases += [
        (
            {"disk_device_mapping": [mapping(size=40, disk_type="data")]},
            "InvalidSystemSnapshot.Missing",
            403,
        ),
        (
            {"disk_device_mapping": [mapping(snapshot_id=snapshot_id, size=10)]},
            "InvalidSize.ValueNotSupported",
            400,
        ),
        (
            # one good mapping, one bad: no image at all
            {
                "disk_device_mapping": [
                    mapping(snapshot_id=snapshot_id),
                    mapping(size=40, device="/dev/sdb"),
                ]
            },
            "InvalidDevice.Malformed",
            400,
        ),
    ]
    for fields, code, status in cases:
        assert_refused(_creating(world.client, fields), code, status)
    assert [i.image_name for i in _images(world.client)] == ["taken"]


def test_delete_image_refusals(world: World) -> None:
    image_id = _create(world.client, snapshot_id=_snapshot(world))
    world.run(image_id=image_id)
    delete = ecs_models.DeleteImageRequest(region_id=REGION, image_id=image_id)
    assert_refused(lambda: world.client.delete_image(delete), "ImageUsingByInstance", 403)
    missing = ecs_models.DeleteImageRequest(region_id=REGION, image_id="m-missing")
    assert_refused(lambda: world.client.delete_image(missing), "InvalidImageId.NotFound", 404)
    delete.force = True
    world.client.delete_image(delete)
    assert _images(world.client) == []


def test_copy_image_to_another_region(world: World) -> None:
    image_id = _create(world.client, snapshot_id=_snapshot(world), image_name="golden")

    def copy(**fields: object) -> str:
        request = ecs_models.CopyImageRequest(
            **(
                {"region_id": REGION, "image_id": image_id, "destination_region_id": _OTHER_REGION}
                | fields
            )
        )
        return str(world.client.copy_image(request).body.image_id)

    copied = copy(destination_image_name="golden")
    (image,) = _images(world.client, region_id=_OTHER_REGION, image_id=copied)
    (source,) = _images(world.client, image_id=image_id)
    assert (image.status, image.is_copied, image.image_name) == ("Available", True, "golden")
    assert [m.snapshot_id for m in image.disk_device_mappings.disk_device_mapping] == [
        m.snapshot_id for m in source.disk_device_mappings.disk_device_mapping
    ]
    assert_refused(lambda: copy(destination_region_id="mars-1"), "DestinationRegion.NotFound", 400)
    assert_refused(lambda: copy(image_id="m-missing"), "InvalidImageId.NotFound", 404)
    assert_refused(
        lambda: copy(destination_image_name="golden"), "InvalidImageName.Duplicated", 400
    )
    assert [i.image_id for i in _images(world.client, region_id=_OTHER_REGION)] == [copied]


def test_shared_images_are_others_and_launchable(server: RunningServer, world: World) -> None:
    image_id = _create(world.client, snapshot_id=_snapshot(world), image_name="shared-one")
    other = create_account(server.url)
    other_id = str(other["AccountId"])
    other_client = tea_ecs(server.endpoint, (other["AccessKeyId"], other["AccessKeySecret"]))
    assert _images(other_client, image_owner_alias="others") == []
    share = ecs_models.ModifyImageSharePermissionRequest(
        region_id=REGION, image_id=image_id, add_account=[other_id]
    )
    world.client.modify_image_share_permission(share)
    permission = world.client.describe_image_share_permission(
        ecs_models.DescribeImageSharePermissionRequest(region_id=REGION, image_id=image_id)
    ).body
    assert [a.aliyun_id for a in permission.accounts.account] == [other_id]
    (seen,) = _images(other_client, image_owner_alias="others")
    assert (seen.image_id, seen.image_owner_alias) == (image_id, "others")
    assert _images(world.client)[0].is_self_shared == "true"
    # shared images cannot be deleted until the sharing stops
    delete = ecs_models.DeleteImageRequest(region_id=REGION, image_id=image_id)
    assert_refused(lambda: world.client.delete_image(delete), "ImageUseShared", 403)
    bad = ecs_models.ModifyImageSharePermissionRequest(
        region_id=REGION, image_id=image_id, add_account=["999999999"]
    )
    assert_refused(
        lambda: world.client.modify_image_share_permission(bad), "InvalidAccount.NotFound", 404
    )
    # only the owner changes the permissions
    assert_refused(
        lambda: other_client.modify_image_share_permission(share), "InvalidImageId.NotFound", 404
    )
    stop = ecs_models.ModifyImageSharePermissionRequest(
        region_id=REGION, image_id=image_id, remove_account=[other_id]
    )
    world.client.modify_image_share_permission(stop)
    assert _images(other_client, image_owner_alias="others") == []
    world.client.delete_image(delete)


def test_run_instances_from_a_custom_image(world: World) -> None:
    image_id = _create(world.client, snapshot_id=_snapshot(world))
    (instance_id,) = world.run(image_id=image_id)
    (instance,) = world.instances(instance_ids=json.dumps([instance_id]))
    assert instance.image_id == image_id
    (image,) = _images(world.client, image_id=image_id)
    assert image.usage == "instance"

"""CreateDisk, DescribeDisks, ModifyDiskAttribute, DeleteDisk, AttachDisk and DetachDisk
through the official SDKs."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkecs.request.v20140526.CreateDiskRequest import CreateDiskRequest
from aliyunsdkecs.request.v20140526.DescribeDisksRequest import DescribeDisksRequest

from tests.support.clients import acs_client, assert_refused, tea_ecs
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, new_key, new_world

OTHER_ZONE = "cn-hangzhou-j"


def _create(client: EcsClient, **fields: object) -> str:
    request = ecs_models.CreateDiskRequest(
        **(
            {"region_id": REGION, "zone_id": ZONE, "disk_category": "cloud_essd", "size": 20}
            | fields
        )
    )
    return str(client.create_disk(request).body.disk_id)


def _disks(
    client: EcsClient, **fields: object
) -> list[ecs_models.DescribeDisksResponseBodyDisksDisk]:
    request = ecs_models.DescribeDisksRequest(**({"region_id": REGION, "page_size": 100} | fields))
    return list(client.describe_disks(request).body.disks.disk)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_and_describe_a_disk(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, new_key(server), signature=signature)
    disk_id = _create(
        client,
        disk_name="data-1",
        description="the data disk",
        tag=[ecs_models.CreateDiskRequestTag(key="team", value="db")],
    )
    (disk,) = _disks(client, disk_ids=json.dumps([disk_id]))
    assert disk.disk_id == disk_id
    assert (disk.disk_name, disk.description) == ("data-1", "the data disk")
    assert (disk.category, disk.size, disk.performance_level) == ("cloud_essd", 20, "PL1")
    assert (disk.status, disk.type, disk.zone_id, disk.region_id) == (
        "Available",
        "data",
        ZONE,
        REGION,
    )
    assert disk.portable is True and disk.delete_auto_snapshot is True
    assert disk.delete_with_instance is False
    assert disk.creation_time.endswith("Z")
    assert [(t.tag_key, t.tag_value) for t in disk.tags.tag] == [("team", "db")]


def test_describe_disks_filters_and_pages(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    ids = [_create(client, disk_name=f"disk-{n}") for n in range(3)]
    other = _create(client, zone_id=OTHER_ZONE)
    assert [d.disk_id for d in _disks(client, zone_id=OTHER_ZONE)] == [other]
    assert [d.disk_id for d in _disks(client, disk_name="disk-1")] == [ids[1]]
    assert _disks(client, disk_ids="[]") == []
    assert _disks(client, disk_type="system") == []
    assert len(_disks(client, status="Available", category="cloud_essd")) == 4
    page = client.describe_disks(
        ecs_models.DescribeDisksRequest(region_id=REGION, page_number=2, page_size=3)
    ).body
    assert (page.total_count, page.page_number, page.page_size) == (4, 2, 3)
    assert len(page.disks.disk) == 1
    first = client.describe_disks(
        ecs_models.DescribeDisksRequest(region_id=REGION, max_results=3)
    ).body
    assert len(first.disks.disk) == 3 and first.next_token
    rest = client.describe_disks(
        ecs_models.DescribeDisksRequest(
            region_id=REGION, max_results=3, next_token=first.next_token
        )
    ).body
    assert len(rest.disks.disk) == 1 and not rest.next_token


def test_disks_are_private_to_their_account(server: RunningServer) -> None:
    mine = tea_ecs(server.endpoint, new_key(server))
    theirs = tea_ecs(server.endpoint, new_key(server))
    disk_id = _create(mine)
    assert _disks(theirs) == []
    assert_refused(
        lambda: theirs.modify_disk_attribute(
            ecs_models.ModifyDiskAttributeRequest(disk_id=disk_id, disk_name="stolen")
        ),
        "InvalidDiskId.NotFound",
        404,
    )


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"zone_id": "cn-hangzhou-z"}, "InvalidZoneId.NotFound", 404),
        ({"disk_category": "cloud_floppy"}, "InvalidDiskCategory.ValueNotSupported", 400),
        ({"disk_category": "cloud"}, "InvalidDiskCategory.NotSupported", 400),
        ({"size": 10}, "InvalidSize.ValueNotSupported", 400),
        ({"size": 70000}, "InvalidSize.ValueNotSupported", 400),
        ({"size": 100, "performance_level": "PL3"}, "InvalidSize.ValueNotSupported", 400),
        ({"size": None}, "MissingParameter", 400),
        ({"disk_name": "1disk"}, "InvalidDiskName.Malformed", 400),
        ({"disk_name": "http://x"}, "InvalidDiskName.Malformed", 400),
        ({"description": "x"}, "InvalidDescription.Malformed", 400),
        ({"snapshot_id": "s-missing"}, "InvalidSnapshotId.NotFound", 404),
    ],
)
def test_create_disk_refusals_write_nothing(
    server: RunningServer, fields: dict[str, object], code: str, status: int
) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    assert_refused(lambda: _create(client, **fields), code, status)
    assert _disks(client) == []


def test_create_disk_is_idempotent_with_a_client_token(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    first = _create(client, client_token="disk-token-1")
    assert _create(client, client_token="disk-token-1") == first
    assert len(_disks(client)) == 1


def test_modify_and_delete_a_disk(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server), signature="v2")
    disk_id = _create(client)
    client.modify_disk_attribute(
        ecs_models.ModifyDiskAttributeRequest(
            disk_id=disk_id,
            disk_name="renamed",
            description="new words",
            delete_auto_snapshot=False,
        )
    )
    (disk,) = _disks(client)
    assert (disk.disk_name, disk.description, disk.delete_auto_snapshot) == (
        "renamed",
        "new words",
        False,
    )
    assert_refused(
        lambda: client.modify_disk_attribute(
            ecs_models.ModifyDiskAttributeRequest(disk_id=disk_id, disk_name="-bad")
        ),
        "InvalidDiskName.Malformed",
        400,
    )
    assert_refused(
        lambda: client.modify_disk_attribute(
            ecs_models.ModifyDiskAttributeRequest(disk_id=disk_id)
        ),
        "NoAttributeToModify",
        400,
    )
    client.delete_disk(ecs_models.DeleteDiskRequest(disk_id=disk_id))
    assert _disks(client) == []
    # an id that names no disk is ignored (reference §4.1)
    client.delete_disk(ecs_models.DeleteDiskRequest(disk_id=disk_id))


def test_attach_and_detach_a_disk(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run()
    disk_id = _create(client)
    client.attach_disk(
        ecs_models.AttachDiskRequest(
            instance_id=instance_id, disk_id=disk_id, delete_with_instance=True
        )
    )
    (disk,) = _disks(client, instance_id=instance_id, disk_type="data")
    assert (disk.status, disk.instance_id, disk.device) == ("In_use", instance_id, "/dev/xvdb")
    assert disk.delete_with_instance is True
    assert disk.attached_time
    assert [a.instance_id for a in disk.attachments.attachment] == [instance_id]

    assert_refused(
        lambda: client.attach_disk(
            ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id)
        ),
        "IncorrectDiskStatus",
        403,
    )
    assert_refused(
        lambda: client.delete_disk(ecs_models.DeleteDiskRequest(disk_id=disk_id)),
        "DiskStillAttached",
        403,
    )
    client.detach_disk(
        ecs_models.DetachDiskRequest(
            instance_id=instance_id, disk_id=disk_id, delete_with_instance=False
        )
    )
    (disk,) = _disks(client, disk_ids=json.dumps([disk_id]))
    assert (disk.status, disk.instance_id, disk.device) == ("Available", "", "")
    assert disk.detached_time and disk.delete_with_instance is False
    assert_refused(
        lambda: client.detach_disk(
            ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=disk_id)
        ),
        "InvalidDisk.AlreadyDetached",
        404,
    )


def test_attach_refusals(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    (instance_id,) = world.run()
    far = _create(client, zone_id=OTHER_ZONE)
    assert_refused(
        lambda: client.attach_disk(
            ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=far)
        ),
        "ResourcesNotInSameZone",
        403,
    )
    assert_refused(
        lambda: client.attach_disk(
            ecs_models.AttachDiskRequest(instance_id="i-missing", disk_id=far)
        ),
        "InvalidInstanceId.NotFound",
        404,
    )
    assert_refused(
        lambda: client.attach_disk(
            ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id="d-missing")
        ),
        "InvalidDiskId.NotFound",
        404,
    )
    (disk,) = _disks(client, disk_type="data")
    assert disk.status == "Available"


def test_the_old_sdk_creates_and_lists_disks(server: RunningServer) -> None:
    client = acs_client(server.endpoint, new_key(server))
    create = CreateDiskRequest()
    create.set_ZoneId(ZONE)
    create.set_DiskCategory("cloud_efficiency")
    create.set_Size(40)
    disk_id = json.loads(client.do_action_with_exception(create))["DiskId"]
    describe = DescribeDisksRequest()
    describe.set_DiskIds(json.dumps([disk_id]))
    body = json.loads(client.do_action_with_exception(describe))
    (disk,) = body["Disks"]["Disk"]
    assert (disk["DiskId"], disk["Size"], disk["Category"]) == (disk_id, 40, "cloud_efficiency")

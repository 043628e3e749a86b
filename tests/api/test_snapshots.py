"""CreateSnapshot, DescribeSnapshots, DeleteSnapshot, ModifySnapshotAttribute and ResetDisk
through the official SDKs."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkecs.request.v20140526.CreateSnapshotRequest import CreateSnapshotRequest
from aliyunsdkecs.request.v20140526.DescribeSnapshotsRequest import DescribeSnapshotsRequest

from tests.support.clients import acs_client, assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World, new_world


def _disk(client: EcsClient, **fields: object) -> str:
    request = ecs_models.CreateDiskRequest(
        **(
            {"region_id": REGION, "zone_id": ZONE, "disk_category": "cloud_essd", "size": 20}
            | fields
        )
    )
    return str(client.create_disk(request).body.disk_id)


def _attached(world: World) -> tuple[str, str]:
    """A running instance and a disk attached to it."""
    (instance_id,) = world.run()
    disk_id = _disk(world.client)
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    return instance_id, disk_id


def _snapshot(client: EcsClient, disk_id: str, **fields: object) -> str:
    request = ecs_models.CreateSnapshotRequest(disk_id=disk_id, **fields)
    return str(client.create_snapshot(request).body.snapshot_id)


def _snapshots(
    client: EcsClient, **fields: object
) -> list[ecs_models.DescribeSnapshotsResponseBodySnapshotsSnapshot]:
    request = ecs_models.DescribeSnapshotsRequest(
        **({"region_id": REGION, "page_size": 100} | fields)
    )
    return list(client.describe_snapshots(request).body.snapshots.snapshot)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_and_describe_a_snapshot(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    instance_id, disk_id = _attached(world)
    snapshot_id = _snapshot(
        world.client,
        disk_id,
        snapshot_name="nightly",
        description="before the upgrade",
        tag=[ecs_models.CreateSnapshotRequestTag(key="env", value="prod")],
    )
    (snapshot,) = _snapshots(world.client, snapshot_ids=json.dumps([snapshot_id]))
    assert (snapshot.snapshot_name, snapshot.description) == ("nightly", "before the upgrade")
    assert (snapshot.status, snapshot.progress, snapshot.remain_time) == ("accomplished", "100%", 0)
    assert (snapshot.source_disk_id, snapshot.source_disk_size, snapshot.source_disk_type) == (
        disk_id,
        "20",
        "data",
    )
    assert (snapshot.snapshot_type, snapshot.usage) == ("user", "none")
    assert snapshot.creation_time.endswith("Z")
    assert [(t.tag_key, t.tag_value) for t in snapshot.tags.tag] == [("env", "prod")]
    assert [s.snapshot_id for s in _snapshots(world.client, instance_id=instance_id)] == [
        snapshot_id
    ]
    assert [s.snapshot_id for s in _snapshots(world.client, disk_id=disk_id)] == [snapshot_id]
    assert _snapshots(world.client, snapshot_ids="[]") == []
    assert _snapshots(world.client, source_disk_type="System") == []
    assert _snapshots(world.client, snapshot_type="auto") == []


def test_create_snapshot_refusals_write_nothing(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    never = _disk(client)
    assert_refused(lambda: _snapshot(client, never), "IncorrectDiskStatus.NeverAttached", 403)
    _, disk_id = _attached(world)
    for name in ("auto-nightly", "1st", "https://x"):
        assert_refused(
            lambda name=name: _snapshot(client, disk_id, snapshot_name=name),  # type: ignore[misc]
            "InvalidSnapshotName.Malformed",
            400,
        )
    assert_refused(lambda: _snapshot(client, "d-missing"), "InvalidDiskId.NotFound", 404)
    assert _snapshots(client) == []


def test_a_detached_disk_that_was_attached_can_be_snapshotted(server: RunningServer) -> None:
    world = new_world(server)
    instance_id, disk_id = _attached(world)
    world.client.detach_disk(ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    snapshot_id = _snapshot(world.client, disk_id)
    assert [s.snapshot_id for s in _snapshots(world.client)] == [snapshot_id]


def test_modify_and_delete_a_snapshot(server: RunningServer) -> None:
    world = new_world(server, signature="v2")
    client = world.client
    _, disk_id = _attached(world)
    snapshot_id = _snapshot(client, disk_id)
    client.modify_snapshot_attribute(
        ecs_models.ModifySnapshotAttributeRequest(
            snapshot_id=snapshot_id, snapshot_name="renamed", description="kept", retention_days=7
        )
    )
    (snapshot,) = _snapshots(client)
    assert (snapshot.snapshot_name, snapshot.description, snapshot.retention_days) == (
        "renamed",
        "kept",
        7,
    )
    assert_refused(
        lambda: client.modify_snapshot_attribute(
            ecs_models.ModifySnapshotAttributeRequest(
                snapshot_id=snapshot_id, snapshot_name="auto1"
            )
        ),
        "InvalidSnapshotName.Malformed",
        400,
    )
    client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
    assert _snapshots(client) == []
    assert_refused(
        lambda: client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id)),
        "InvalidSnapshotId.NotFound",
        404,
    )


def test_a_snapshot_that_made_a_disk_needs_force(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    _, disk_id = _attached(world)
    snapshot_id = _snapshot(client, disk_id)
    copy = _disk(client, snapshot_id=snapshot_id, size=None)
    (described,) = [
        d
        for d in client.describe_disks(
            ecs_models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([copy]))
        ).body.disks.disk
    ]
    assert (described.source_snapshot_id, described.size) == (snapshot_id, 20)
    (snapshot,) = _snapshots(client)
    assert snapshot.usage == "disk"
    assert_refused(
        lambda: client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id)),
        "SnapshotCreatedDisk",
        403,
    )
    client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True))
    assert _snapshots(client) == []


def test_reset_disk(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client
    instance_id, disk_id = _attached(world)
    snapshot_id = _snapshot(client, disk_id)
    assert_refused(
        lambda: client.reset_disk(
            ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=snapshot_id)
        ),
        "IncorrectInstanceStatus",
        403,
    )
    _, other_disk = _attached(world)
    other_snapshot = _snapshot(client, other_disk)
    assert_refused(
        lambda: client.reset_disk(
            ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=other_snapshot)
        ),
        "InvalidParameter.Mismatch",
        403,
    )
    client.detach_disk(ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    client.reset_disk(ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=snapshot_id))
    assert_refused(
        lambda: client.reset_disk(
            ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id="s-missing")
        ),
        "InvalidSnapshotId.NotFound",
        404,
    )


def test_the_old_sdk_creates_and_lists_snapshots(server: RunningServer) -> None:
    world = new_world(server)
    _, disk_id = _attached(world)
    client = acs_client(server.endpoint, world.key)
    create = CreateSnapshotRequest()
    create.set_DiskId(disk_id)
    create.set_SnapshotName("from-old-sdk")
    snapshot_id = json.loads(client.do_action_with_exception(create))["SnapshotId"]
    describe = DescribeSnapshotsRequest()
    describe.set_DiskId(disk_id)
    body = json.loads(client.do_action_with_exception(describe))
    (snapshot,) = body["Snapshots"]["Snapshot"]
    assert (snapshot["SnapshotId"], snapshot["SnapshotName"]) == (snapshot_id, "from-old-sdk")
    assert snapshot["Status"] == "accomplished"

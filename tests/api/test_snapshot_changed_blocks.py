"""DescribeSnapshotChangedBlocks (ecsim's own API, version 2026-01-01) through tea-openapi's
generic call: the blocks written between two snapshots, paged, and its refusals."""

from __future__ import annotations

from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models

from ecsim.api.products import ECSIM
from tests.support.clients import assert_refused, tea_call
from tests.support.disk_images import write_disk
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World, new_world

MIB = 2**20


def _changed(server: RunningServer, world: World, **params: str) -> dict[str, Any]:
    return tea_call(
        server.endpoint, world.key, ECSIM.version, "DescribeSnapshotChangedBlocks", params
    )


def _attached_disk(world: World, instance_id: str) -> str:
    disk_id = str(
        world.client.create_disk(
            ecs_models.CreateDiskRequest(
                region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", size=20
            )
        ).body.disk_id
    )
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id))
    return disk_id


def _snapshot(world: World, disk_id: str) -> str:
    request = ecs_models.CreateSnapshotRequest(disk_id=disk_id)
    return str(world.client.create_snapshot(request).body.snapshot_id)


def test_the_blocks_written_between_two_snapshots(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    disk_id = _attached_disk(world, instance_id)
    write_disk(server.data_dir, disk_id, 0, b"a" * 100)
    write_disk(server.data_dir, disk_id, 5 * MIB, b"b" * 100)
    write_disk(server.data_dir, disk_id, 7 * MIB, b"same")
    first = _snapshot(world, disk_id)
    write_disk(server.data_dir, disk_id, 0, b"\0" * 100)  # block 0 is zeros again
    write_disk(server.data_dir, disk_id, 5 * MIB + 50, b"B")
    write_disk(server.data_dir, disk_id, 9 * MIB + 1, b"new")
    write_disk(server.data_dir, disk_id, 7 * MIB, b"same")  # rewritten, unchanged
    second = _snapshot(world, disk_id)

    body = _changed(server, world, FirstSnapshotId=first, SecondSnapshotId=second)
    assert (body["BlockSize"], body["VolumeSize"], body["TotalCount"]) == (MIB, 20 * 2**30, 3)
    assert body["ChangedBlocks"] == [
        {"BlockIndex": 0, "Offset": 0},
        {"BlockIndex": 5, "Offset": 5 * MIB},
        {"BlockIndex": 9, "Offset": 9 * MIB},
    ]
    assert body["NextToken"] == ""
    # the order of the two does not matter; a snapshot against itself changed nothing
    swapped = _changed(server, world, FirstSnapshotId=second, SecondSnapshotId=first)
    assert [b["BlockIndex"] for b in swapped["ChangedBlocks"]] == [0, 5, 9]
    same = _changed(server, world, FirstSnapshotId=first, SecondSnapshotId=first)
    assert (same["TotalCount"], same["ChangedBlocks"]) == (0, [])

    page = _changed(server, world, FirstSnapshotId=first, SecondSnapshotId=second, MaxResults="2")
    assert [b["BlockIndex"] for b in page["ChangedBlocks"]] == [0, 5]
    rest = _changed(
        server,
        world,
        FirstSnapshotId=first,
        SecondSnapshotId=second,
        MaxResults="2",
        NextToken=page["NextToken"],
    )
    assert ([b["BlockIndex"] for b in rest["ChangedBlocks"]], rest["NextToken"]) == ([9], "")


def test_refusals(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    one, two = _attached_disk(world, instance_id), _attached_disk(world, instance_id)
    first, other = _snapshot(world, one), _snapshot(world, two)

    def ask(**params: str) -> object:
        return lambda: _changed(server, world, **params)

    assert_refused(
        ask(FirstSnapshotId=first, SecondSnapshotId="s-missing"), "InvalidSnapshotId.NotFound", 404
    )
    assert_refused(
        ask(FirstSnapshotId=first, SecondSnapshotId=other), "InvalidParameter.Mismatch", 403
    )
    assert_refused(ask(FirstSnapshotId=first), "MissingParameter", 400)
    assert_refused(
        ask(FirstSnapshotId=first, SecondSnapshotId=first, NextToken="made-up"),
        "InvalidParameter.NextToken",
        400,
    )
    # another account's snapshots are not there for the caller
    stranger = new_world(server)
    assert_refused(
        lambda: _changed(server, stranger, FirstSnapshotId=first, SecondSnapshotId=first),
        "InvalidSnapshotId.NotFound",
        404,
    )

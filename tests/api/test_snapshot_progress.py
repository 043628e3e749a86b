"""A large snapshot is taken in the background, as ECS takes snapshots: CreateSnapshot answers
at once, DescribeSnapshots shows ``progressing`` with the engine's real Progress and a
RemainTime, then ``accomplished`` at 100%. Until then the snapshot makes no disk, no image
and no rollback, and its disk takes no second snapshot. A small one is over when the call
answers."""

from __future__ import annotations

import os
import random
import time
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import assert_refused
from tests.support.disk_images import image_of, read_disk
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World, new_world

MIB = 2**20
# above the size a snapshot is taken inside its call (control.snapshots.BACKGROUND_WORK)
DATA_MIB = 320


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


def _fill(server: RunningServer, disk_id: str, mib: int, seed: int) -> bytes:
    """``mib`` MiB of random data at the disk's start, written as its instance would; the
    first MiB is returned."""
    rng = random.Random(seed)
    fd = os.open(image_of(server.data_dir, disk_id), os.O_WRONLY)
    try:
        first = rng.randbytes(MIB)
        os.pwrite(fd, first, 0)
        for index in range(1, mib):
            os.pwrite(fd, rng.randbytes(MIB), index * MIB)
        os.fsync(fd)
    finally:
        os.close(fd)
    return first


def _described(world: World, snapshot_id: str) -> Any:
    (found,) = world.client.describe_snapshots(
        ecs_models.DescribeSnapshotsRequest(region_id=REGION, snapshot_ids=f'["{snapshot_id}"]')
    ).body.snapshots.snapshot
    return found


def test_a_large_snapshot_progresses_in_the_background(server: RunningServer) -> None:
    world = new_world(server)
    (instance_id,) = world.run()
    disk_id = _attached_disk(world, instance_id)
    first = _fill(server, disk_id, DATA_MIB, seed=1)

    started = time.monotonic()
    snapshot_id = str(
        world.client.create_snapshot(
            ecs_models.CreateSnapshotRequest(disk_id=disk_id)
        ).body.snapshot_id
    )
    answered = time.monotonic() - started
    snapshot = _described(world, snapshot_id)
    assert (snapshot.status, snapshot.available) == ("progressing", False)
    # what it cannot do yet, each refused with ECS's code
    assert_refused(
        lambda: world.client.create_disk(
            ecs_models.CreateDiskRequest(
                region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", snapshot_id=snapshot_id
            )
        ),
        "InvalidSnapshotId.NotReady",
        403,
    )
    assert_refused(
        lambda: world.client.create_image(
            ecs_models.CreateImageRequest(region_id=REGION, snapshot_id=snapshot_id)
        ),
        "InvalidSnapshotId.NotReady",
        403,
    )
    assert_refused(
        lambda: world.client.reset_disk(
            ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=snapshot_id)
        ),
        "InvalidSnapshotId.NotReady",
        403,
    )
    assert_refused(
        lambda: world.client.create_snapshot(ecs_models.CreateSnapshotRequest(disk_id=disk_id)),
        "IncorrectDiskStatus.CreatingSnapshot",
        403,
    )

    seen: list[tuple[int, int]] = []
    deadline = time.monotonic() + 60
    while snapshot.status == "progressing" and time.monotonic() < deadline:
        seen.append((int(snapshot.progress.rstrip("%")), int(snapshot.remain_time)))
        time.sleep(0.01)
        snapshot = _described(world, snapshot_id)
    took = time.monotonic() - started
    assert (snapshot.status, snapshot.progress, snapshot.available) == (
        "accomplished",
        "100%",
        True,
    )
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and all(0 <= p <= 99 for p in percents)
    assert all(remain >= 0 for _, remain in seen)
    # the call answered long before the work was done
    assert answered < took / 2, (answered, took)

    copy = str(
        world.client.create_disk(
            ecs_models.CreateDiskRequest(
                region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", snapshot_id=snapshot_id
            )
        ).body.disk_id
    )
    assert read_disk(server.data_dir, copy, 0, MIB) == first


def test_a_small_snapshot_is_accomplished_when_the_call_answers(server: RunningServer) -> None:
    world = new_world(server)
    (instance_id,) = world.run()
    disk_id = _attached_disk(world, instance_id)
    _fill(server, disk_id, 8, seed=2)
    snapshot_id = str(
        world.client.create_snapshot(
            ecs_models.CreateSnapshotRequest(disk_id=disk_id)
        ).body.snapshot_id
    )
    snapshot = _described(world, snapshot_id)
    assert (snapshot.status, snapshot.progress, snapshot.remain_time) == ("accomplished", "100%", 0)


def test_a_snapshot_deleted_while_it_progresses_stays_deleted(server: RunningServer) -> None:
    world = new_world(server)
    (instance_id,) = world.run()
    disk_id = _attached_disk(world, instance_id)
    _fill(server, disk_id, DATA_MIB, seed=3)
    snapshot_id = str(
        world.client.create_snapshot(
            ecs_models.CreateSnapshotRequest(disk_id=disk_id)
        ).body.snapshot_id
    )
    world.client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
    time.sleep(0.5)  # long past its end: what ended is recorded before the next call
    listed = world.client.describe_snapshots(
        ecs_models.DescribeSnapshotsRequest(region_id=REGION, disk_id=disk_id)
    ).body.snapshots.snapshot
    assert listed == []
    # and the disk takes its next snapshot
    again = world.client.create_snapshot(ecs_models.CreateSnapshotRequest(disk_id=disk_id))
    deadline = time.monotonic() + 60
    while _described(world, str(again.body.snapshot_id)).status == "progressing":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert _described(world, str(again.body.snapshot_id)).status == "accomplished"

"""Disks and snapshots at the control level, over a real FileBlockStore: the guide's §2 flow
(write, snapshot, change, snapshot, roll back) checked on the disk's bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.disks import DiskQuery, Disks, NewDisk
from ecsim.control.snapshots import NewSnapshot, SnapshotQuery, Snapshots
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import InstanceStatus
from ecsim.settings import Limits
from ecsim.storage.files import FileBlockStore
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, save_instance

MIB = 2**20


@dataclass
class World:
    store: SqliteStore
    clock: FrozenClock
    blocks: FileBlockStore
    disks: Disks
    snapshots: Snapshots


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock, tmp_path: Path) -> World:
    blocks = FileBlockStore(tmp_path / "blocks", sync=False)
    catalog, tags, ids = load_catalog(), Tags(store), IdFactory(seed=5)
    return World(
        store,
        clock,
        blocks,
        Disks(store, ids, clock, Limits(), catalog, tags, blocks),
        Snapshots(store, ids, clock, Limits(), catalog, tags, blocks),
    )


def _md5(world: World, disk_id: str, length: int) -> str:
    return hashlib.md5(world.blocks.read(disk_id, 0, length)).hexdigest()


def _attached_disk(world: World, instance_id: str = "i-guide") -> str:
    save_instance(world.store, world.clock, instance_id)
    disk = world.disks.create(
        ACCOUNT, REGION, NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20)
    )
    world.disks.attach(ACCOUNT, instance_id, disk.disk_id, delete_with_instance=False)
    return disk.disk_id


def test_the_guides_rollback_flow_restores_the_first_state(world: World) -> None:
    disk_id = _attached_disk(world)
    data = bytes(range(256)) * (4 * MIB // 256)
    world.blocks.write(disk_id, 0, data)
    first_md5 = _md5(world, disk_id, 8 * MIB)
    first = world.snapshots.create(ACCOUNT, NewSnapshot(disk_id, name="before"))

    # change a small part and take a second, incremental snapshot
    world.blocks.write(disk_id, MIB, b"\xff" * 65536)
    second = world.snapshots.create(ACCOUNT, NewSnapshot(disk_id, name="after"))
    assert _md5(world, disk_id, 8 * MIB) != first_md5
    info = world.blocks.snapshot_info(second.snapshot_id)
    assert info.parent_id == first.snapshot_id
    assert info.stored_bytes < len(data)

    save_instance(world.store, world.clock, "i-guide", status=InstanceStatus.STOPPED)
    world.snapshots.reset_disk(ACCOUNT, disk_id, first.snapshot_id)
    assert _md5(world, disk_id, 8 * MIB) == first_md5


def test_reset_refused_while_the_instance_runs(world: World) -> None:
    disk_id = _attached_disk(world)
    snapshot = world.snapshots.create(ACCOUNT, NewSnapshot(disk_id))
    world.blocks.write(disk_id, 0, b"later")
    with pytest.raises(EcsError) as caught:
        world.snapshots.reset_disk(ACCOUNT, disk_id, snapshot.snapshot_id)
    assert (caught.value.code, caught.value.http_status) == ("IncorrectInstanceStatus", 403)
    assert world.blocks.read(disk_id, 0, 5) == b"later"


def test_a_disk_from_a_snapshot_holds_its_bytes(world: World) -> None:
    disk_id = _attached_disk(world)
    world.blocks.write(disk_id, 3 * MIB, b"payload")
    snapshot = world.snapshots.create(ACCOUNT, NewSnapshot(disk_id))
    copy = world.disks.create(
        ACCOUNT,
        REGION,
        NewDisk(zone_id=ZONE, category="cloud_essd", snapshot_id=snapshot.snapshot_id),
    )
    assert copy.size_gib == 20
    assert world.blocks.read(copy.disk_id, 3 * MIB, 7) == b"payload"
    (view,) = world.disks.describe(ACCOUNT, REGION, DiskQuery(snapshot_id=snapshot.snapshot_id))
    assert view.disk.disk_id == copy.disk_id
    (used,) = world.snapshots.describe(ACCOUNT, REGION, SnapshotQuery(usage="disk"))
    assert used.snapshot.snapshot_id == snapshot.snapshot_id


def test_deleting_a_disk_frees_its_image(world: World) -> None:
    disk = world.disks.create(
        ACCOUNT, REGION, NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20)
    )
    world.disks.delete(ACCOUNT, disk.disk_id)
    assert world.disks.describe(ACCOUNT, REGION, DiskQuery()) == []
    with pytest.raises(Exception, match=disk.disk_id):
        world.blocks.disk_size(disk.disk_id)


def test_snapshots_outlive_their_disk(world: World) -> None:
    disk_id = _attached_disk(world)
    world.blocks.write(disk_id, 0, b"kept")
    snapshot = world.snapshots.create(ACCOUNT, NewSnapshot(disk_id))
    world.disks.detach(ACCOUNT, "i-guide", disk_id, delete_with_instance=None)
    world.disks.delete(ACCOUNT, disk_id)
    copy = world.disks.create(
        ACCOUNT,
        REGION,
        NewDisk(zone_id=ZONE, category="cloud_essd", snapshot_id=snapshot.snapshot_id),
    )
    assert world.blocks.read(copy.disk_id, 0, 4) == b"kept"

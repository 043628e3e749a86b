"""reconcile_storage, run at start: engine state a crash left without records goes (and the
chunks only it held), a snapshot record without blocks is failed, the rest is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.changed_blocks import SnapshotDiffs
from ecsim.control.disk_rules import SnapshotRepository
from ecsim.control.disks import Disks, NewDisk
from ecsim.control.snapshots import NewSnapshot, Snapshots
from ecsim.control.storage_reconcile import reconcile_storage
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.snapshot import SnapshotStatus
from ecsim.settings import Limits
from ecsim.storage.check import check_store
from ecsim.storage.files import FileBlockStore
from ecsim.store.base import AccountRecord
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, save_instance

MIB = 2**20


def test_what_a_crash_left_half_done_goes(
    store: SqliteStore, clock: FrozenClock, tmp_path: Path
) -> None:
    store.add_account(AccountRecord(ACCOUNT, "a@x", "2024-01-01T00:00:00Z"))
    blocks = FileBlockStore(tmp_path / "blocks", sync=False)
    catalog, tags, ids = load_catalog(), Tags(store), IdFactory(seed=4)
    disks = Disks(store, ids, clock, Limits(), catalog, tags, blocks)
    snapshots = Snapshots(store, ids, clock, Limits(), catalog, tags, blocks)
    save_instance(store, clock, "i-1")
    disk = disks.create(ACCOUNT, REGION, NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20))
    disks.attach(ACCOUNT, "i-1", disk.disk_id, delete_with_instance=False)
    blocks.write(disk.disk_id, 0, b"k" * MIB)
    kept = snapshots.create(ACCOUNT, NewSnapshot(disk.disk_id))
    lost = snapshots.create(ACCOUNT, NewSnapshot(disk.disk_id))
    blocks.delete_snapshot(lost.snapshot_id)  # damage from outside
    # a CreateDisk and a CreateSnapshot whose transactions never committed
    blocks.create_disk("d-uncommitted", 20 * 2**30)
    blocks.write(disk.disk_id, 0, b"o" * MIB)
    blocks.snapshot(disk.disk_id, "s-uncommitted")

    done = reconcile_storage(store, blocks)

    assert done.dropped_snapshots == ("s-uncommitted",)
    assert done.dropped_disks == ("d-uncommitted",)
    assert done.failed_snapshots == (lost.snapshot_id,)
    assert done.freed_bytes == MIB
    assert [s.snapshot_id for s in blocks.snapshots()] == [kept.snapshot_id]
    assert blocks.disk_ids() == [disk.disk_id]
    records = SnapshotRepository(store)
    assert records.get(ACCOUNT, lost.snapshot_id).status is SnapshotStatus.FAILED
    assert records.get(ACCOUNT, kept.snapshot_id).status is SnapshotStatus.ACCOMPLISHED
    report = check_store(tmp_path / "blocks")
    assert (report.ok, report.orphan_chunks) == (True, 0)
    # a second run finds nothing left to do
    assert reconcile_storage(store, blocks).dropped_snapshots == ()
    # a failed snapshot has no blocks to compare
    diffs = SnapshotDiffs(store, blocks)
    assert diffs.between(ACCOUNT, kept.snapshot_id, kept.snapshot_id).indices == []
    with pytest.raises(EcsError) as caught:
        diffs.between(ACCOUNT, kept.snapshot_id, lost.snapshot_id)
    assert (caught.value.code, caught.value.http_status) == ("InvalidSnapshotId.NotReady", 403)

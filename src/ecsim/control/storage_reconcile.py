"""On start: bring the block store and the records back into agreement after a crash.

A disk image or a snapshot manifest is written inside the call's store transaction, before
it commits. A crash in between leaves engine state no record knows of: a manifest whose
snapshot the store never recorded (its chunks held for nothing), or a disk image without its
disk. Those are what the crash interrupted, so they go, and the chunks only they held with
them. (The engine's own open has already swept chunks no manifest names.) A snapshot record
whose manifest is missing can only come from outside damage, or is one a background snapshot
was taking when the server died: it is marked failed, never shown as accomplished. A
progressing one whose manifest is there ended before it could be recorded: accomplished.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ecsim.control.disk_rules import SnapshotRepository
from ecsim.model.snapshot import SnapshotStatus
from ecsim.storage import BlockStore
from ecsim.store.base import Store
from ecsim.store.codecs import disks as disk_codec
from ecsim.store.codecs import snapshots as snapshot_codec

__all__ = ["Reconciled", "reconcile_storage"]

log = logging.getLogger("ecsim.storage")


@dataclass(frozen=True)
class Reconciled:
    dropped_snapshots: tuple[str, ...] = ()
    dropped_disks: tuple[str, ...] = ()
    failed_snapshots: tuple[str, ...] = ()
    freed_bytes: int = 0


def reconcile_storage(store: Store, blocks: BlockStore) -> Reconciled:
    freed = 0
    snapshots: list[str] = []
    for info in blocks.snapshots():
        if store.get_resource(snapshot_codec.KIND, info.snapshot_id) is None:
            freed += blocks.delete_snapshot(info.snapshot_id)
            snapshots.append(info.snapshot_id)
    disks = [d for d in blocks.disk_ids() if store.get_resource(disk_codec.KIND, d) is None]
    for disk_id in disks:
        blocks.delete_disk(disk_id)
    kept = {info.snapshot_id for info in blocks.snapshots()}
    records = SnapshotRepository(store)
    failed: list[str] = []
    with store.transaction():
        for account in store.list_accounts():
            for snapshot in records.owned_by(account.account_id):
                whole = snapshot.snapshot_id in kept
                if snapshot.status is SnapshotStatus.PROGRESSING and whole:
                    # taken in the background, ended before the stop could record it
                    records.save(replace(snapshot, status=SnapshotStatus.ACCOMPLISHED))
                elif snapshot.status is not SnapshotStatus.FAILED and not whole:
                    records.save(replace(snapshot, status=SnapshotStatus.FAILED))
                    failed.append(snapshot.snapshot_id)
    done = Reconciled(tuple(snapshots), tuple(disks), tuple(failed), freed)
    if snapshots or disks or failed:
        log.warning(
            "block store reconciled after a crash: dropped snapshots %s, disks %s; "
            "failed snapshots %s; %d bytes freed",
            snapshots,
            disks,
            failed,
            freed,
        )
    return done

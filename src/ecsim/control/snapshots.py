"""Snapshots: the ECS snapshots API over the block storage engine (ecsim.storage).

CreateSnapshot (and a policy's snapshot) whose disk has more to read than
``BACKGROUND_WORK`` answers at once with a ``progressing`` snapshot taken in the background
(``snapshot_jobs``): DescribeSnapshots shows the engine's real progress and the time left,
then ``accomplished`` (or ``failed``). A smaller one is taken inside the call: it would be
over before a client could poll it. The snapshots CreateImage takes of an instance's disks
are taken inside its call. Until accomplished, a snapshot makes no disk, image or rollback
(``InvalidSnapshotId.NotReady``). ResetDisk lives here too: it rolls a disk back to one of
its snapshots.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.custom_images import ImageRepository
from ecsim.control.disk_rules import (
    DiskRepository,
    SnapshotRepository,
    check_description,
    check_snapshot_name,
    incorrect_disk_status,
    incorrect_instance_status,
    require_accomplished,
)
from ecsim.control.error_builders import fixed
from ecsim.control.snapshot_jobs import Progress, SnapshotJobs
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.model.disk import Disk, DiskStatus
from ecsim.model.instance import InstanceStatus
from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.storage import BlockStore
from ecsim.storage.base import SnapshotNotFound
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import snapshots as codec

__all__ = [
    "DiskUsers",
    "NewSnapshot",
    "SnapshotChanges",
    "SnapshotQuery",
    "SnapshotView",
    "Snapshots",
]

# Manual snapshots one disk may keep (ECS: 256).
_MAX_PER_DISK = 256
# A snapshot reading more than this is taken after CreateSnapshot answers (~0.2 s of work at
# the engine's speed on a slow disk); below it, inside the call.
BACKGROUND_WORK = 256 << 20

_never_attached = fixed(
    "The specified disk has never been attached to an instance.",
    code="IncorrectDiskStatus.NeverAttached",
    http_status=403,
)
_creating = fixed(
    "The specified disk is creating a snapshot.",
    code="IncorrectDiskStatus.CreatingSnapshot",
    http_status=403,
)
_unfinished_snapshot = fixed(
    "The current disk has unfinished snapshot.",
    code="IncorrectDiskStatus.HasUnfinishedSnapshot",
    http_status=403,
)
_quota = fixed(
    "The disk holds as many snapshots as it may.", code="QuotaExceed.Snapshot", http_status=403
)
_created_disk = fixed(
    "The snapshot has been used to create disks; delete it with Force.",
    code="SnapshotCreatedDisk",
    http_status=403,
)
_created_image = fixed(
    "The snapshot has been used to create images; delete the images first.",
    code="SnapshotCreatedImage",
    http_status=403,
)
_mismatch = fixed(
    "The specified snapshot was not taken of the specified disk.",
    code="InvalidParameter.Mismatch",
    http_status=403,
)
_bad_source_disk_type = fixed(
    "The specified SourceDiskType is not valid.", code="InvalidSourceDiskType", http_status=404
)
_nothing_to_modify = fixed("No attribute to modify.", code="NoAttributeToModify", http_status=400)


@dataclass(frozen=True)
class NewSnapshot:
    disk_id: str
    name: str = ""
    description: str = ""
    retention_days: int | None = None
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class SnapshotQuery:
    """DescribeSnapshots filters; None filters nothing."""

    instance_id: str | None = None
    disk_id: str | None = None
    snapshot_ids: Sequence[str] | None = None
    name: str | None = None
    status: str | None = None
    snapshot_type: str | None = None
    source_disk_type: str | None = None
    usage: str | None = None
    tags: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class SnapshotChanges:
    name: str | None = None
    description: str | None = None
    retention_days: int | None = None


@dataclass(frozen=True)
class SnapshotView:
    snapshot: Snapshot
    # "disk" when disks were created from it, else "none"
    usage: str
    tags: Mapping[str, str]
    # a progressing snapshot's progress (None: none known, as after a restart)
    progress: Progress | None = None


class DiskUsers(Protocol):
    """The instances using disks (the data plane's ``DataplaneSync``)."""

    def disk_frozen(self, disk_id: str) -> AbstractContextManager[None]:
        """The disk's file systems in its running instance stay frozen for the block."""
        ...

    def release_disk(self, disk_id: str) -> None:
        """Return once no instance on its way down still holds the disk."""


class Snapshots:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        blocks: BlockStore,
        users: DiskUsers | None = None,
        jobs: SnapshotJobs | None = None,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._catalog = catalog
        self._tags = tags
        self._blocks = blocks
        self._users = users
        self._disks = DiskRepository(store)
        self._snapshots = SnapshotRepository(store)
        self._instances = InstanceRepository(store)
        self._images = ImageRepository(store)

    def create(self, account_id: str, spec: NewSnapshot, *, background: bool = False) -> Snapshot:
        """A snapshot of the disk; with ``background`` (CreateSnapshot), a large one is
        taken after the call answers."""
        disk = self._disks.get(account_id, spec.disk_id)
        if spec.name:
            check_snapshot_name(spec.name)
        if spec.description:
            check_description(spec.description, http_status=404)
        return self._take(disk, spec, "user", background=background)

    def create_automatic(
        self, account_id: str, disk_id: str, *, name: str, retention_days: int | None
    ) -> Snapshot:
        """A policy's snapshot: named ``auto_...`` (a prefix users may not take), type auto."""
        disk = self._disks.get(account_id, disk_id)
        spec = NewSnapshot(disk_id, name, retention_days=retention_days)
        return self._take(disk, spec, "auto", background=True)

    def _take(
        self, disk: Disk, spec: NewSnapshot, snapshot_type: str, *, background: bool
    ) -> Snapshot:
        account_id = disk.account_id
        self._check_snapshottable(disk)
        taken = self._of_disk(disk)
        if any(s.status is SnapshotStatus.PROGRESSING for s in taken):
            raise _creating()
        # ECS counts the per-disk quota over manual snapshots only
        if (
            snapshot_type == "user"
            and sum(s.snapshot_type == "user" for s in taken) >= _MAX_PER_DISK
        ):
            raise _quota()
        snapshot = Snapshot(
            snapshot_id=self._ids.new("snapshot"),
            account_id=account_id,
            region_id=disk.region_id,
            name=spec.name,
            description=spec.description,
            source_disk_id=disk.disk_id,
            source_disk_size_gib=disk.size_gib,
            source_disk_type=disk.disk_type.value,
            source_disk_category=disk.category,
            created_at=self._clock.now(),
            retention_days=spec.retention_days,
            resource_group_id=spec.resource_group_id,
            snapshot_type=snapshot_type,
        )
        # An attached disk is read once a stopped instance is down (its file systems written
        # out), or with its file systems frozen in a running one (a clean one either way)
        disk_id = disk.disk_id
        if self._users is not None and disk.status is DiskStatus.IN_USE:
            self._users.release_disk(disk_id)
        if disk.status is DiskStatus.IN_USE:
            # its instance writes the image behind the engine: only hashing tells changes
            self._blocks.untrack(disk_id)
        work = self._blocks.snapshot_work(disk_id)
        jobs = self._jobs if background and work > BACKGROUND_WORK else None
        if jobs is not None:
            snapshot = replace(snapshot, status=SnapshotStatus.PROGRESSING)
        self._snapshots.save(snapshot)
        owner = TagOwner(account_id, disk.region_id, codec.KIND, snapshot.snapshot_id)
        self._tags.attach(owner, spec.tags)
        if jobs is not None:
            jobs.start(disk_id, snapshot.snapshot_id, lambda: self._frozen(disk_id), work)
            return snapshot
        # last: a failure here rolls the record back; the engine leaves no partial snapshot
        with self._frozen(disk_id):
            self._blocks.snapshot(disk_id, snapshot.snapshot_id)
        return snapshot

    def settle(self) -> None:
        """Record the background snapshots that ended: accomplished, or failed."""
        if self._jobs is None:
            return
        for snapshot_id, error in self._jobs.ended():
            with self._store.transaction():
                record = self._snapshots.find(snapshot_id)
                if record is None:
                    # deleted while it was taken (or the call that began it rolled back)
                    with contextlib.suppress(SnapshotNotFound):
                        self._blocks.delete_snapshot(snapshot_id)
                    continue
                status = SnapshotStatus.FAILED if error else SnapshotStatus.ACCOMPLISHED
                self._snapshots.save(replace(record, status=status))

    def close(self) -> None:
        """Let background snapshots finish and record them (the server is stopping)."""
        if self._jobs is not None:
            self._jobs.close()
            self.settle()

    def _progress(self, snapshot: Snapshot) -> Progress | None:
        if self._jobs is None or snapshot.status is not SnapshotStatus.PROGRESSING:
            return None
        return self._jobs.progress(snapshot.snapshot_id)

    def _frozen(self, disk_id: str) -> AbstractContextManager[None]:
        if self._users is None:
            return contextlib.nullcontext()
        return self._users.disk_frozen(disk_id)

    def describe(self, account_id: str, region_id: str, query: SnapshotQuery) -> list[SnapshotView]:
        tagged = (
            self._tags.matching(account_id, region_id, codec.KIND, query.tags)
            if query.tags
            else None
        )
        wanted = set(query.snapshot_ids) if query.snapshot_ids is not None else None
        disks = self._disks.owned_by(account_id, region_id)
        used = {disk.source_snapshot_id for disk in disks if disk.source_snapshot_id}
        on_instance = (
            {disk.disk_id for disk in disks if disk.instance_id == query.instance_id}
            if query.instance_id is not None
            else None
        )
        views = []
        for snapshot in self._snapshots.owned_by(account_id, region_id):
            view = SnapshotView(
                snapshot,
                "disk" if snapshot.snapshot_id in used else "none",
                self._tags.of(codec.KIND, snapshot.snapshot_id),
                self._progress(snapshot),
            )
            if (
                (wanted is None or snapshot.snapshot_id in wanted)
                and (tagged is None or snapshot.snapshot_id in tagged)
                and (on_instance is None or snapshot.source_disk_id in on_instance)
                and _matches(view, query)
            ):
                views.append(view)
        return views

    def delete(self, account_id: str, snapshot_id: str, *, force: bool) -> None:
        snapshot = self._snapshots.get(account_id, snapshot_id)
        used = any(
            disk.source_snapshot_id == snapshot_id
            for disk in self._disks.owned_by(account_id, snapshot.region_id)
        )
        if used and not force:
            raise _created_disk()
        # images reference their snapshots (copies in other regions too); Force does not help
        if any(snapshot_id in image.snapshot_ids() for image in self._images.owned_by(account_id)):
            raise _created_image()
        self._snapshots.delete(snapshot_id)
        self._tags.forget(codec.KIND, snapshot_id)
        # the record may have outlived its blocks (a crash between the two): nothing to free
        with contextlib.suppress(SnapshotNotFound):
            self._blocks.delete_snapshot(snapshot_id)

    def modify(self, account_id: str, snapshot_id: str, changes: SnapshotChanges) -> None:
        if changes == SnapshotChanges():
            raise _nothing_to_modify()
        snapshot = self._snapshots.get(account_id, snapshot_id)
        if changes.name is not None:
            check_snapshot_name(changes.name)
        if changes.description is not None:
            check_description(changes.description, http_status=404)
        self._snapshots.save(
            replace(
                snapshot,
                name=snapshot.name if changes.name is None else changes.name,
                description=(
                    snapshot.description if changes.description is None else changes.description
                ),
                retention_days=(
                    snapshot.retention_days
                    if changes.retention_days is None
                    else changes.retention_days
                ),
            )
        )

    def reset_disk(self, account_id: str, disk_id: str, snapshot_id: str) -> None:
        """Roll the disk back to ``snapshot_id``: what was written since is gone."""
        disk = self._disks.get(account_id, disk_id)
        snapshot = self._snapshots.get(account_id, snapshot_id)
        if snapshot.source_disk_id != disk.disk_id:
            raise _mismatch()
        require_accomplished(snapshot)
        if any(s.status is SnapshotStatus.PROGRESSING for s in self._of_disk(disk)):
            raise _unfinished_snapshot()
        if disk.status is DiskStatus.IN_USE:
            instance = self._instances.get(account_id, disk.instance_id)
            if instance.status_at(self._clock.now()) is not InstanceStatus.STOPPED:
                raise incorrect_instance_status()
        if self._users is not None:
            # a Stopped instance may still be shutting down: its unmount writes the disk
            self._users.release_disk(disk_id)
        self._blocks.restore(snapshot_id, disk_id)

    def data_bytes(self, snapshot_id: str) -> int:
        """The bytes of the disk's data the snapshot holds (its non-zero blocks); 0 when the
        engine has no such snapshot."""
        try:
            info = self._blocks.snapshot_info(snapshot_id)
        except SnapshotNotFound:
            return 0
        return info.blocks * info.block_size

    # -- helpers

    def _check_snapshottable(self, disk: Disk) -> None:
        if disk.status is DiskStatus.IN_USE:
            instance = self._instances.get(disk.account_id, disk.instance_id)
            if instance.status_at(self._clock.now()) not in (
                InstanceStatus.RUNNING,
                InstanceStatus.STOPPED,
            ):
                raise incorrect_disk_status()
        elif not disk.ever_attached:
            raise _never_attached()

    def _of_disk(self, disk: Disk) -> list[Snapshot]:
        return [
            snapshot
            for snapshot in self._snapshots.owned_by(disk.account_id, disk.region_id)
            if snapshot.source_disk_id == disk.disk_id
        ]


def _matches(view: SnapshotView, query: SnapshotQuery) -> bool:
    snapshot = view.snapshot
    status = None if query.status in (None, "all") else query.status
    kind = None if query.snapshot_type in (None, "all") else query.snapshot_type
    source = (query.source_disk_type or "").lower() or None
    return (
        (query.disk_id is None or snapshot.source_disk_id == query.disk_id)
        and (query.name is None or snapshot.name == query.name)
        and (status is None or snapshot.status.value == status)
        and (kind is None or snapshot.snapshot_type == kind)
        and (source is None or snapshot.source_disk_type == source)
        and (query.usage is None or view.usage == query.usage)
    )

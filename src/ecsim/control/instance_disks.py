"""An instance's own disks: the system disk and DataDisk.N, created with it and released with it.

A custom image's instance gets a system disk made from the image's system snapshot, so it
boots with exactly the root that was snapshotted; a public image's gets an empty one (its OS
is the host's shared read-only layer; the instance formats it at its first boot). A custom
image's data-disk mappings become data disks too, each made from its mapping's snapshot at
its mapping's device; DataDisk.N naming such a device changes that disk (``image_mappings``).
A DataDisk.N.SnapshotId of the caller's makes its disk from that snapshot.

A launch plans its data disks first (``plan_data_disks``: every lookup and refusal, no write),
then writes the disk records in the launch's transaction; the sparse images are made only
once every instance of the batch is written (``make_images``), and undone if one of them
fails, so a refused launch leaves neither records nor images. Releasing an instance deletes
the disks marked DeleteWithInstance and detaches the others (they stay, Available).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ecsim.control.disk_rules import DiskRepository, SnapshotRepository, require_accomplished
from ecsim.control.error_builders import fixed
from ecsim.control.image_mappings import LaunchDataDisk, launch_data_disks
from ecsim.control.launch_checks import check_data_disk_sizes
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.model.image import Image
from ecsim.model.instance import Instance
from ecsim.model.instance_spec import LaunchMode, LaunchSpec
from ecsim.model.snapshot import Snapshot
from ecsim.storage import BlockStore
from ecsim.storage.base import DiskNotFound
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import disks as disk_codec

__all__ = ["InstanceDisks", "PendingImage"]

_GIB = 2**30
_SYSTEM_DEVICE = "/dev/xvda"
_DEFAULT_CATEGORY = "cloud_efficiency"

# DataDisk.N.SnapshotId that is not the caller's in the region: RunInstances' table has this
# code, CreateInstance's only the 404 one
_snapshot_not_found = fixed(
    "The specified parameter SnapshotId is not exist.",
    code="InvalidSnapshotId.NotFound",
    http_status=400,
)
_data_snapshot_not_found = fixed(
    'The specified parameter "DataDisk.n.SnapshotId" is not valid.',
    code="InvalidDataDiskSnapshotId.NotFound",
    http_status=404,
)


@dataclass(frozen=True)
class PendingImage:
    """A disk record whose block image is still to be made."""

    disk_id: str
    size_gib: int
    snapshot_id: str | None = None


class InstanceDisks:
    def __init__(self, store: Store, ids: IdFactory, tags: Tags, blocks: BlockStore) -> None:
        self._ids = ids
        self._tags = tags
        self._blocks = blocks
        self._disks = DiskRepository(store)
        self._snapshots = SnapshotRepository(store)

    def plan_data_disks(
        self, account_id: str, region_id: str, image: Image, spec: LaunchSpec, mode: LaunchMode
    ) -> list[LaunchDataDisk]:
        """The data disks an instance of ``image`` gets from the image's mappings and
        DataDisk.N, each checked (snapshots, sizes, devices); reads only, so a refusal here
        leaves nothing written."""
        disks = launch_data_disks(
            image.disk_device_mappings,
            spec.data_disks,
            mapped_snapshot_size=self._mapped_snapshot_size,
            usable_snapshot=lambda snapshot_id: self._usable_snapshot(
                account_id, region_id, snapshot_id, mode
            ),
        )
        check_data_disk_sizes(disks)
        return disks

    def create_records(
        self,
        instance: Instance,
        spec: LaunchSpec,
        system_size: int,
        data_disks: Sequence[LaunchDataDisk],
        system_snapshot: str | None = None,
    ) -> list[PendingImage]:
        """The instance's disk records (tagged as the instance is); the images to make.
        ``data_disks``: as ``plan_data_disks`` planned them; ``system_snapshot``: what the
        system disk is made from (its image's)."""
        system = spec.system_disk
        disks = [
            self._disk(
                instance,
                DiskType.SYSTEM,
                category=system.category or _DEFAULT_CATEGORY,
                size_gib=system_size,
                device=_SYSTEM_DEVICE,
                name=system.name,
                description=system.description,
                performance_level=system.performance_level,
                delete_with_instance=True,
                snapshot_id=system_snapshot or "",
            )
        ]
        disks += [self._data_disk(instance, data) for data in data_disks]
        for disk in disks:
            self._disks.save(disk)
            owner = TagOwner(disk.account_id, disk.region_id, disk_codec.KIND, disk.disk_id)
            self._tags.attach(owner, spec.tags)
        return [PendingImage(d.disk_id, d.size_gib, d.source_snapshot_id or None) for d in disks]

    def make_images(self, pending: Sequence[PendingImage]) -> None:
        """Every image, or none: one that fails takes those already made with it."""
        made: list[str] = []
        try:
            for image in pending:
                if image.snapshot_id:
                    self._blocks.create_disk_from_snapshot(
                        image.disk_id, image.snapshot_id, image.size_gib * _GIB
                    )
                else:
                    self._blocks.create_disk(image.disk_id, image.size_gib * _GIB)
                made.append(image.disk_id)
        except BaseException:
            self.drop_images(made)
            raise

    def drop_images(self, disk_ids: Sequence[str]) -> None:
        for disk_id in disk_ids:
            # a record may have outlived its image (a crash between the two): nothing to free
            with contextlib.suppress(DiskNotFound):
                self._blocks.delete_disk(disk_id)

    def release(self, instance: Instance, now: datetime) -> list[str]:
        """Delete the DeleteWithInstance disks' records, detach the rest; the ids whose images
        the caller frees once the release is committed."""
        doomed: list[str] = []
        for disk in self.of(instance):
            if disk.delete_with_instance:
                self._disks.delete(disk.disk_id)
                self._tags.forget(disk_codec.KIND, disk.disk_id)
                doomed.append(disk.disk_id)
                continue
            self._disks.save(
                replace(
                    disk,
                    status=DiskStatus.AVAILABLE,
                    instance_id="",
                    device="",
                    detached_at=now,
                )
            )
        return doomed

    def of(self, instance: Instance) -> list[Disk]:
        return [
            disk
            for disk in self._disks.owned_by(instance.account_id, instance.region_id)
            if disk.instance_id == instance.instance_id
        ]

    # -- helpers

    def _mapped_snapshot_size(self, snapshot_id: str) -> int:
        # an image's snapshot may be another account's (a shared image, or a copy of one)
        snapshot = self._snapshots.find(snapshot_id)
        return 0 if snapshot is None else snapshot.source_disk_size_gib

    def _usable_snapshot(
        self, account_id: str, region_id: str, snapshot_id: str, mode: LaunchMode
    ) -> Snapshot:
        """DataDisk.N.SnapshotId: the caller's own, in the launch's region, accomplished."""
        snapshot = self._snapshots.find(snapshot_id)
        if snapshot is None or (snapshot.account_id, snapshot.region_id) != (
            account_id,
            region_id,
        ):
            raise (_snapshot_not_found if mode is LaunchMode.RUN else _data_snapshot_not_found)()
        require_accomplished(snapshot)
        return snapshot

    def _data_disk(self, instance: Instance, planned: LaunchDataDisk) -> Disk:
        # DeleteWithInstance defaults to true, as for any DataDisk.N, mapped disks' too
        data = planned.spec
        return self._disk(
            instance,
            DiskType.DATA,
            category=planned.category,
            size_gib=planned.size_gib,
            device=planned.device,
            name=data.name,
            description=data.description,
            performance_level=data.performance_level,
            delete_with_instance=data.delete_with_instance,
            snapshot_id=planned.snapshot_id,
        )

    def _disk(
        self,
        instance: Instance,
        disk_type: DiskType,
        *,
        category: str,
        size_gib: int,
        device: str,
        name: str,
        description: str,
        performance_level: str,
        delete_with_instance: bool,
        snapshot_id: str = "",
    ) -> Disk:
        if category == "cloud_essd" and not performance_level:
            performance_level = "PL1"
        elif category != "cloud_essd":
            performance_level = ""
        return Disk(
            disk_id=self._ids.new("disk"),
            account_id=instance.account_id,
            region_id=instance.region_id,
            zone_id=instance.zone_id,
            name=name,
            description=description,
            category=category,
            size_gib=size_gib,
            created_at=instance.created_at,
            status=DiskStatus.IN_USE,
            disk_type=disk_type,
            performance_level=performance_level,
            instance_id=instance.instance_id,
            device=device,
            source_snapshot_id=snapshot_id,
            delete_with_instance=delete_with_instance,
            portable=disk_type is DiskType.DATA,
            resource_group_id=instance.resource_group_id,
            attached_at=instance.created_at,
        )

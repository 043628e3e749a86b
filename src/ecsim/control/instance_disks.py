"""An instance's own disks: the system disk and DataDisk.N, created with it and released with it.

A custom image's instance gets a system disk made from the image's system snapshot, so it
boots with exactly the root that was snapshotted; a public image's gets an empty one (its OS
is the host's shared read-only layer; the instance formats it at its first boot).

Launching writes the disk records in the launch's transaction; the sparse images are made
only once every instance of the batch is written (``make_images``), and undone if one of them
fails, so a refused launch leaves neither records nor images. Releasing an instance deletes
the disks marked DeleteWithInstance and detaches the others (they stay, Available).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ecsim.control.disk_rules import DiskRepository, SnapshotRepository
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.model.instance import Instance
from ecsim.model.instance_spec import DataDiskSpec, LaunchSpec
from ecsim.storage import BlockStore
from ecsim.storage.base import DiskNotFound
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import disks as disk_codec

__all__ = ["InstanceDisks", "PendingImage"]

_GIB = 2**30
_SYSTEM_DEVICE = "/dev/xvda"
_DATA_DEVICES = tuple(f"/dev/xvd{letter}" for letter in "bcdefghijklmnopq")
_DEFAULT_CATEGORY = "cloud_efficiency"
# a data disk given neither Size nor SnapshotId: the smallest cloud_efficiency disk
_DEFAULT_DATA_SIZE = 20


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

    def create_records(
        self,
        instance: Instance,
        spec: LaunchSpec,
        system_size: int,
        system_snapshot: str | None = None,
    ) -> list[PendingImage]:
        """The instance's disk records (tagged as the instance is); the images to make.
        ``system_snapshot``: what the system disk is made from (its image's)."""
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
        disks += [
            self._data_disk(instance, data, device)
            for data, device in zip(spec.data_disks, _DATA_DEVICES, strict=False)
        ]
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

    def _data_disk(self, instance: Instance, data: DataDiskSpec, device: str) -> Disk:
        size = data.size
        if data.snapshot_id:
            snapshot = self._snapshots.get(
                instance.account_id, data.snapshot_id, instance.region_id
            )
            # a snapshot larger than Size wins, as for CreateDisk
            size = max(size or 0, snapshot.source_disk_size_gib)
        return self._disk(
            instance,
            DiskType.DATA,
            category=data.category or _DEFAULT_CATEGORY,
            size_gib=size or _DEFAULT_DATA_SIZE,
            device=device,
            name=data.name,
            description=data.description,
            performance_level=data.performance_level,
            delete_with_instance=data.delete_with_instance,
            snapshot_id=data.snapshot_id or "",
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

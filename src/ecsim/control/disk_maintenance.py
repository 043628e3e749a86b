"""ResizeDisk and ReInitDisk: a disk grows (never shrinks), or goes back to how it began.

Growing extends the sparse image: what the disk holds stays, the new tail reads as zeros; the
partitions and file systems inside are the guest's to grow, as on ECS. Type=offline (the
default) takes effect when the disk's instance next boots (a RebootInstance, or a stop and
start); Type=online at once: the running instance's device shows the new size before the call
returns (``online_resizes``), so growpart/resize2fs can follow. Re-initialising puts a
disk back to its first state: a data disk made empty is empty again, one made from a
snapshot is that snapshot again, and a system disk is its image again (a custom image's
system snapshot; a public image's OS is the host's shared read-only layer, so its system disk
starts, and restarts, empty). Either way the engine's write comes last, after every check and
record, so a refusal leaves the disk as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository, KeyPairRepository
from ecsim.control.disk_rules import (
    DiskRepository,
    SnapshotRepository,
    incorrect_disk_status,
    incorrect_instance_status,
    size_range,
)
from ecsim.control.error_builders import fixed
from ecsim.control.images import Images
from ecsim.control.online_resizes import record_online_size
from ecsim.errors import EcsError
from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.model.instance import Instance, InstanceStatus
from ecsim.model.instance_attributes import parse_password
from ecsim.storage import BlockStore
from ecsim.storage.base import SnapshotNotFound
from ecsim.store.base import Store

__all__ = ["DiskHolders", "DiskMaintenance", "Reinit"]

_GIB = 2**30
# ResizeDisk's ceilings for system disks (its documentation); data disks grow as far as
# CreateDisk could have made them (reference §4.1)
_SYSTEM_MAX_GIB = {"cloud": 500}
_SYSTEM_DEFAULT_MAX_GIB = 2048
# Online resizing (ResizeDisk's Type): a category its documentation lists (ultra, SSD and
# ESSD disks, AutoPL an ESSD; not the basic ``cloud``), and a Running instance where the disk
# is attached. A disk attached nowhere grows either way (nothing shows it): no refusal.
_ONLINE_CATEGORIES = frozenset({"cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"})

_too_small = fixed(
    "Specified new disk size is less than the original disk size.",
    code="InvalidDiskSize.TooSmall",
    http_status=403,
)
_not_larger = fixed(
    "Specified new disk size is less than or equal the original disk size.",
    code="InvalidDiskSize",
    http_status=403,
)
_too_large = fixed(
    "Specified new disk size is beyond the permitted range.",
    code="InvalidDiskSize.TooLarge",
    http_status=403,
)
_detached_system_disk = fixed(
    "The specified disk is a detached system disk, does not support this operation.",
    code="InvalidDisk.DetachedSystemDisk",
    http_status=400,
)
_online_category = fixed(
    "The specified disk category does not support resizing online.",
    code="InvalidDiskCategory.NotSupported",
    http_status=403,
)
_not_running = fixed(
    "The status of instance to which the disk attachs must be running when resizing online.",
    code="InvalidInstanceStatus.NotRunning",
    http_status=403,
)
_source_snapshot_gone = fixed(
    "The snapshot which is used to create the specified disk has been deleted.",
    code="InvalidSourceSnapshot",
    http_status=403,
)
_image_gone = fixed(
    "The operation is not supported due to image not exist.",
    code="InvalidDiskId.OperationNotSupported",
    http_status=404,
)
_key_pair_not_found = fixed(
    "The specified KeyPairName does not exist.", code="InvalidKeyPairName.NotFound", http_status=400
)
_windows_key_pair = fixed(
    "The instance creating is windows, cannot use ssh key pair to login.",
    code="DependencyViolation.WindowsInstance",
    http_status=403,
)


class DiskHolders(Protocol):
    """Who may still hold a disk open (the data plane, while an instance shuts down)."""

    def release_disk(self, disk_id: str) -> None:
        """Return once nothing holds the disk any more."""


@dataclass(frozen=True)
class Reinit:
    """ReInitDisk's credentials for the instance of a re-initialised system disk."""

    password: str | None = None
    key_pair_name: str | None = None


class DiskMaintenance:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        blocks: BlockStore,
        images: Images,
        holders: DiskHolders | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._blocks = blocks
        self._images = images
        self._holders = holders
        self._disks = DiskRepository(store)
        self._snapshots = SnapshotRepository(store)
        self._instances = InstanceRepository(store)
        self._key_pairs = KeyPairRepository(store)

    def resize(self, account_id: str, disk_id: str, new_size_gib: int, *, online: bool) -> Disk:
        disk = self._disks.get(account_id, disk_id)
        if disk.disk_type is DiskType.SYSTEM and disk.status is DiskStatus.AVAILABLE:
            raise _detached_system_disk()
        if online and disk.category not in _ONLINE_CATEGORIES:
            raise _online_category()
        if disk.status is DiskStatus.IN_USE:
            status = self._instances.get(account_id, disk.instance_id).status_at(self._clock.now())
            if online and status is not InstanceStatus.RUNNING:
                raise _not_running()
            if status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
                raise incorrect_instance_status()
        if new_size_gib < disk.size_gib:
            raise _too_small()
        if new_size_gib == disk.size_gib:
            raise _not_larger()
        if new_size_gib > _ceiling(disk):
            raise _too_large()
        resized = replace(disk, size_gib=new_size_gib)
        self._disks.save(resized)
        if online and disk.status is DiskStatus.IN_USE:
            record_online_size(self._store, resized)
        # last: the image is the one write the store's transaction cannot take back
        self._blocks.resize_disk(disk_id, new_size_gib * _GIB)
        return resized

    def reinit(self, account_id: str, disk_id: str, spec: Reinit) -> Instance:
        """Put the disk back to its first state; returns its (Stopped) instance."""
        disk = self._disks.get(account_id, disk_id)
        if disk.status is not DiskStatus.IN_USE:
            raise incorrect_disk_status()
        instance = self._instances.get(account_id, disk.instance_id)
        # Stopped, and started at least once before (reference: ReInitDisk's notes)
        stopped = instance.status_at(self._clock.now()) is InstanceStatus.STOPPED
        if not stopped or instance.started_at is None:
            raise incorrect_instance_status()
        windows = self._images.is_windows(
            instance.region_id, instance.image_id, account_id=account_id
        )
        if spec.password:
            parse_password(spec.password, windows=windows)
        if spec.key_pair_name:
            if windows:
                raise _windows_key_pair()
            if self._key_pairs.named(account_id, instance.region_id, spec.key_pair_name) is None:
                raise _key_pair_not_found()
        source = self._first_state(disk, instance)
        if disk.disk_type is DiskType.SYSTEM and (spec.password or spec.key_pair_name):
            instance = replace(
                instance,
                password=spec.password or instance.password,
                key_pair_name=spec.key_pair_name or instance.key_pair_name,
            )
            self._instances.save(instance)
        if self._holders is not None:
            # a Stopped instance may still be shutting down: its unmount writes the disk
            self._holders.release_disk(disk_id)
        # last, as for resize
        if source is None:
            self._blocks.wipe_disk(disk_id)
        else:
            self._blocks.restore(source, disk_id)
        return instance

    def _first_state(self, disk: Disk, instance: Instance) -> str | None:
        """The snapshot the disk began as, or None for an empty disk."""
        if disk.disk_type is DiskType.DATA:
            if not disk.source_snapshot_id:
                return None
            return self._existing(disk.source_snapshot_id, _source_snapshot_gone)
        image = self._images.find(instance.region_id, instance.image_id, account_id=disk.account_id)
        if image is None:
            raise _image_gone()
        snapshot_id = image.system_snapshot_id
        return None if snapshot_id is None else self._existing(snapshot_id, _image_gone)

    def _existing(self, snapshot_id: str, refusal: Callable[[], EcsError]) -> str:
        if self._snapshots.find(snapshot_id) is None:
            raise refusal()
        try:
            self._blocks.snapshot_info(snapshot_id)
        except SnapshotNotFound:  # a record whose blocks are gone is gone too
            raise refusal() from None
        return snapshot_id


def _ceiling(disk: Disk) -> int:
    if disk.disk_type is DiskType.SYSTEM:
        return _SYSTEM_MAX_GIB.get(disk.category, _SYSTEM_DEFAULT_MAX_GIB)
    try:
        return size_range(disk.category, disk.performance_level)[1]
    except KeyError:  # a category ecsim sells no disks of
        return disk.size_gib

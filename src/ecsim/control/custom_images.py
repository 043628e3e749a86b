"""Custom images: CreateImage, DeleteImage and CopyImage (reference §4.4).

An image references its snapshots; it copies no blocks, so making one takes the same time
whatever the disks' sizes, and it is Available as soon as the call returns (Progress 100%).
From an InstanceId, every disk of the instance is snapshotted (system first, then data disks
by device) and the image references those snapshots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.disk_rules import SnapshotRepository, check_description
from ecsim.control.error_builders import fixed
from ecsim.control.resource_repository import ResourceRepository
from ecsim.control.tags import Tags
from ecsim.errors import MissingParameter
from ecsim.ids import IdFactory
from ecsim.model.disk import DiskType
from ecsim.model.image import (
    Architecture,
    DiskDeviceMapping,
    Image,
    ImageBootMode,
    ImageOwnerAlias,
    ImageStatus,
    OSType,
)
from ecsim.model.instance import InstanceStatus
from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.model.tag import Tag
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import images as codec

if TYPE_CHECKING:
    # these import this module (their delete checks look for images): typing only
    from ecsim.control.disks import Disks
    from ecsim.control.snapshots import Snapshots

__all__ = ["CustomImages", "ImageRepository", "NewImage", "NewMapping", "image_not_found"]

# Data disks one image may describe, besides its system disk.
_MAX_DATA_DISKS = 16
_MAX_DISK_GIB = 32768
_SYSTEM_DEVICE = "/dev/xvda"
_DEVICE = re.compile(r"/dev/xvd[a-z]")
# 2-128 characters, starting with a letter or a Chinese character
_NAME = re.compile(r"[A-Za-z\u4e00-\u9fa5][\w\u4e00-\u9fa5.:\-]{1,127}")

image_not_found = fixed(
    "The specified ImageId does not exist.", code="InvalidImageId.NotFound", http_status=404
)
_name_malformed = fixed(
    "The specified ImageName is wrongly formed.", code="InvalidImageName.Malformed", http_status=400
)
_name_duplicated = fixed(
    "The specified ImageName is already in use.",
    code="InvalidImageName.Duplicated",
    http_status=400,
)
_snapshot_not_ready = fixed(
    "The specified snapshot has not completed yet.",
    code="InvalidSnapshotId.NotReady",
    http_status=403,
)
_no_system_snapshot = fixed(
    "A system disk snapshot is required to create an image.",
    code="InvalidSystemSnapshot.Missing",
    http_status=403,
)
_instance_status = fixed(
    "The current status of the instance does not support this operation.",
    code="IncorrectInstanceStatus",
    http_status=400,
)
_no_system_disk = fixed(
    "The specified instance has no system disk to create an image from.",
    code="InvalidInstance.NotFoundSystemDisk",
    http_status=400,
)
_device_malformed = fixed(
    "The specified Device is wrongly formed.", code="InvalidDevice.Malformed", http_status=400
)
_device_in_use = fixed(
    "The specified Device is used more than once.", code="InvalidDevice.InUse", http_status=400
)
_disk_count = fixed(
    "An image has exactly one system disk and at most 16 data disks.",
    code="InvalidParameter.DiskType",
    http_status=400,
)
_size = fixed(
    "The specified Size is not supported.", code="InvalidSize.ValueNotSupported", http_status=400
)
_using = fixed(
    "The specified image is used by instances; delete it with Force.",
    code="ImageUsingByInstance",
    http_status=403,
)
_shared = fixed(
    "The specified image is shared with other accounts; stop sharing it first.",
    code="ImageUseShared",
    http_status=403,
)
_not_available = fixed(
    "The specified image is not Available.", code="IncorrectImageStatus", http_status=400
)
_destination_not_found = fixed(
    "The specified DestinationRegionId does not exist.",
    code="DestinationRegion.NotFound",
    http_status=400,
)
_same_region_only = fixed(
    "A shared image can only be copied within its own region.",
    code="OperationDenied.SameRegionOnly",
    http_status=403,
)


@dataclass(frozen=True)
class NewMapping:
    """DiskDeviceMapping.N as given; None: not given."""

    snapshot_id: str | None = None
    size_gib: int | None = None
    device: str | None = None
    # "system" or "data"; the wire layer has checked the value
    disk_type: str | None = None


@dataclass(frozen=True)
class NewImage:
    region_id: str
    # sources, by priority: instance > mappings > snapshot
    instance_id: str | None = None
    mappings: tuple[NewMapping, ...] = ()
    snapshot_id: str | None = None
    name: str = ""
    description: str = ""
    family: str = ""
    version: str = ""
    platform: str = ""
    architecture: Architecture = Architecture.X86_64
    boot_mode: ImageBootMode = ImageBootMode.BIOS
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class ImageCopy:
    destination_region_id: str
    name: str = ""
    description: str = ""
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


class ImageRepository(ResourceRepository[Image]):
    def __init__(self, store: Store) -> None:
        super().__init__(store, codec.KIND, codec.encode_image, codec.decode_image, image_not_found)


class CustomImages:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        catalog: Catalog,
        tags: Tags,
        snapshots: Snapshots | None = None,
        disks: Disks | None = None,
    ) -> None:
        # snapshots and disks are needed only for images made from an instance
        self._snapshot_taker = snapshots
        self._disks = disks
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._tags = tags
        self._images = ImageRepository(store)
        self._snapshots = SnapshotRepository(store)
        self._instances = InstanceRepository(store)

    def create(self, account_id: str, spec: NewImage) -> Image:
        self._check_text(account_id, spec.region_id, spec.name, spec.description)
        if spec.instance_id is not None:
            mappings = self._from_instance(account_id, spec.region_id, spec.instance_id)
        elif spec.mappings:
            mappings = self._mappings(account_id, spec.region_id, spec.mappings)
        elif spec.snapshot_id is not None:
            # a snapshot given alone becomes the image's system disk, whatever disk it came from
            snapshot = self._usable_snapshot(account_id, spec.region_id, spec.snapshot_id)
            mappings = (_mapping(snapshot, _SYSTEM_DEVICE, "system", None),)
        else:
            raise MissingParameter("SnapshotId")
        platform = spec.platform or "Others Linux"
        image = Image(
            image_id=self._ids.new("image"),
            name=spec.name,
            owner_alias=ImageOwnerAlias.SELF,
            os_type=OSType.WINDOWS if platform.lower().startswith("windows") else OSType.LINUX,
            os_name=platform,
            os_name_en=platform,
            platform=platform,
            architecture=spec.architecture,
            boot_mode=spec.boot_mode,
            size_gib=mappings[0].size_gib,
            status=ImageStatus.AVAILABLE,
            created_at=self._clock.now(),
            description=spec.description,
            family=spec.family,
            version=spec.version,
            account_id=account_id,
            region_id=spec.region_id,
            resource_group_id=spec.resource_group_id,
            is_public=False,
            disk_device_mappings=mappings,
        )
        self._save_new(image, spec.tags)
        return image

    def _from_instance(
        self, account_id: str, region_id: str, instance_id: str
    ) -> tuple[DiskDeviceMapping, ...]:
        """Snapshot each disk of the instance (Running or Stopped), system disk first."""
        from ecsim.control.snapshots import NewSnapshot  # imports this module: here, not above

        instance = self._instances.get(account_id, instance_id, region_id)
        if instance.status_at(self._clock.now()) not in (
            InstanceStatus.RUNNING,
            InstanceStatus.STOPPED,
        ):
            raise _instance_status()
        disks = [] if self._disks is None else self._disks.attached_to(account_id, instance_id)
        system = [d for d in disks if d.disk_type is DiskType.SYSTEM]
        if not system or self._snapshot_taker is None:
            raise _no_system_disk()
        data = sorted((d for d in disks if d.disk_type is DiskType.DATA), key=lambda d: d.device)
        mappings: list[DiskDeviceMapping] = []
        for disk in (*system, *data):
            snapshot = self._snapshot_taker.create(account_id, NewSnapshot(disk.disk_id))
            kind = "system" if disk.disk_type is DiskType.SYSTEM else "data"
            device = _SYSTEM_DEVICE if kind == "system" else disk.device
            mappings.append(_mapping(snapshot, device, kind, disk.size_gib))
        return tuple(mappings)

    def delete(self, account_id: str, region_id: str, image_id: str, *, force: bool) -> None:
        image = self._images.get(account_id, image_id, region_id)
        if image.shares:
            raise _shared()
        used = any(
            instance.image_id == image_id
            for instance in self._instances.owned_by(account_id, region_id)
        )
        if used and not force:
            raise _using()
        self._images.delete(image_id)
        self._tags.forget(codec.KIND, image_id)

    def copy(self, account_id: str, region_id: str, image_id: str, spec: ImageCopy) -> Image:
        source = self._images.find(image_id)
        if source is None or source.region_id != region_id:
            raise image_not_found()
        if source.account_id != account_id:
            if not source.shared_with(account_id):
                raise image_not_found()
            if spec.destination_region_id != region_id:
                raise _same_region_only()
        if self._catalog.region(spec.destination_region_id) is None:
            raise _destination_not_found()
        if source.status is not ImageStatus.AVAILABLE:
            raise _not_available()
        self._check_text(account_id, spec.destination_region_id, spec.name, spec.description)
        copied = replace(
            source,
            image_id=self._ids.new("image"),
            name=spec.name,
            description=spec.description,
            account_id=account_id,
            region_id=spec.destination_region_id,
            resource_group_id=spec.resource_group_id,
            created_at=self._clock.now(),
            is_copied=True,
            owner_alias=ImageOwnerAlias.SELF,
            shares=(),
        )
        self._save_new(copied, spec.tags)
        return copied

    # -- helpers

    def _save_new(self, image: Image, tags: tuple[Tag, ...]) -> None:
        self._images.save(image)
        owner = TagOwner(image.account_id, image.region_id, codec.KIND, image.image_id)
        self._tags.attach(owner, tags)

    def _check_text(self, account_id: str, region_id: str, name: str, description: str) -> None:
        if name:
            if not _NAME.fullmatch(name) or name.lower().startswith(("http:", "https:")):
                raise _name_malformed()
            if any(i.name == name for i in self._images.owned_by(account_id, region_id)):
                raise _name_duplicated()
        if description:
            check_description(description)

    def _usable_snapshot(self, account_id: str, region_id: str, snapshot_id: str) -> Snapshot:
        snapshot = self._snapshots.get(account_id, snapshot_id, region_id)
        if snapshot.status is not SnapshotStatus.ACCOMPLISHED:
            raise _snapshot_not_ready()
        return snapshot

    def _mappings(
        self, account_id: str, region_id: str, given: tuple[NewMapping, ...]
    ) -> tuple[DiskDeviceMapping, ...]:
        system = [m for m in given if _disk_type(m, given) == "system"]
        if not system:
            raise _no_system_snapshot()
        if len(system) > 1 or len(given) - 1 > _MAX_DATA_DISKS:
            raise _disk_count()
        if system[0].snapshot_id is None:
            raise _no_system_snapshot()
        used: set[str] = set()
        result: list[DiskDeviceMapping] = []
        for mapping in (system[0], *(m for m in given if m is not system[0])):
            kind = _disk_type(mapping, given)
            device = mapping.device or _next_device(used, kind, given)
            if not _DEVICE.fullmatch(device) or (kind == "system") != (device == _SYSTEM_DEVICE):
                raise _device_malformed()
            if device in used:
                raise _device_in_use()
            used.add(device)
            if mapping.snapshot_id is None:
                if mapping.size_gib is None or not 1 <= mapping.size_gib <= _MAX_DISK_GIB:
                    raise _size()
                result.append(DiskDeviceMapping(device, mapping.size_gib, kind))
                continue
            snapshot = self._usable_snapshot(account_id, region_id, mapping.snapshot_id)
            result.append(_mapping(snapshot, device, kind, mapping.size_gib))
        return tuple(result)


def _disk_type(mapping: NewMapping, given: tuple[NewMapping, ...]) -> str:
    """The mapping's type; when not given, the first mapping (or /dev/xvda) is the system
    disk and the rest are data disks."""
    if mapping.disk_type is not None:
        return mapping.disk_type
    if mapping.device is not None:
        return "system" if mapping.device == _SYSTEM_DEVICE else "data"
    return "system" if mapping is given[0] else "data"


def _next_device(used: set[str], kind: str, given: tuple[NewMapping, ...]) -> str:
    if kind == "system":
        return _SYSTEM_DEVICE
    taken = used | {m.device for m in given if m.device}
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"/dev/xvd{letter}" not in taken:
            return f"/dev/xvd{letter}"
    raise _disk_count()


def _mapping(snapshot: Snapshot, device: str, kind: str, size_gib: int | None) -> DiskDeviceMapping:
    size = snapshot.source_disk_size_gib if size_gib is None else size_gib
    # a disk made from the snapshot cannot be smaller than the snapshot's disk
    if not snapshot.source_disk_size_gib <= size <= _MAX_DISK_GIB:
        raise _size()
    return DiskDeviceMapping(device, size, kind, snapshot.snapshot_id)

"""Custom images: CreateImage, DeleteImage, CopyImage and CancelCopyImage (reference §4.4).

An image references its snapshots; it copies no blocks, so making one takes the same time
whatever the disks' sizes, and it is Available as soon as the call returns (Progress 100%).
From an InstanceId, every disk of the instance is snapshotted (system first, then data disks
by device) and the image references those snapshots.

A copy references the source's snapshots too, so no byte moves; it stays Creating for as long
as moving the image's data would take (``Delays.image_copy``), with its Progress, and until
then CancelCopyImage removes it and DeleteImage refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.disk_rules import SnapshotRepository, check_description, require_accomplished
from ecsim.control.error_builders import fixed
from ecsim.control.image_mappings import (
    SYSTEM_DEVICE,
    NewMapping,
    build_mappings,
    snapshot_mapping,
)
from ecsim.control.resource_repository import ResourceRepository
from ecsim.control.tags import Tags
from ecsim.delays import Delays
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
from ecsim.model.snapshot import Snapshot
from ecsim.model.tag import Tag
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import images as codec

if TYPE_CHECKING:
    # these import this module (their delete checks look for images): typing only
    from ecsim.control.disks import Disks
    from ecsim.control.snapshots import Snapshots

__all__ = [
    "CustomImages",
    "ImageCopy",
    "ImageRepository",
    "NewImage",
    "NewMapping",
    "image_not_found",
]

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
_copying = fixed("The Image is coping.", code="OperationDenied.ImageCopying", http_status=403)
_importing = fixed("The specified Image is importing.", code="ImageIsImporting", http_status=403)
_not_a_copy = fixed(
    "The specified image is not the target image of a copy action.",
    code="ImageCreatedNotFromCopy",
    http_status=400,
)
_copy_done = fixed(
    "The specified image is not being copied.", code="IncorrectImageStatus", http_status=400
)


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
        delays: Delays | None = None,
    ) -> None:
        # snapshots and disks are needed only for images made from an instance (and
        # snapshots to time a copy by its data)
        self._snapshot_taker = snapshots
        self._disks = disks
        self.delays = delays or Delays()
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._tags = tags
        self._images = ImageRepository(store)
        self._snapshots = SnapshotRepository(store)
        self._instances = InstanceRepository(store)

    def create(self, account_id: str, spec: NewImage) -> Image:
        self.check_text(account_id, spec.region_id, spec.name, spec.description)
        if spec.instance_id is not None:
            mappings = self._from_instance(account_id, spec.region_id, spec.instance_id)
        elif spec.mappings:
            mappings = build_mappings(
                spec.mappings,
                lambda snapshot_id: self._usable_snapshot(account_id, spec.region_id, snapshot_id),
            )
        elif spec.snapshot_id is not None:
            # a snapshot given alone becomes the image's system disk, whatever disk it came from
            snapshot = self._usable_snapshot(account_id, spec.region_id, spec.snapshot_id)
            mappings = (snapshot_mapping(snapshot, SYSTEM_DEVICE, "system", None),)
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
        self.save_new(image, spec.tags)
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
            device = SYSTEM_DEVICE if kind == "system" else disk.device
            mappings.append(snapshot_mapping(snapshot, device, kind, disk.size_gib))
        return tuple(mappings)

    def delete(self, account_id: str, region_id: str, image_id: str, *, force: bool) -> None:
        image = self._images.get(account_id, image_id, region_id)
        if image.shares:
            raise _shared()
        if image.status_at(self._clock.now()) is ImageStatus.CREATING:
            # an import finishes on its own; a copy is called off with CancelCopyImage
            raise _importing() if image.is_imported else _copying()
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
        now = self._clock.now()
        if source.status_at(now) is not ImageStatus.AVAILABLE:
            raise _not_available()
        self.check_text(account_id, spec.destination_region_id, spec.name, spec.description)
        takes = self.delays.image_copy(self._data_bytes(source))
        copied = replace(
            source,
            image_id=self._ids.new("image"),
            name=spec.name,
            description=spec.description,
            account_id=account_id,
            region_id=spec.destination_region_id,
            resource_group_id=spec.resource_group_id,
            created_at=now,
            is_copied=True,
            is_imported=False,
            owner_alias=ImageOwnerAlias.SELF,
            shares=(),
            ready_at=now + takes if takes else None,
        )
        self.save_new(copied, spec.tags)
        return copied

    def cancel_copy(self, account_id: str, region_id: str, image_id: str) -> None:
        """Call off a copy still in progress: the copy goes, the source stays."""
        image = self._images.get(account_id, image_id, region_id)
        if not image.is_copied:
            raise _not_a_copy()
        if image.status_at(self._clock.now()) is not ImageStatus.CREATING:
            raise _copy_done()
        self._images.delete(image_id)
        self._tags.forget(codec.KIND, image_id)

    def _data_bytes(self, image: Image) -> int:
        """The bytes an image's snapshots hold (zero blocks are not data)."""
        if self._snapshot_taker is None:
            return 0
        return sum(self._snapshot_taker.data_bytes(sid) for sid in image.snapshot_ids())

    # -- helpers

    def save_new(self, image: Image, tags: tuple[Tag, ...]) -> None:
        self._images.save(image)
        owner = TagOwner(image.account_id, image.region_id, codec.KIND, image.image_id)
        self._tags.attach(owner, tags)

    def check_text(self, account_id: str, region_id: str, name: str, description: str) -> None:
        if name:
            if not _NAME.fullmatch(name) or name.lower().startswith(("http:", "https:")):
                raise _name_malformed()
            if any(i.name == name for i in self._images.owned_by(account_id, region_id)):
                raise _name_duplicated()
        if description:
            check_description(description)

    def _usable_snapshot(self, account_id: str, region_id: str, snapshot_id: str) -> Snapshot:
        snapshot = self._snapshots.get(account_id, snapshot_id, region_id)
        require_accomplished(snapshot)
        return snapshot

"""Images: what an instance boots from (reference §4.4).

Public (``system``) images come from the packaged catalog and exist in every region, under
ids that are their names (``ubuntu_22_04_x64_20G_alibase_20240130.vhd``). Custom images
(``self``, ``m-`` ids) belong to an account and a region; they carry both, where a system
image leaves them empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from ecsim.model.instance_types import CpuArchitecture

__all__ = [
    "Architecture",
    "DiskDeviceMapping",
    "Image",
    "ImageBootMode",
    "ImageOwnerAlias",
    "ImageShare",
    "ImageStatus",
    "ImageUsage",
    "OSType",
]


class ImageOwnerAlias(Enum):
    SYSTEM = "system"
    SELF = "self"
    OTHERS = "others"
    MARKETPLACE = "marketplace"


class ImageStatus(Enum):
    CREATING = "Creating"
    WAITING = "Waiting"
    AVAILABLE = "Available"
    UNAVAILABLE = "UnAvailable"
    CREATE_FAILED = "CreateFailed"
    DEPRECATED = "Deprecated"


class OSType(Enum):
    LINUX = "linux"
    WINDOWS = "windows"


class Architecture(Enum):
    I386 = "i386"
    X86_64 = "x86_64"
    ARM64 = "arm64"

    @classmethod
    def for_processor(cls, processor: CpuArchitecture) -> frozenset[Architecture]:
        """The image architectures an instance type's processor boots."""
        if processor is CpuArchitecture.ARM:
            return frozenset({cls.ARM64})
        return frozenset({cls.X86_64, cls.I386})


class ImageBootMode(Enum):
    BIOS = "BIOS"
    UEFI = "UEFI"


class ImageUsage(Enum):
    """Whether instances were created from the image (DescribeImages' ``Usage``)."""

    INSTANCE = "instance"
    NONE = "none"


@dataclass(frozen=True)
class DiskDeviceMapping:
    # "/dev/xvda" for the system disk, "/dev/xvdb".. for data disks
    device: str
    size_gib: int
    # "system" or "data"
    disk_type: str = "system"
    # the snapshot behind a custom image's disk; "" for system images (theirs are not shown)
    snapshot_id: str = ""
    image_format: str = ""
    # where ImportImage read the disk from (the OSS bucket and object); "" otherwise
    import_bucket: str = ""
    import_object: str = ""


@dataclass(frozen=True)
class ImageShare:
    """An account a custom image is shared with (ModifyImageSharePermission)."""

    account_id: str
    shared_at: datetime


@dataclass(frozen=True)
class Image:
    image_id: str
    name: str
    owner_alias: ImageOwnerAlias
    os_type: OSType
    # display names, Chinese and English ("Ubuntu  22.04 64位" / "Ubuntu  22.04 64 bit")
    os_name: str
    os_name_en: str
    # the distribution ("Ubuntu", "Windows Server 2022", "Aliyun")
    platform: str
    architecture: Architecture
    boot_mode: ImageBootMode
    # the smallest system disk that holds it, GiB
    size_gib: int
    status: ImageStatus
    created_at: datetime
    description: str = ""
    family: str = ""
    version: str = ""
    is_support_io_optimized: bool = True
    is_support_cloudinit: bool = True
    nvme_support: bool = False
    login_as_non_root_supported: bool = False
    # "" for system images, which belong to no account and are in every region
    account_id: str = ""
    region_id: str = ""
    resource_group_id: str = ""
    product_code: str = ""
    is_copied: bool = False
    # community images are public custom images; system images are public too
    is_public: bool = True
    disk_device_mappings: tuple[DiskDeviceMapping, ...] = ()
    # the accounts a custom image is shared with, who see it as ``others``
    shares: tuple[ImageShare, ...] = ()
    # a copy (CopyImage) or an import (ImportImage) still in progress is Creating until this
    # moment, whatever ``status`` says; None when nothing is pending
    ready_at: datetime | None = None
    is_imported: bool = False

    @property
    def is_system(self) -> bool:
        return self.owner_alias is ImageOwnerAlias.SYSTEM

    @property
    def is_windows(self) -> bool:
        return self.os_type is OSType.WINDOWS

    @property
    def launchable(self) -> bool:
        return self.status is ImageStatus.AVAILABLE

    def boots_on(self, processor: CpuArchitecture) -> bool:
        return self.architecture in Architecture.for_processor(processor)

    def shared_with(self, account_id: str) -> bool:
        return any(share.account_id == account_id for share in self.shares)

    def seen_by(self, account_id: str) -> Image:
        """The image as ``account_id`` sees it: a shared image is ``others`` to it."""
        if self.is_system or self.account_id == account_id:
            return self
        return replace(self, owner_alias=ImageOwnerAlias.OTHERS)

    def status_at(self, now: datetime) -> ImageStatus:
        if self.ready_at is not None and now < self.ready_at:
            return ImageStatus.CREATING
        return self.status

    def progress_at(self, now: datetime) -> int:
        """How far a pending copy or import is, in percent (100 once done)."""
        if self.ready_at is None or now >= self.ready_at:
            return 100
        span = (self.ready_at - self.created_at).total_seconds()
        done = (now - self.created_at).total_seconds()
        return max(0, min(99, int(100 * done / span))) if span > 0 else 100

    def as_of(self, now: datetime) -> Image:
        """The image with its status at ``now`` (a pending copy or import is Creating)."""
        status = self.status_at(now)
        return self if status is self.status else replace(self, status=status)

    @property
    def system_snapshot_id(self) -> str | None:
        """The snapshot a custom image's system disk is made from (None: a public image, whose
        OS is the host's shared read-only layer, starts from an empty disk)."""
        if self.is_system:
            return None
        system = next((m for m in self.disk_device_mappings if m.disk_type == "system"), None)
        return system.snapshot_id if system is not None and system.snapshot_id else None

    def snapshot_ids(self) -> frozenset[str]:
        return frozenset(m.snapshot_id for m in self.disk_device_mappings if m.snapshot_id)

"""ImportImage: disk image files in ecsim's own OSS become a custom image (reference §4.4).

DiskDeviceMapping.N names an OSS object per disk: N=1 the system disk, N=2..17 data disks.
Each object's file is read where the OSS store keeps it (RAW, QCOW2 and VHD in pure Python,
see ``ecsim.storage.image_formats``; VMDK, or what that reader refuses, through ``qemu-img``
when it is installed), written into a scratch disk of the block store, snapshotted, and the
scratch disk dropped: the image then references those snapshots as CreateImage's images do,
and CreateDisk or RunInstances make disks from them.

Every check runs before the first block is written; the conversion runs before the call
answers, and a failure in it undoes what it wrote (snapshots and scratch disks), so a refused
import leaves nothing behind. The image is Available on return, or Creating for a while with
``--realistic-delays`` (``Delays.image_import``).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ecsim.clock import Clock
from ecsim.control.custom_images import CustomImages
from ecsim.control.disk_rules import SnapshotRepository
from ecsim.control.error_builders import fixed
from ecsim.control.object_storage import ObjectStorage
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.image import (
    Architecture,
    DiskDeviceMapping,
    Image,
    ImageBootMode,
    ImageOwnerAlias,
    ImageStatus,
    OSType,
)
from ecsim.model.snapshot import Snapshot
from ecsim.model.tag import Tag
from ecsim.storage import BlockStore, StorageError
from ecsim.storage.image_formats import (
    FORMATS,
    ImageFormatError,
    SourceImage,
    convert_with_qemu_img,
    detect_format,
    open_image,
)
from ecsim.store.base import Store

__all__ = ["ImageImports", "ImportMapping", "NewImport"]

_GIB = 2**30
# DiskImageSize ranges, GiB: N=1 the system disk, N=2..17 data disks
_SYSTEM_SIZES = (5, 500)
_DATA_SIZES = (5, 2000)
_MAX_MAPPINGS = 17
_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_DATA_DEVICE = re.compile(r"/dev/xvd[b-z]")

_no_mappings = fixed(
    "The specified parameter DiskDeviceMapping is not supplied.",
    code="MissingParameter.DiskDeviceMapping",
    http_status=403,
)
_bucket_malformed = fixed(
    "The specified OSS bucket is wrongly formed.",
    code="InvalidOSSBucket.Malformed",
    http_status=400,
)
_object_malformed = fixed(
    "The specified OSS object is wrongly formed.",
    code="InvalidOSSObject.Malformed",
    http_status=400,
)
_bucket_not_found = fixed(
    "The specified OSS bucket does not exist in this region.",
    code="InvalidOSSBucket.NotFound",
    http_status=400,
)
_object_not_found = fixed(
    "The specified OSS object does not exist in this region.",
    code="InvalidOSSObject.NotFound",
    http_status=400,
)
_not_authorized = fixed(
    "The specified OSS bucket or object is not allowed to access.",
    code="InvalidOSS.NotAuthorized",
    http_status=403,
)
_empty_object = fixed(
    "The specified OSS object size is zero.", code="InvalidOSSObject.Size", http_status=400
)
_format_unknown = fixed(
    "The specified Image Format is wrongly formed.",
    code="InvalidImageFormat.Malformed",
    http_status=400,
)
_device_malformed = fixed(
    'The specified parameter "DiskDeviceMapping.n.Device " is not valid.',
    code="InvalidParameter.Malformed",
    http_status=403,
)
_data_size = fixed(
    "The specified DiskDeviceMapping.N.DiskImSize should be in the specified range.",
    code="InvalidDataDiskSize",
    http_status=400,
)
_name_malformed = fixed(
    "The specified Image name is wrongly formed.",
    code="InvalidImageName.Malformed",
    http_status=400,
)


@dataclass(frozen=True)
class ImportMapping:
    """DiskDeviceMapping.N as given; None: not given."""

    bucket: str | None = None
    object_key: str | None = None
    # RAW, QCOW2, VHD or VMDK (any case); None: told from the file
    image_format: str | None = None
    size_gib: int | None = None
    device: str | None = None


@dataclass(frozen=True)
class NewImport:
    region_id: str
    mappings: tuple[ImportMapping, ...]
    name: str = ""
    description: str = ""
    architecture: Architecture = Architecture.X86_64
    os_type: OSType = OSType.LINUX
    platform: str = ""
    boot_mode: ImageBootMode = ImageBootMode.BIOS
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class _Disk:
    """One mapping, checked: the file to read and the disk it becomes."""

    mapping: ImportMapping
    source: SourceImage
    kind: str
    device: str
    size_gib: int


class ImageImports:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        objects: ObjectStorage,
        blocks: BlockStore,
        images: CustomImages,
    ) -> None:
        self._ids = ids
        self._clock = clock
        self._objects = objects
        self._blocks = blocks
        self._images = images
        self._snapshots = SnapshotRepository(store)

    def import_image(self, account_id: str, spec: NewImport) -> Image:
        if spec.name.lower().startswith(("aliyun", "acs:")):
            raise _name_malformed()
        self._images.check_text(account_id, spec.region_id, spec.name, spec.description)
        given = spec.mappings[:_MAX_MAPPINGS]  # N past 17 is ignored, as documented
        if not given:
            raise _no_mappings()
        with tempfile.TemporaryDirectory(prefix="ecsim-import-") as scratch:
            disks = [
                self._checked(account_id, index, mapping, Path(scratch))
                for index, mapping in enumerate(given)
            ]
            mappings = self._convert(account_id, spec.region_id, disks)
        now = self._clock.now()
        takes = self._images.delays.image_import(sum(d.source.virtual_size for d in disks))
        platform = spec.platform or (
            "Windows Server 2022" if spec.os_type is OSType.WINDOWS else "Others Linux"
        )
        image = Image(
            image_id=self._ids.new("image"),
            name=spec.name,
            owner_alias=ImageOwnerAlias.SELF,
            os_type=spec.os_type,
            os_name=platform,
            os_name_en=platform,
            platform=platform,
            architecture=spec.architecture,
            boot_mode=spec.boot_mode,
            size_gib=mappings[0].size_gib,
            status=ImageStatus.AVAILABLE,
            created_at=now,
            description=spec.description,
            account_id=account_id,
            region_id=spec.region_id,
            resource_group_id=spec.resource_group_id,
            is_public=False,
            disk_device_mappings=mappings,
            ready_at=now + takes if takes else None,
            is_imported=True,
        )
        self._images.save_new(image, spec.tags)
        return image

    def task_id(self) -> str:
        return self._ids.new("task")

    # -- checks

    def _checked(self, account_id: str, index: int, mapping: ImportMapping, scratch: Path) -> _Disk:
        kind = "system" if index == 0 else "data"
        device = mapping.device or (
            "/dev/xvda" if index == 0 else f"/dev/xvd{chr(ord('a') + index)}"
        )
        if (device != "/dev/xvda") if index == 0 else not _DATA_DEVICE.fullmatch(device):
            raise _device_malformed()
        fmt = mapping.image_format.upper() if mapping.image_format else None
        if fmt is not None and fmt not in FORMATS:
            raise _format_unknown()
        source = self._source(account_id, mapping, fmt, scratch / str(index))
        low, high = _SYSTEM_SIZES if index == 0 else _DATA_SIZES
        needed = -(-source.virtual_size // _GIB)
        size = mapping.size_gib if mapping.size_gib is not None else max(low, needed)
        if not low <= size <= high or size < needed:
            if index == 0:
                raise EcsError(
                    f"The system disk must be {max(low, needed)} to {high} GiB to hold the "
                    f"{needed} GiB image.",
                    code="InvalidImageSize",
                    http_status=400,
                )
            raise _data_size()
        return _Disk(mapping, source, kind, device, size)

    def _source(
        self, account_id: str, mapping: ImportMapping, fmt: str | None, scratch: Path
    ) -> SourceImage:
        if not mapping.bucket or not _BUCKET.fullmatch(mapping.bucket):
            raise _bucket_malformed()
        if not mapping.object_key or mapping.object_key.startswith("/"):
            raise _object_malformed()
        bucket = self._objects.records.bucket(mapping.bucket)
        if bucket is None:
            raise _bucket_not_found()
        if not bucket.readable_by(account_id):
            raise _not_authorized()
        meta = self._objects.records.object(mapping.bucket, mapping.object_key)
        if meta is None:
            raise _object_not_found()
        if meta.size == 0:
            raise _empty_object()
        path = self._objects.blobs.path(meta.blob)
        try:
            return open_image(path, fmt)
        except ImageFormatError as refused:
            found = detect_format(path)
            if found == "RAW" or fmt not in (None, found):
                raise _format_error(refused) from None
            # a file of the right format the pure-Python reader cannot read: qemu-img may
            try:
                converted = convert_with_qemu_img(path, found, scratch)
            except ImageFormatError as failed:
                raise _format_error(failed) from None
            if not converted:
                raise _format_error(refused) from None
            return open_image(scratch, "RAW")

    # -- the conversion

    def _convert(
        self, account_id: str, region_id: str, disks: list[_Disk]
    ) -> tuple[DiskDeviceMapping, ...]:
        made: list[str] = []
        try:
            mappings = []
            for disk in disks:
                snapshot_id = self._ids.new("snapshot")
                self._write_snapshot(disk, snapshot_id, made)
                self._snapshots.save(self._record(account_id, region_id, disk, snapshot_id))
                mappings.append(
                    DiskDeviceMapping(
                        device=disk.device,
                        size_gib=disk.size_gib,
                        disk_type=disk.kind,
                        snapshot_id=snapshot_id,
                        image_format=disk.source.format,
                        import_bucket=disk.mapping.bucket or "",
                        import_object=disk.mapping.object_key or "",
                    )
                )
            return tuple(mappings)
        except BaseException as failure:
            for snapshot_id in made:
                with contextlib.suppress(StorageError):
                    self._blocks.delete_snapshot(snapshot_id)
            if isinstance(failure, ImageFormatError):
                raise _format_error(failure) from None
            raise

    def _write_snapshot(self, disk: _Disk, snapshot_id: str, made: list[str]) -> None:
        scratch = f"import-{snapshot_id}"
        self._blocks.create_disk(scratch, disk.size_gib * _GIB)
        try:
            for offset, data in _nonzero(disk.source.extents()):
                self._blocks.write(scratch, offset, data)
            self._blocks.snapshot(scratch, snapshot_id)
            made.append(snapshot_id)
        finally:
            self._blocks.delete_disk(scratch)

    def _record(self, account_id: str, region_id: str, disk: _Disk, snapshot_id: str) -> Snapshot:
        return Snapshot(
            snapshot_id=snapshot_id,
            account_id=account_id,
            region_id=region_id,
            name="",
            description="",
            source_disk_id="",
            source_disk_size_gib=disk.size_gib,
            source_disk_type=disk.kind,
            source_disk_category="cloud_essd",
            created_at=self._clock.now(),
        )


def _nonzero(extents: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """The extents with their all-zero pieces left out (the disk reads zeros there anyway)."""
    for offset, data in extents:
        if data.count(0) != len(data):
            yield offset, data


def _format_error(error: ImageFormatError) -> EcsError:
    return EcsError(
        f"The image file cannot be imported: {error}",
        code="InvalidImageFormat.Malformed",
        http_status=403,
    )

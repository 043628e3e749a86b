"""CreateImage's DiskDeviceMapping.N: one system disk (/dev/xvda) and up to 16 data disks,
each from an accomplished snapshot or an empty disk of a given size (reference §4.4); and how
an image's data-disk mappings and a launch's DataDisk.N make an instance's data disks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ecsim.control.error_builders import fixed
from ecsim.model.image import DiskDeviceMapping
from ecsim.model.instance_spec import DataDiskSpec
from ecsim.model.snapshot import Snapshot

__all__ = [
    "DEFAULT_DATA_CATEGORY",
    "SYSTEM_DEVICE",
    "LaunchDataDisk",
    "NewMapping",
    "build_mappings",
    "launch_data_disks",
    "snapshot_mapping",
]

# Data disks one image may describe, besides its system disk.
_MAX_DATA_DISKS = 16
_MAX_DISK_GIB = 32768
SYSTEM_DEVICE = "/dev/xvda"
_DEVICE = re.compile(r"/dev/xvd[a-z]")
# RunInstances' DataDisk.N.Device: /dev/xvd[b-z], then /dev/xvd[aa-zz] past 25 data disks
_DATA_DEVICE = re.compile(r"/dev/xvd(?:[b-z]|[a-z]{2})")
_DATA_DEVICES = tuple(f"/dev/xvd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")
# DataDisk.N.Category's default for I/O optimized instances (ecsim's launch default)
DEFAULT_DATA_CATEGORY = "cloud_efficiency"

_no_system_snapshot = fixed(
    "A system disk snapshot is required to create an image.",
    code="InvalidSystemSnapshot.Missing",
    http_status=403,
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
# RunInstances' and CreateInstance's refusals (their error tables)
_data_device_malformed = fixed(
    'The specified parameter "DataDisk.n.Device" is not valid.',
    code="InvalidDataDevice.Malformed",
    http_status=400,
)
_data_device_taken = fixed(
    "The specified device has been occupied.", code="InvalidDevice.InUse", http_status=403
)
_too_many_disks = fixed(
    "The total number of specified disk in an instance exceeds.",
    code="InstanceDiskNumber.LimitExceed",
    http_status=400,
)
_smaller_than_snapshot = fixed(
    "Specified disk size is less than the size of snapshot.",
    code="InvalidDiskSize.TooSmall",
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


def build_mappings(
    given: tuple[NewMapping, ...], usable_snapshot: Callable[[str], Snapshot]
) -> tuple[DiskDeviceMapping, ...]:
    """The image's mappings, system disk first; ``usable_snapshot`` finds an accomplished
    snapshot of the caller's (or refuses)."""
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
        if not _DEVICE.fullmatch(device) or (kind == "system") != (device == SYSTEM_DEVICE):
            raise _device_malformed()
        if device in used:
            raise _device_in_use()
        used.add(device)
        if mapping.snapshot_id is None:
            if mapping.size_gib is None or not 1 <= mapping.size_gib <= _MAX_DISK_GIB:
                raise _size()
            result.append(DiskDeviceMapping(device, mapping.size_gib, kind))
            continue
        snapshot = usable_snapshot(mapping.snapshot_id)
        result.append(snapshot_mapping(snapshot, device, kind, mapping.size_gib))
    return tuple(result)


def snapshot_mapping(
    snapshot: Snapshot, device: str, kind: str, size_gib: int | None
) -> DiskDeviceMapping:
    size = snapshot.source_disk_size_gib if size_gib is None else size_gib
    # a disk made from the snapshot cannot be smaller than the snapshot's disk
    if not snapshot.source_disk_size_gib <= size <= _MAX_DISK_GIB:
        raise _size()
    return DiskDeviceMapping(device, size, kind, snapshot.snapshot_id)


def _disk_type(mapping: NewMapping, given: tuple[NewMapping, ...]) -> str:
    """The mapping's type; when not given, the first mapping (or /dev/xvda) is the system
    disk and the rest are data disks."""
    if mapping.disk_type is not None:
        return mapping.disk_type
    if mapping.device is not None:
        return "system" if mapping.device == SYSTEM_DEVICE else "data"
    return "system" if mapping is given[0] else "data"


def _next_device(used: set[str], kind: str, given: tuple[NewMapping, ...]) -> str:
    if kind == "system":
        return SYSTEM_DEVICE
    taken = used | {m.device for m in given if m.device}
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"/dev/xvd{letter}" not in taken:
            return f"/dev/xvd{letter}"
    raise _disk_count()


@dataclass(frozen=True)
class LaunchDataDisk:
    """One data disk of a launched instance, as it will be made: its device, what DataDisk.N
    asked of it (the defaults for a mapping no DataDisk.N names), its size in GiB and the
    snapshot it is made from ("": an empty disk). A disk nothing gives a size to is 0 GiB,
    which no category allows (``launch_checks.check_data_disk_sizes``)."""

    device: str
    spec: DataDiskSpec
    size_gib: int
    snapshot_id: str = ""

    @property
    def category(self) -> str:
        return self.spec.category or DEFAULT_DATA_CATEGORY


def launch_data_disks(
    mappings: tuple[DiskDeviceMapping, ...],
    requested: tuple[DataDiskSpec, ...],
    *,
    mapped_snapshot_size: Callable[[str], int],
    usable_snapshot: Callable[[str], Snapshot],
) -> list[LaunchDataDisk]:
    """The data disks of an instance launched from an image with ``mappings`` and given
    DataDisk.N ``requested``: one per data-disk mapping, at its device, then the other
    DataDisk.N at the lowest free devices. ``mapped_snapshot_size`` gives the size (GiB) of a
    mapping's snapshot; ``usable_snapshot`` finds the caller's accomplished snapshot named by
    DataDisk.N.SnapshotId (or refuses). Reads nothing else and writes nothing: every refusal
    comes before the launch writes a record.

    A DataDisk.N whose Device is a mapping's device changes that disk (Size, Category, name,
    ...) instead of adding one: ECS documents Device for exactly this, with full-machine
    images. Where no mapping has that device the Device is ignored and the disk gets the next
    free device, as for public images (the parameter is documented for images with data disks
    only). Matching is by Device alone: the mapping's snapshot is what the disk is made from,
    whatever DataDisk.N.SnapshotId says."""
    data = [m for m in mappings if m.disk_type == "data"]
    by_device = {m.device: m for m in data}
    changes: dict[str, DataDiskSpec] = {}
    others: list[DataDiskSpec] = []
    for spec in requested:
        if spec.device and not _DATA_DEVICE.fullmatch(spec.device):
            raise _data_device_malformed()
        if spec.device not in by_device:
            others.append(spec)
            continue
        if spec.device in changes:
            raise _data_device_taken()
        changes[spec.device] = spec
    if len(data) + len(others) > _MAX_DATA_DISKS:
        raise _too_many_disks()
    disks = [
        _mapped_disk(m, changes.get(m.device, DataDiskSpec()), mapped_snapshot_size) for m in data
    ]
    free = (device for device in _DATA_DEVICES if device not in by_device)
    disks += [
        _own_disk(device, spec, usable_snapshot) for spec, device in zip(others, free, strict=False)
    ]
    return disks


def _mapped_disk(
    mapping: DiskDeviceMapping, spec: DataDiskSpec, snapshot_size: Callable[[str], int]
) -> LaunchDataDisk:
    # the disk holds the snapshot: it may grow past it, never shrink below it
    if (
        spec.size is not None
        and mapping.snapshot_id
        and spec.size < snapshot_size(mapping.snapshot_id)
    ):
        raise _smaller_than_snapshot()
    size = max(mapping.size_gib, spec.size or 0)
    return LaunchDataDisk(mapping.device, spec, size, mapping.snapshot_id)


def _own_disk(
    device: str, spec: DataDiskSpec, usable_snapshot: Callable[[str], Snapshot]
) -> LaunchDataDisk:
    if not spec.snapshot_id:
        return LaunchDataDisk(device, spec, spec.size or 0)
    snapshot = usable_snapshot(spec.snapshot_id)
    # Size is optional with a snapshot (the snapshot's disk size), and no smaller than it
    size = snapshot.source_disk_size_gib if spec.size is None else spec.size
    if size < snapshot.source_disk_size_gib:
        raise _smaller_than_snapshot()
    return LaunchDataDisk(device, spec, size, snapshot.snapshot_id)

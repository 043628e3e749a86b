"""CreateImage's DiskDeviceMapping.N: one system disk (/dev/xvda) and up to 16 data disks,
each from an accomplished snapshot or an empty disk of a given size (reference §4.4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ecsim.control.error_builders import fixed
from ecsim.model.image import DiskDeviceMapping
from ecsim.model.snapshot import Snapshot

__all__ = ["SYSTEM_DEVICE", "NewMapping", "build_mappings", "snapshot_mapping"]

# Data disks one image may describe, besides its system disk.
_MAX_DATA_DISKS = 16
_MAX_DISK_GIB = 32768
SYSTEM_DEVICE = "/dev/xvda"
_DEVICE = re.compile(r"/dev/xvd[a-z]")

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

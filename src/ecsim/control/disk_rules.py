"""What disks and snapshots share: their repositories, naming rules, size ranges and the
errors ECS answers with, each declared once."""

from __future__ import annotations

import re

from ecsim.control import online_resizes
from ecsim.control.error_builders import fixed
from ecsim.control.resource_repository import ResourceRepository
from ecsim.model.disk import Disk
from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.store.base import Store
from ecsim.store.codecs import disks as disk_codec
from ecsim.store.codecs import snapshots as snapshot_codec

__all__ = [
    "DiskRepository",
    "SnapshotRepository",
    "check_description",
    "check_disk_name",
    "check_snapshot_name",
    "require_accomplished",
    "size_range",
]

disk_not_found = fixed(
    "The specified disk does not exist.", code="InvalidDiskId.NotFound", http_status=404
)
snapshot_not_found = fixed(
    "The specified snapshot does not exist.", code="InvalidSnapshotId.NotFound", http_status=404
)
# a snapshot still progressing (or failed) makes no disk, image, rollback or diff
snapshot_not_ready = fixed(
    "The specified snapshot has not completed yet.",
    code="InvalidSnapshotId.NotReady",
    http_status=403,
)
incorrect_disk_status = fixed(
    "The current status of the disk does not support this operation.",
    code="IncorrectDiskStatus",
    http_status=403,
)
incorrect_instance_status = fixed(
    "The current status of the instance does not support this operation.",
    code="IncorrectInstanceStatus",
    http_status=403,
)
_disk_name_malformed = fixed(
    "The specified disk name is wrongly formed.", code="InvalidDiskName.Malformed", http_status=400
)
_snapshot_name_malformed = fixed(
    "The specified snapshot name is wrongly formed.",
    code="InvalidSnapshotName.Malformed",
    http_status=400,
)
# CreateDisk documents 400 for this code; the snapshot and ModifyDiskAttribute tables 404.
description_malformed_400 = fixed(
    "The specified description is wrongly formed.",
    code="InvalidDescription.Malformed",
    http_status=400,
)
description_malformed_404 = fixed(
    "The specified description is wrongly formed.",
    code="InvalidDescription.Malformed",
    http_status=404,
)

# 2-128 characters, a letter or Chinese character first, not a URL
_NAME = re.compile(r"[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff.:_-]{1,127}")

# GiB ranges per category (reference §4.1); cloud_essd's depend on the performance level
_SIZES: dict[str, tuple[int, int]] = {
    "cloud": (5, 2000),
    "cloud_efficiency": (20, 32768),
    "cloud_ssd": (20, 32768),
    "cloud_auto": (1, 65536),
    "cloud_essd_entry": (10, 32768),
}
_ESSD_SIZES = {"PL0": (1, 65536), "PL1": (20, 65536), "PL2": (461, 65536), "PL3": (1261, 65536)}


def size_range(category: str, performance_level: str) -> tuple[int, int]:
    if category == "cloud_essd":
        return _ESSD_SIZES[performance_level or "PL1"]
    return _SIZES[category]


def _valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and not name.lower().startswith(("http:", "https:"))


def check_disk_name(name: str) -> str:
    if not _valid_name(name):
        raise _disk_name_malformed()
    return name


def check_snapshot_name(name: str) -> str:
    # ``auto`` is reserved for the snapshots that policies take
    if not _valid_name(name) or name.startswith("auto"):
        raise _snapshot_name_malformed()
    return name


def check_description(description: str, *, http_status: int = 400) -> str:
    if not 2 <= len(description) <= 256 or description.lower().startswith(("http:", "https:")):
        raise (description_malformed_400 if http_status == 400 else description_malformed_404)()
    return description


class DiskRepository(ResourceRepository[Disk]):
    def __init__(self, store: Store) -> None:
        super().__init__(
            store, disk_codec.KIND, disk_codec.encode_disk, disk_codec.decode_disk, disk_not_found
        )

    def delete(self, resource_id: str) -> None:
        super().delete(resource_id)
        self._store.delete_resource(online_resizes.KIND, resource_id)  # goes with its disk


class SnapshotRepository(ResourceRepository[Snapshot]):
    def __init__(self, store: Store) -> None:
        super().__init__(
            store,
            snapshot_codec.KIND,
            snapshot_codec.encode_snapshot,
            snapshot_codec.decode_snapshot,
            snapshot_not_found,
        )


def require_accomplished(snapshot: Snapshot) -> Snapshot:
    """The snapshot, when it is whole: ``InvalidSnapshotId.NotReady`` otherwise."""
    if snapshot.status is not SnapshotStatus.ACCOMPLISHED:
        raise snapshot_not_ready()
    return snapshot

"""The size each disk was last grown to by an online ResizeDisk, for the data plane.

On ECS an offline resize (the default) takes effect when the instance restarts, an online one
at once. The disk's record holds its new size either way, so what an online resize asked is
kept beside it, as a record of its own: the plan hands it to the driver, which grows the
running instance's device to it (``DiskPort.size``); an offline resize leaves it as it was,
and the instance's next boot shows the disk's whole size anyway. A record left by a deleted
disk is never read (plans read those of attached disks only).
"""

from __future__ import annotations

from ecsim.model.disk import Disk
from ecsim.store.base import ResourceRecord, Store

__all__ = ["KIND", "online_sizes", "record_online_size"]

KIND = "disk_online_size"


def record_online_size(store: Store, disk: Disk) -> None:
    """``disk`` (as resized) was grown online to its size."""
    record = ResourceRecord(
        KIND, disk.disk_id, disk.account_id, disk.region_id, {"size_gib": disk.size_gib}
    )
    store.put_resource(record)


def online_sizes(store: Store, account_id: str) -> dict[str, int]:
    """The account's disks grown online: disk id -> the size they were grown to, in GiB."""
    return {
        record.resource_id: int(record.body["size_gib"])
        for record in store.list_resources(KIND, account_id)
    }

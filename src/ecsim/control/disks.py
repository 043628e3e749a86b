"""Disks: the ECS disks API over the block storage engine (ecsim.storage).

A disk is a record here and a sparse image in the block store under the same id. Attaching
and detaching change the record only: the instances' data plane does not yet see disks as
block devices.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.disk_rules import (
    DiskRepository,
    SnapshotRepository,
    check_description,
    check_disk_name,
    incorrect_disk_status,
    incorrect_instance_status,
    require_accomplished,
    size_range,
)
from ecsim.control.error_builders import fixed
from ecsim.control.tags import Tags
from ecsim.errors import MissingParameter
from ecsim.ids import IdFactory
from ecsim.model.catalog import DiskCategory
from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.model.instance import InstanceStatus
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.storage import BlockStore
from ecsim.storage.base import DiskNotFound
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import disks as codec

__all__ = ["DiskChanges", "DiskQuery", "DiskView", "Disks", "NewDisk"]

_T = TypeVar("_T")
_GIB = 2**30
# Data disks one instance can hold (ECS: 16, system disk apart).
_MAX_DATA_DISKS = 16
_DEVICES = tuple(f"/dev/xvd{letter}" for letter in "bcdefghijklmnopq")

_zone_not_found = fixed(
    "The specified zone does not exist.", code="InvalidZoneId.NotFound", http_status=404
)
_category_unknown = fixed(
    "The specified disk category is not supported.",
    code="InvalidDiskCategory.ValueNotSupported",
    http_status=400,
)
_category_not_sold = fixed(
    "The specified zone does not offer this disk category.",
    code="InvalidDiskCategory.NotSupported",
    http_status=400,
)
_size_not_supported = fixed(
    "The specified disk size is out of the category's range.",
    code="InvalidSize.ValueNotSupported",
    http_status=400,
)
_size_or_snapshot = fixed(
    "Either Size or SnapshotId must be given.", code="MissingParameter", http_status=400
)
_still_attached = fixed(
    "The specified disk is still attached to an instance.",
    code="DiskStillAttached",
    http_status=403,
)
_not_same_zone = fixed(
    "The disk and the instance are not in the same zone.",
    code="ResourcesNotInSameZone",
    http_status=403,
)
_disk_limit = fixed(
    "The instance holds as many disks as it can.",
    code="InstanceDiskLimitExceeded",
    http_status=403,
)
_not_attached_there = fixed(
    "The specified disk has not been attached on the specified instance.",
    code="DependencyViolation",
    http_status=403,
)
_system_disk_in_use = fixed(
    "The specified disk is a system disk and cannot support the operation.",
    code="DiskTypeViolation",
    http_status=403,
)
_already_detached = fixed(
    "The specified disk is already detached.", code="InvalidDisk.AlreadyDetached", http_status=404
)
_no_disk_id = fixed(
    "DiskId is mandatory for this action.",
    code="MissingParameter.DiskIdOrDiskIds",
    http_status=400,
)
_nothing_to_modify = fixed("No attribute to modify.", code="NoAttributeToModify", http_status=400)


@dataclass(frozen=True)
class NewDisk:
    zone_id: str
    category: str = "cloud"
    size_gib: int | None = None
    snapshot_id: str | None = None
    name: str = ""
    description: str = ""
    performance_level: str = ""
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class DiskQuery:
    """DescribeDisks filters; None filters nothing."""

    zone_id: str | None = None
    disk_ids: Sequence[str] | None = None
    instance_id: str | None = None
    disk_type: str | None = None
    category: str | None = None
    status: str | None = None
    snapshot_id: str | None = None
    name: str | None = None
    portable: bool | None = None
    delete_with_instance: bool | None = None
    tags: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class DiskChanges:
    name: str | None = None
    description: str | None = None
    delete_with_instance: bool | None = None
    delete_auto_snapshot: bool | None = None
    enable_auto_snapshot: bool | None = None


@dataclass(frozen=True)
class DiskView:
    disk: Disk
    tags: Mapping[str, str]


class Disks:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        blocks: BlockStore,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._catalog = catalog
        self._tags = tags
        self._blocks = blocks
        self._disks = DiskRepository(store)
        self._snapshots = SnapshotRepository(store)
        self._instances = InstanceRepository(store)

    def create(self, account_id: str, region_id: str, spec: NewDisk) -> Disk:
        self._check_category(region_id, spec.zone_id, spec.category)
        if spec.name:
            check_disk_name(spec.name)
        if spec.description:
            check_description(spec.description)
        size = self._size_of(account_id, region_id, spec)
        disk = Disk(
            disk_id=self._ids.new("disk"),
            account_id=account_id,
            region_id=region_id,
            zone_id=spec.zone_id,
            name=spec.name,
            description=spec.description,
            category=spec.category,
            size_gib=size,
            created_at=self._clock.now(),
            performance_level=_level(spec),
            source_snapshot_id=spec.snapshot_id or "",
            resource_group_id=spec.resource_group_id,
        )
        self._disks.save(disk)
        self._tags.attach(TagOwner(account_id, region_id, codec.KIND, disk.disk_id), spec.tags)
        # last: the image is the one write the store's transaction cannot take back
        if spec.snapshot_id:
            self._blocks.create_disk_from_snapshot(disk.disk_id, spec.snapshot_id, size * _GIB)
        else:
            self._blocks.create_disk(disk.disk_id, size * _GIB)
        return disk

    def describe(self, account_id: str, region_id: str, query: DiskQuery) -> list[DiskView]:
        tagged = (
            self._tags.matching(account_id, region_id, codec.KIND, query.tags)
            if query.tags
            else None
        )
        wanted = set(query.disk_ids) if query.disk_ids is not None else None
        return [
            DiskView(disk, self._tags.of(codec.KIND, disk.disk_id))
            for disk in self._disks.owned_by(account_id, region_id)
            if (wanted is None or disk.disk_id in wanted)
            and (tagged is None or disk.disk_id in tagged)
            and _matches(disk, query)
        ]

    def modify(self, account_id: str, disk_id: str, changes: DiskChanges) -> None:
        if not disk_id:  # ECS also takes a DiskIds list; ecsim one disk at a time
            raise _no_disk_id()
        if changes == DiskChanges():
            raise _nothing_to_modify()
        disk = self._disks.get(account_id, disk_id)
        if changes.name is not None:
            check_disk_name(changes.name)
        if changes.description is not None:
            check_description(changes.description, http_status=404)
        self._disks.save(
            replace(
                disk,
                name=_pick(changes.name, disk.name),
                description=_pick(changes.description, disk.description),
                delete_with_instance=_pick(changes.delete_with_instance, disk.delete_with_instance),
                delete_auto_snapshot=_pick(changes.delete_auto_snapshot, disk.delete_auto_snapshot),
                enable_auto_snapshot=_pick(changes.enable_auto_snapshot, disk.enable_auto_snapshot),
            )
        )

    def delete(self, account_id: str, disk_id: str) -> None:
        """An id that names no disk of the caller's is ignored (reference §4.1)."""
        disk = self._disks.find(disk_id)
        if disk is None or disk.account_id != account_id:
            return
        if disk.status is not DiskStatus.AVAILABLE:
            raise _still_attached()
        self._disks.delete(disk_id)
        self._tags.forget(codec.KIND, disk_id)
        # the record may have outlived its image (a crash between the two): nothing to free
        with contextlib.suppress(DiskNotFound):
            self._blocks.delete_disk(disk_id)

    def attach(
        self, account_id: str, instance_id: str, disk_id: str, *, delete_with_instance: bool
    ) -> None:
        instance = self._instances.get(account_id, instance_id)
        disk = self._disks.get(account_id, disk_id)
        if instance.status_at(self._clock.now()) not in (
            InstanceStatus.RUNNING,
            InstanceStatus.STOPPED,
        ):
            raise incorrect_instance_status()
        if disk.status is not DiskStatus.AVAILABLE:
            raise incorrect_disk_status()
        if disk.zone_id != instance.zone_id or disk.region_id != instance.region_id:
            raise _not_same_zone()
        # the system disk (/dev/xvda) is not one of the data disks the limit counts
        taken = {
            d.device
            for d in self.attached_to(account_id, instance_id)
            if d.disk_type is DiskType.DATA
        }
        free = [device for device in _DEVICES if device not in taken]
        if len(taken) >= _MAX_DATA_DISKS or not free:
            raise _disk_limit()
        now = self._clock.now()
        self._disks.save(
            replace(
                disk,
                status=DiskStatus.IN_USE,
                instance_id=instance_id,
                device=free[0],
                delete_with_instance=delete_with_instance,
                attached_at=now,
            )
        )

    def detach(
        self,
        account_id: str,
        instance_id: str,
        disk_id: str,
        *,
        delete_with_instance: bool | None,
    ) -> None:
        instance = self._instances.get(account_id, instance_id)
        disk = self._disks.get(account_id, disk_id)
        if disk.status is DiskStatus.AVAILABLE:
            raise _already_detached()
        if disk.instance_id != instance.instance_id:
            raise _not_attached_there()
        status = instance.status_at(self._clock.now())
        if status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
            raise incorrect_instance_status()
        if disk.disk_type is DiskType.SYSTEM and status is not InstanceStatus.STOPPED:
            # a system disk comes off only a stopped instance (reference §3.1)
            raise _system_disk_in_use()
        self._disks.save(
            replace(
                disk,
                status=DiskStatus.AVAILABLE,
                instance_id="",
                device="",
                delete_with_instance=_pick(delete_with_instance, disk.delete_with_instance),
                detached_at=self._clock.now(),
            )
        )

    def attached_to(self, account_id: str, instance_id: str) -> list[Disk]:
        instance = self._instances.get(account_id, instance_id)
        return [
            disk
            for disk in self._disks.owned_by(account_id, instance.region_id)
            if disk.instance_id == instance_id
        ]

    # -- helpers

    def _check_category(self, region_id: str, zone_id: str, category: str) -> None:
        if not zone_id:  # ECS takes InstanceId instead; ecsim needs the zone
            raise MissingParameter("ZoneId")
        zone = self._catalog.zone(region_id, zone_id)
        if zone is None:
            raise _zone_not_found()
        try:
            known = DiskCategory(category)
        except ValueError:
            raise _category_unknown() from None
        if not zone.offer.offers_disk_category(known):
            raise _category_not_sold()

    def _size_of(self, account_id: str, region_id: str, spec: NewDisk) -> int:
        if spec.size_gib is None and spec.snapshot_id is None:
            raise _size_or_snapshot()
        if spec.size_gib is not None:
            low, high = size_range(spec.category, _level(spec))
            if not low <= spec.size_gib <= high:
                raise _size_not_supported()
        if spec.snapshot_id is None:
            assert spec.size_gib is not None
            return spec.size_gib
        snapshot = self._snapshots.get(account_id, spec.snapshot_id, region_id)
        require_accomplished(snapshot)
        # a snapshot larger than Size wins (reference §4.1)
        return max(spec.size_gib or 0, snapshot.source_disk_size_gib)


def _level(spec: NewDisk) -> str:
    if spec.category == "cloud_essd":
        return spec.performance_level or "PL1"
    return ""


def _pick(new: _T | None, old: _T) -> _T:
    return old if new is None else new


def _matches(disk: Disk, query: DiskQuery) -> bool:
    status = None if query.status in (None, "All") else query.status
    kind = None if query.disk_type in (None, "all") else query.disk_type
    return (
        (query.zone_id is None or disk.zone_id == query.zone_id)
        and (query.instance_id is None or disk.instance_id == query.instance_id)
        and (kind is None or disk.disk_type.value == kind)
        and (query.category is None or disk.category == query.category)
        and (status is None or disk.status.value == status)
        and (query.snapshot_id is None or disk.source_snapshot_id == query.snapshot_id)
        and (query.name is None or disk.name == query.name)
        and (query.portable is None or disk.portable == query.portable)
        and (
            query.delete_with_instance is None
            or disk.delete_with_instance == query.delete_with_instance
        )
    )

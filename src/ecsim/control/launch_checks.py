"""The checks of a launch that need no stored resource: its values, its disks, and the names
of each instance of the batch. ``Launcher`` runs them first, as ECS checks a request's own
values before it looks anything up; the data disks' final sizes (from the image's mappings and
snapshots, looked up by ``InstanceDisks.plan_data_disks``) are checked once known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ecsim.control.disk_rules import size_range
from ecsim.control.error_builders import fixed
from ecsim.control.image_mappings import DEFAULT_DATA_CATEGORY, LaunchDataDisk
from ecsim.errors import EcsError
from ecsim.model.catalog import DiskCategory, Zone
from ecsim.model.image import Image
from ecsim.model.instance_attributes import (
    parse_description,
    parse_host_name,
    parse_instance_name,
    parse_password,
    parse_user_data,
)
from ecsim.model.instance_spec import (
    DataDiskSpec,
    LaunchSpec,
    default_host_name,
    expand_name,
)

__all__ = [
    "MAX_AMOUNT",
    "SYSTEM_DISK_SIZES",
    "InstanceNames",
    "check_amount",
    "check_data_disk_sizes",
    "check_disk_categories",
    "check_values",
    "instance_names",
    "system_disk_size",
]

# RunInstances' Amount, as the reference gives it (reference §3.2).
MAX_AMOUNT = 100
# A system disk holds 20-2048 GiB, and at least its image.
SYSTEM_DISK_SIZES = range(20, 2049)
# ESSD performance levels; a data disk's size range depends on its level (CreateDisk's)
_PERFORMANCE_LEVELS = ("PL0", "PL1", "PL2", "PL3")
# AutoReleaseTime: at least 30 minutes and at most three years ahead.
_RELEASE_WINDOW = (timedelta(minutes=30), timedelta(days=3 * 365))

_amount = fixed(
    f"The specified parameter Amount is not valid: it must be 1 to {MAX_AMOUNT}.",
    code="InvalidParam.Amount",
    http_status=403,
)
_min_amount = fixed(
    "The specified parameter MinAmount is not valid.",
    code="InvalidMinAmount.Malformed",
    http_status=400,
)
_password_and_inherit = fixed(
    "The input password should be null when passwdInherit is true.",
    code="InvalidPasswordParam.Mismatch",
    http_status=400,
)
_bandwidth_out = fixed(
    "The specified parameter InternetMaxBandwidthOut is not valid.",
    code="InvalidInternetMaxBandwidthOut.Malformed",
    http_status=400,
)
_bandwidth_in = fixed(
    "The specified parameter InternetMaxBandwidthIn is not valid.",
    code="InvalidInternetMaxBandwidthIn.Malformed",
    http_status=400,
)
_period_missing = fixed(
    # misspelled so in Alibaba's documentation
    'The specified parameter "Period" is not null.',
    code="MissingParamter",
    http_status=400,
)
_protection_charge_type = fixed(
    "Deletion protection is only valid for postPaid instance, not for prePaid or spot instance.",
    code="InvalidChargeType.ValueNotSupported",
    http_status=403,
)
_release_time = fixed(
    "The specified parameter AutoReleaseTime is not valid.",
    code="InvalidAutoReleaseTime.Malformed",
    http_status=400,
)
_system_category = fixed(
    'The specified parameter "SystemDisk.Category" is not valid.',
    code="InvalidSystemDiskCategory.ValueNotSupported",
    http_status=400,
)
_data_category = fixed(
    'The specified parameter "DataDisk.n.Category" is not valid.',
    code="InvalidDataDiskCategory.ValueNotSupported",
    http_status=400,
)
_data_size = fixed(
    "The specified DataDisk.n.Size beyond the permitted range, or the capacity of snapshot "
    "exceeds the size limit of the specified disk category.",
    code="InvalidDataDiskSize.ValueNotSupported",
    http_status=400,
)
_system_performance_level = fixed(
    "The specified parameter SystemDisk.PerformanceLevel is not valid.",
    code="InvalidPerformanceLevel.Malformed",
    http_status=400,
)
_system_level_mismatch = fixed(
    "The specified SystemDisk.PerformanceLevel and SystemDisk.Size do not match.",
    code="OperationDenied.PerformanceLevelNotMatch",
    http_status=403,
)
_performance_level = fixed(
    "The specified parameter DataDisk.n.PerformanceLevel is not valid.",
    code="InvalidPerformanceLevel.Malformed",
    http_status=400,
)
_disk_name = fixed(
    'The specified parameter "SyatemDisk.DiskName or DataDisk.n.DiskName" is not valid.',
    code="InvalidDiskName.Malformed",
    http_status=400,
)
_disk_description = fixed(
    'The specified parameter "SyatemDisk.DiskDescription" or "DataDisk.n.Description" is not '
    "valid.",
    code="InvalidDiskDescription.Malformed",
    http_status=400,
)
_category_not_offered = fixed(
    "The specified zone does not offer the specified disk category.",
    code="CategoryNotSupported",
    http_status=403,
)
_custom_name = fixed(
    "Customized section of instance or host name is invalid, please use valid format: "
    "[], [,], [m,], [,n], [m,n].",
    code="InvalidInstanceName.CustomMalformed",
    http_status=400,
)
_smaller_than_image = fixed(
    "The specified parameter SystemDisk.Size is less than the image size.",
    code="InvalidSystemDiskSize.LessThanImageSize",
    http_status=404,
)
_below_minimum = fixed(
    "The specified parameter SystemDisk.Size is less than the min size.",
    code="InvalidSystemDiskSize.LessThanMinSize",
    http_status=404,
)
_above_maximum = fixed(
    "The specified parameter SystemDisk.Size is more than the max size.",
    code="InvalidSystemDiskSize.MoreThanMaxSize",
    http_status=404,
)


@dataclass(frozen=True)
class InstanceNames:
    name: str
    host_name: str


def check_amount(amount: int, min_amount: int | None) -> None:
    if not 1 <= amount <= MAX_AMOUNT:
        raise _amount()
    if min_amount is not None and not 1 <= min_amount <= amount:
        raise _min_amount()


def check_values(spec: LaunchSpec, now: datetime) -> None:
    """Everything about ``spec`` that holds whatever the image, zone and network."""
    if spec.description:
        parse_description(spec.description)
    if spec.password:
        if spec.password_inherit:
            raise _password_and_inherit()
        parse_password(spec.password, windows=False)
    if spec.user_data:
        parse_user_data(spec.user_data)
    if not 0 <= spec.internet_max_bandwidth_out <= 100:
        raise _bandwidth_out()
    if (
        spec.internet_max_bandwidth_in is not None
        and not 1 <= spec.internet_max_bandwidth_in <= 200
    ):
        raise _bandwidth_in()
    if spec.instance_charge_type == "PrePaid" and spec.period is None:
        raise _period_missing()
    if spec.deletion_protection and (
        spec.instance_charge_type == "PrePaid" or spec.spot_strategy != "NoSpot"
    ):
        raise _protection_charge_type()
    if spec.auto_release_time:
        _check_release_time(spec.auto_release_time, now)
    _check_disks(spec)


def _check_release_time(text: str, now: datetime) -> None:
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=now.tzinfo)
    except ValueError:
        raise _release_time() from None
    earliest, latest = _RELEASE_WINDOW
    if not now + earliest <= moment <= now + latest:
        raise _release_time()


def _check_disks(spec: LaunchSpec) -> None:
    system = spec.system_disk
    if system.category is not None and _category(system.category) is None:
        raise _system_category()
    if system.performance_level and system.performance_level not in _PERFORMANCE_LEVELS:
        raise _system_performance_level()
    _check_disk_labels(system.name, system.description)
    for disk in spec.data_disks:
        _check_data_disk(disk)


def _check_data_disk(disk: DataDiskSpec) -> None:
    category = disk.category or DEFAULT_DATA_CATEGORY
    if _category(category) is None:
        raise _data_category()
    if disk.performance_level and disk.performance_level not in _PERFORMANCE_LEVELS:
        raise _performance_level()
    # a snapshot or a mapped disk (Device) may give the size; the final one is checked later
    if disk.size is None and not disk.snapshot_id and not disk.device:
        raise _data_size()
    if disk.size is not None and not _fits(category, disk.performance_level, disk.size):
        raise _data_size()
    _check_disk_labels(disk.name, disk.description)


def check_data_disk_sizes(disks: Sequence[LaunchDataDisk]) -> None:
    """Each data disk's final size (asked for, its mapping's or its snapshot's) is one its
    category (and ESSD performance level) allows, as CreateDisk's sizes."""
    for disk in disks:
        if not _fits(disk.category, disk.spec.performance_level, disk.size_gib):
            raise _data_size()


def _fits(category: str, performance_level: str, size_gib: int) -> bool:
    low, high = size_range(category, performance_level)
    return low <= size_gib <= high


def _check_disk_labels(name: str, description: str) -> None:
    if name:
        try:
            parse_instance_name(name)
        except EcsError:
            raise _disk_name() from None
    if description:
        try:
            parse_description(description)
        except EcsError:
            raise _disk_description() from None


def _category(text: str) -> DiskCategory | None:
    return next((c for c in DiskCategory if c.value == text), None)


def check_disk_categories(
    spec: LaunchSpec, data_disks: Sequence[LaunchDataDisk], zone: Zone
) -> None:
    """Every disk's category (the mapped data disks' too) is one the zone sells."""
    wanted = [spec.system_disk.category or DiskCategory.CLOUD_EFFICIENCY.value]
    wanted += [disk.category for disk in data_disks]
    for text in wanted:
        category = _category(text)
        if category is None or not zone.offer.offers_disk_category(category):
            raise _category_not_offered()


def system_disk_size(spec: LaunchSpec, image: Image) -> int:
    """The system disk's size: as asked (no smaller than the image), or the image's size and
    at least 20 GiB."""
    size = spec.system_disk.size
    if size is None:
        return max(SYSTEM_DISK_SIZES.start, image.size_gib)
    if size < SYSTEM_DISK_SIZES.start:
        raise _below_minimum()
    if size >= SYSTEM_DISK_SIZES.stop:
        raise _above_maximum()
    if size < image.size_gib:
        raise _smaller_than_image()
    return size


def check_system_disk_level(spec: LaunchSpec, size_gib: int) -> None:
    """An ESSD system disk's performance level needs a size (PL2 from 461 GiB, PL3 from
    1,261 GiB), as a data disk's does."""
    category = spec.system_disk.category or DiskCategory.CLOUD_EFFICIENCY.value
    level = spec.system_disk.performance_level
    if category == DiskCategory.CLOUD_ESSD.value and not _fits(category, level, size_gib):
        raise _system_level_mismatch()


def instance_names(
    spec: LaunchSpec, instance_ids: list[str], *, windows: bool
) -> list[InstanceNames]:
    """Each instance's name and host name, checked: the templates expanded for its place in
    the batch, or ECS's defaults (the id; ``iZ...Z``)."""
    names: list[InstanceNames] = []
    for index, instance_id in enumerate(instance_ids):
        name = _expanded(spec.name, index, instance_id, spec.unique_suffix) or instance_id
        host = _expanded(spec.host_name, index, instance_id, spec.unique_suffix)
        if spec.name is not None:
            parse_instance_name(name)
        if host is not None:
            parse_host_name(host, windows=windows)
        names.append(InstanceNames(name, host or default_host_name(instance_id, windows=windows)))
    if spec.password:
        parse_password(spec.password, windows=windows)
    return names


def _expanded(
    template: str | None, index: int, instance_id: str, unique_suffix: bool
) -> str | None:
    if template is None:
        return None
    try:
        return expand_name(template, index, instance_id, unique_suffix=unique_suffix)
    except ValueError:
        raise _custom_name() from None

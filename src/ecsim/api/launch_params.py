"""RunInstances' and CreateInstance's parameters: their declarations, and the ``LaunchSpec``
they make.

The two share most parameters; RunInstances adds the batch (Amount, MinAmount, UniqueSuffix),
SecurityGroupIds.N and AutoReleaseTime, and a few refusals differ in code. Parameters the
emulator has no use for are not declared, so they are accepted and ignored.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ecsim.api.metadata_options import metadata_option_params
from ecsim.api.params import Boolean, Integer, Object, Param, RepeatList, String
from ecsim.api.tagging import tag_param, tags_from
from ecsim.control.error_builders import fixed
from ecsim.model.instance_spec import DataDiskSpec, LaunchMode, LaunchSpec, SystemDiskSpec

__all__ = ["launch_params", "launch_spec"]

_INTERNET_CHARGE_TYPES = ("PayByBandwidth", "PayByTraffic")
_INSTANCE_CHARGE_TYPES = ("PrePaid", "PostPaid")
_SPOT_STRATEGIES = ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo")
_IO_OPTIMIZED = ("optimized", "none")
_PERIOD_UNITS = ("Week", "Month")

_single_and_multi = fixed(
    "SecurityGroupId and SecurityGroupIds.N cannot be given together.",
    code="InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
    http_status=400,
)
_image_and_family = fixed(
    "The input parameter ImageFamily must be null when image id is set.",
    code="UnexpectedImageFamily.ImageIdSupplied",
    http_status=400,
)
_no_family_image = fixed(
    "There is no available image related to the specified image family.",
    code="InvalidImageFamily.MissingAvailableImage",
    http_status=403,
)
_private_ip_malformed = fixed(
    "Specified private IP address is malformed.",
    code="InvalidPrivateIpAddress.Malformed",
    http_status=400,
)


def launch_params(mode: LaunchMode) -> tuple[Param, ...]:
    run = mode is LaunchMode.RUN
    io_code = (
        "InvalidIoOptimize.ValueNotSupported"
        if run
        else "InvalidIoOptimizedValue.ValueNotSupported"
    )
    params: list[Param] = [
        String("RegionId", required=True),
        String("ImageId"),
        String("ImageFamily"),
        # CreateInstance requires it; RunInstances may take it from a launch template
        String("InstanceType", required=not run),
        String("SecurityGroupId"),
        String("VSwitchId"),
        String("ZoneId"),
        String("PrivateIpAddress"),
        String("InstanceName"),
        String("Description"),
        String("HostName"),
        String("Password"),
        Boolean("PasswordInherit"),
        String("KeyPairName"),
        String("UserData"),
        Integer("InternetMaxBandwidthOut", code="InvalidInternetMaxBandwidthOut.Malformed"),
        Integer("InternetMaxBandwidthIn", code="InvalidInternetMaxBandwidthIn.Malformed"),
        String(
            "InternetChargeType",
            enum=_INTERNET_CHARGE_TYPES,
            code="InvalidInternetChargeType.ValueNotSupported",
        ),
        String(
            "InstanceChargeType",
            enum=_INSTANCE_CHARGE_TYPES,
            code="InvalidInstanceChargeType.NotFound",
            http_status=404,
        ),
        Integer("Period", code="InvalidPeriod"),
        String("PeriodUnit", enum=_PERIOD_UNITS, code="InvalidPeriodUnit.ValueNotSupported"),
        String("SpotStrategy", enum=_SPOT_STRATEGIES, code="InvalidSpotStrategy"),
        String("IoOptimized", enum=_IO_OPTIMIZED, code=io_code),
        Object(
            "SystemDisk",
            fields=(
                String("Category"),
                Integer("Size"),
                String("DiskName"),
                String("Description"),
                String("PerformanceLevel"),
            ),
        ),
        RepeatList(
            "DataDisk",
            fields=(
                Integer("Size"),
                String("Category"),
                String("SnapshotId"),
                String("DiskName"),
                String("Description"),
                String("Device"),
                Boolean("DeleteWithInstance"),
                String("PerformanceLevel"),
            ),
            max_items=16,
            code="InstanceDiskNumber.LimitExceed",
        ),
        tag_param(),
        Boolean("DeletionProtection"),
        String("ResourceGroupId"),
        *metadata_option_params(),
    ]
    if run:
        params += [
            RepeatList("SecurityGroupIds", max_items=16, code="JoinedGroupLimitExceed"),
            Integer("Amount", minimum=1, code="InvalidParam.Amount", http_status=403),
            Integer("MinAmount", minimum=1, maximum=100, code="InvalidMinAmount.Malformed"),
            Boolean("UniqueSuffix"),
            String("AutoReleaseTime"),
        ]
    return tuple(params)


def launch_spec(params: dict[str, Any]) -> LaunchSpec:
    if params.get("ImageFamily"):
        # ecsim's images belong to no family yet
        raise _image_and_family() if params.get("ImageId") else _no_family_image()
    return LaunchSpec(
        image_id=params.get("ImageId", ""),
        instance_type=params.get("InstanceType", ""),
        security_group_ids=_security_groups(params),
        vswitch_id=params.get("VSwitchId"),
        zone_id=params.get("ZoneId"),
        private_ip=_private_ip(params.get("PrivateIpAddress")),
        name=params.get("InstanceName"),
        host_name=params.get("HostName"),
        unique_suffix=params.get("UniqueSuffix", False),
        description=params.get("Description", ""),
        password=params.get("Password", ""),
        password_inherit=params.get("PasswordInherit", False),
        key_pair_name=params.get("KeyPairName"),
        user_data=params.get("UserData", ""),
        internet_max_bandwidth_out=params.get("InternetMaxBandwidthOut", 0),
        internet_max_bandwidth_in=params.get("InternetMaxBandwidthIn"),
        internet_charge_type=params.get("InternetChargeType", "PayByTraffic"),
        instance_charge_type=params.get("InstanceChargeType", "PostPaid"),
        period=params.get("Period"),
        spot_strategy=params.get("SpotStrategy", "NoSpot"),
        io_optimized=params.get("IoOptimized", "optimized") == "optimized",
        system_disk=_system_disk(params.get("SystemDisk", {})),
        data_disks=tuple(_data_disk(item) for item in params.get("DataDisk", [])),
        tags=tags_from(params),
        deletion_protection=params.get("DeletionProtection", False),
        resource_group_id=params.get("ResourceGroupId", ""),
        auto_release_time=params.get("AutoReleaseTime", ""),
        http_endpoint=params.get("HttpEndpoint", "enabled"),
        http_tokens=params.get("HttpTokens", "optional"),
        http_put_response_hop_limit=params.get("HttpPutResponseHopLimit", 1),
    )


def _security_groups(params: dict[str, Any]) -> tuple[str, ...]:
    single = params.get("SecurityGroupId")
    many = params.get("SecurityGroupIds")
    if single and many:
        raise _single_and_multi()
    return (single,) if single else tuple(many or ())


def _private_ip(text: str | None) -> ipaddress.IPv4Address | None:
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise _private_ip_malformed() from None


def _system_disk(fields: dict[str, Any]) -> SystemDiskSpec:
    return SystemDiskSpec(
        category=fields.get("Category"),
        size=fields.get("Size"),
        name=fields.get("DiskName", ""),
        description=fields.get("Description", ""),
        performance_level=fields.get("PerformanceLevel", ""),
    )


def _data_disk(fields: dict[str, Any]) -> DataDiskSpec:
    return DataDiskSpec(
        size=fields.get("Size"),
        category=fields.get("Category"),
        snapshot_id=fields.get("SnapshotId"),
        name=fields.get("DiskName", ""),
        description=fields.get("Description", ""),
        device=fields.get("Device", ""),
        delete_with_instance=fields.get("DeleteWithInstance", True),
        performance_level=fields.get("PerformanceLevel", ""),
    )

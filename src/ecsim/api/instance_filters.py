"""DescribeInstances' request: its declared parameters and the query they make (reference
§3.3). Enumerated filters refuse an unknown value with the action's documented 404 codes;
the JSON-array filters refuse anything but an array of at most 100 values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ecsim.api.paging import page_params, token_params
from ecsim.api.params import Boolean, JsonList, Param, RepeatList, String
from ecsim.control.instance_filters import InstanceQuery
from ecsim.errors import EcsError
from ecsim.model.instance import InstanceNetworkType, InstanceStatus

__all__ = ["describe_instances_params", "instance_query"]

_STATUSES = tuple(status.value for status in InstanceStatus)
_NETWORK_TYPES = tuple(kind.value for kind in InstanceNetworkType)
_LOCK_REASONS = ("financial", "security", "Recycling", "dedicatedhostfinancial", "refunded")
_FILTER_KEYS = ("CreationStartTime", "CreationEndTime", "ExpiredStartTime", "ExpiredEndTime")
# ``yyyy-MM-ddTHH:mmZ`` as documented; seconds are accepted and ignored.
_FILTER_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::[0-9]{2})?Z")


def describe_instances_params() -> tuple[Param, ...]:
    return (
        String("RegionId", required=True),
        JsonList("InstanceIds", max_items=100, code="InvalidInstanceIds.Malformed"),
        String("VpcId"),
        String("VSwitchId"),
        String("ZoneId"),
        String("SecurityGroupId"),
        String("InstanceName"),
        String("Status", enum=_STATUSES, code="InvalidStatus.NotFound", http_status=404),
        String("InstanceType"),
        String("InstanceTypeFamily"),
        String("ImageId"),
        String(
            "InstanceNetworkType",
            enum=_NETWORK_TYPES,
            code="InvalidNetworkType.NotFound",
            http_status=404,
        ),
        String(
            "InstanceChargeType",
            enum=("PostPaid", "PrePaid"),
            code="InvalidInstanceChargeType.NotFound",
            http_status=404,
        ),
        String(
            "InternetChargeType",
            enum=("PayByBandwidth", "PayByTraffic"),
            code="InvalidInternetChargeType.ValueNotSupported",
            http_status=404,
        ),
        JsonList("PrivateIpAddresses", max_items=100, code="InvalidPrivateIpAddress.Malformed"),
        JsonList("InnerIpAddresses", max_items=100, code="InvalidInnerIpAddress.Malformed"),
        JsonList("PublicIpAddresses", max_items=100, code="InvalidIpAddress.Malformed"),
        JsonList("EipAddresses", max_items=100, code="InvalidIpAddress.Malformed"),
        String("KeyPairName"),
        String("ResourceGroupId"),
        String(
            "LockReason", enum=_LOCK_REASONS, code="InvalidLockReason.NotFound", http_status=404
        ),
        Boolean("IoOptimized"),
        RepeatList(
            "Tag", fields=(String("Key"), String("Value")), max_items=20, code="InvalidTagCount"
        ),
        RepeatList(
            "Filter",
            fields=(String("Key"), String("Value")),
            max_items=len(_FILTER_KEYS),
            code="InvalidFilterKey.NotFound",
            http_status=404,
        ),
        *page_params(),
        *token_params(),
    )


def instance_query(params: dict[str, Any]) -> InstanceQuery:
    status = params.get("Status")
    network_type = params.get("InstanceNetworkType")
    windows = _windows(params.get("Filter", []))
    return InstanceQuery(
        instance_ids=_texts(params.get("InstanceIds")),
        vpc_id=params.get("VpcId"),
        vswitch_id=params.get("VSwitchId"),
        zone_id=params.get("ZoneId"),
        security_group_id=params.get("SecurityGroupId"),
        name=params.get("InstanceName"),
        status=InstanceStatus(status) if status else None,
        instance_type=params.get("InstanceType"),
        instance_type_family=params.get("InstanceTypeFamily"),
        image_id=params.get("ImageId"),
        network_type=InstanceNetworkType(network_type) if network_type else None,
        instance_charge_type=params.get("InstanceChargeType"),
        internet_charge_type=params.get("InternetChargeType"),
        private_ips=_address_set(params.get("PrivateIpAddresses")),
        public_ips=_address_set(params.get("PublicIpAddresses")),
        eip_addresses=_address_set(params.get("EipAddresses")),
        inner_ips=_address_set(params.get("InnerIpAddresses")),
        key_pair_name=params.get("KeyPairName"),
        resource_group_id=params.get("ResourceGroupId"),
        lock_reason=_lock_reason(params.get("LockReason")),
        io_optimized=params.get("IoOptimized"),
        tags=_tags(params.get("Tag", [])),
        created_from=windows.get("CreationStartTime"),
        created_until=windows.get("CreationEndTime"),
        expires_from=windows.get("ExpiredStartTime"),
        expires_until=windows.get("ExpiredEndTime"),
    )


def _texts(values: list[Any] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(str(value) for value in values)


def _address_set(values: list[Any] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(str(value).strip() for value in values)


def _lock_reason(reason: str | None) -> str | None:
    # The documentation capitalises Recycling; instances carry the lower-case reason.
    return reason.lower() if reason == "Recycling" else reason


def _tags(items: list[dict[str, Any]]) -> dict[str, str | None]:
    """``Tag.N`` as a filter: key -> value (None: any value); a value needs its key."""
    wanted: dict[str, str | None] = {}
    for item in items:
        key, value = item.get("Key"), item.get("Value")
        if not key:
            if value:
                raise EcsError(
                    "The specified Tag.n.Key and Tag.n.Value are not match.",
                    code="InvalidTag.Mismatch",
                    http_status=400,
                )
            continue
        wanted[key] = value if value else None
    return wanted


def _windows(items: list[dict[str, Any]]) -> dict[str, datetime]:
    """``Filter.N``: each documented key with its time (``yyyy-MM-ddTHH:mmZ``, UTC)."""
    windows: dict[str, datetime] = {}
    for item in items:
        key, value = item.get("Key"), item.get("Value")
        if key not in _FILTER_KEYS:
            raise EcsError(
                f"Invalid filter.{key}.", code="InvalidFilterKey.NotFound", http_status=404
            )
        moment = _filter_time(value)
        if moment is None:
            raise EcsError(f"Invalid filter.{key}.", code="InvalidFilterValue", http_status=404)
        windows[key] = moment
    return windows


def _filter_time(text: str | None) -> datetime | None:
    match = _FILTER_TIME.fullmatch(text or "")
    if match is None:
        return None
    year, month, day, hour, minute = (int(group) for group in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None

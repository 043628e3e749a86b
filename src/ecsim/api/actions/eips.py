"""eips actions, served in the ECS version (2014-05-26, as Packer calls them) and the VPC
product version (2016-04-28).

The same handlers serve both; each version declares the parameters its own metadata lists,
and answers carry the fields of that version's schema. Addresses come from the host's pool
(198.18.0.0/15, see ``model.eip``).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.id_filters import comma_ids
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import RepeatList, String
from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import tag_filter, tag_param
from ecsim.control.addresses import EipQuery, EipView, NewEip
from ecsim.control.error_builders import fixed
from ecsim.control.network_rules import check_eip_description, check_eip_name
from ecsim.errors import EcsError
from ecsim.model.eip import DEFAULT_BANDWIDTH, BoundType, EipStatus, InternetChargeType
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["ecs_actions", "vpc_actions"]

ecs_actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)

# AllocationId and EipAddress filters take at most this many comma-separated values.
_MAX_FILTER_IDS = 50
_CHARGE_TYPES = tuple(t.value for t in InternetChargeType)
# Line types anyone may choose; the single-carrier ones need an allow-list on Alibaba Cloud.
_ISPS = ("BGP", "BGP_PRO")
_BOUND_TYPES = ("EcsInstance", "NetworkInterface")
# What DescribeEipAddresses can filter on; ecsim binds EIPs only to ECS instances and ENIs.
_ASSOCIATED_TYPES = (*_BOUND_TYPES, "SlbInstance", "Nat", "HaVip", "IpAddress")
# Filter.N.Value, as documented: YYYY-MM-DDThh:mmZ (UTC).
_FILTER_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z")


def allocate_eip_address(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    charge_type = InternetChargeType(params["InternetChargeType"])
    spec = NewEip(
        bandwidth=_bandwidth(params.get("Bandwidth"), charge_type),
        internet_charge_type=charge_type,
        isp=params.get("ISP", "BGP"),
        name=check_eip_name(params.get("Name")) or "",
        description=check_eip_description(params.get("Description")) or "",
        resource_group_id=params.get("ResourceGroupId", ""),
        address=_address(params.get("IpAddress")),
    )
    eip = services.addresses.allocate(ctx.account_id, params["RegionId"], spec)
    body = {"AllocationId": eip.allocation_id, "EipAddress": str(eip.address)}
    if ctx.product == VPC:
        body["ResourceGroupId"] = eip.resource_group_id
    return body


def describe_eip_addresses(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    allocation_ids = comma_ids(params.get("AllocationId"))
    addresses = comma_ids(params.get("EipAddress"))
    if any(ids is not None and len(ids) > _MAX_FILTER_IDS for ids in (allocation_ids, addresses)):
        raise EcsError("Parameter exceed max length", code="InvalidParameter", http_status=400)
    associated = params.get("AssociatedInstanceType")
    start, end = _creation_window(params.get("Filter", []))
    query = EipQuery(
        allocation_ids=allocation_ids,
        addresses=addresses,
        status=EipStatus(params["Status"]) if "Status" in params else None,
        bound_type=BoundType(associated) if associated in _BOUND_TYPES else None,
        bound_id=params.get("AssociatedInstanceId"),
        isp=params.get("ISP"),
        name=params.get("EipName"),
        resource_group_id=params.get("ResourceGroupId"),
        tags=tag_filter(params),
        allocated_from=start,
        allocated_until=end,
        # every ecsim EIP is pay-as-you-go, unlocked and bound (if at all) to an instance or
        # an interface
        matches_nothing=(
            params.get("ChargeType") == "PrePaid"
            or "LockReason" in params
            or (associated is not None and associated not in _BOUND_TYPES)
        ),
    )
    views = services.addresses.describe(ctx.account_id, params["RegionId"], query)
    page = number_page(views, params, default_size=10, max_size=100)
    full = ctx.product == VPC
    items = [_eip(view, full=full) for view in page.items]
    return page.fields() | {"EipAddresses": {"EipAddress": items}}


def associate_eip_address(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.addresses.associate(
        ctx.account_id,
        ctx.region_id,
        params["AllocationId"],
        BoundType(params["InstanceType"]),
        params["InstanceId"],
    )
    return {}


def unassociate_eip_address(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.addresses.unassociate(
        ctx.account_id, ctx.region_id, params["AllocationId"], params.get("InstanceId")
    )
    return {}


def release_eip_address(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.addresses.release(ctx.account_id, ctx.region_id, params["AllocationId"])
    return {}


def _bandwidth(text: str | None, charge_type: InternetChargeType) -> int:
    """Bandwidth travels as a string of Mbit/s; the range depends on the charge type."""
    if text is None:
        return DEFAULT_BANDWIDTH
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
    if value is None or value not in charge_type.bandwidth:
        raise EcsError(
            "The specified Bandwidth is invalid.",
            code="InvalidBandwidth.Malformed",
            http_status=400,
        )
    return value


def _address(text: str | None) -> ipaddress.IPv4Address | None:
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise EcsError(
            "The specified ip is not found.", code="ResourceNotFound.Ip", http_status=400
        ) from None


def _creation_window(filters: list[dict[str, str]]) -> tuple[datetime | None, datetime | None]:
    """Filter.N: CreationStartTime / CreationEndTime, each YYYY-MM-DDThh:mmZ."""
    window: dict[str, datetime] = {}
    for item in filters:
        key, value = item.get("Key"), item.get("Value")
        if key not in ("CreationStartTime", "CreationEndTime"):
            raise EcsError(
                "The specified Filterkey is not supported.",
                code="InvalidFilterKey.NotFound",
                http_status=404,
            )
        if value is None or not _FILTER_TIME.fullmatch(value):
            raise _bad_filter_value()
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        except ValueError:
            raise _bad_filter_value() from None
        window[key] = moment
    return window.get("CreationStartTime"), window.get("CreationEndTime")


_bad_filter_value = fixed(
    "The specified FilterValue is not supported.", code="InvalidFilterValue", http_status=404
)


def _eip(view: EipView, *, full: bool) -> dict[str, Any]:
    eip = view.eip
    binding = eip.binding
    body: dict[str, Any] = {
        "AllocationId": eip.allocation_id,
        "IpAddress": str(eip.address),
        "Status": view.status.value,
        "RegionId": eip.region_id,
        "InstanceId": binding.target_id if binding else "",
        "InstanceType": binding.bound_type.value if binding else "",
        "Bandwidth": str(eip.bandwidth),
        "EipBandwidth": str(eip.bandwidth),
        "InternetChargeType": eip.internet_charge_type.value,
        "ChargeType": "PostPaid",
        "AllocationTime": format_seconds(eip.allocated_at),
        "ExpiredTime": "",
        "OperationLocks": {"LockReason": []},
    }
    if full:
        body |= {
            "Name": eip.name,
            "Description": eip.description,
            "ISP": eip.isp,
            "Netmode": "public",
            "Mode": "NAT",
            "PrivateIpAddress": str(binding.private_ip) if binding else "",
            "InstanceRegionId": eip.region_id if binding else "",
            "ResourceGroupId": eip.resource_group_id,
            "DeletionProtection": False,
            "SecondLimited": False,
            "BusinessStatus": "Normal",
            "BizType": "Default",
            "SecurityProtectionTypes": {"SecurityProtectionType": []},
            "Tags": {"Tag": [{"Key": k, "Value": v} for k, v in view.tags.items()]},
        }
    return body


# -- declarations: ECS 2014-05-26 -------------------------------------------------------------

_ALLOCATE = (
    String("RegionId", required=True),
    String("Bandwidth"),
    String("ISP", enum=_ISPS, code="IllegalParam.Isp"),
    String("InternetChargeType", enum=_CHARGE_TYPES, default="PayByBandwidth"),
)
_DESCRIBE = (
    String("RegionId", required=True),
    String("AllocationId"),
    String("EipAddress"),
    String("Status", enum=tuple(s.value for s in EipStatus)),
    String("ISP"),
    String(
        "AssociatedInstanceType",
        enum=_ASSOCIATED_TYPES,
        code="InvalidIAssociatedInstanceType.ValueNotSupported",
    ),
    String("AssociatedInstanceId"),
    String("ChargeType", enum=("PostPaid", "PrePaid"), code="InvalidChargeType.ValueNotSupported"),
    String(
        "LockReason",
        enum=("financial", "security"),
        code="InvalidLockReason.NotFound",
        http_status=404,
    ),
    RepeatList("Filter", fields=(String("Key"), String("Value")), max_items=2),
    *page_params(),
)
_INSTANCE_TYPE = String(
    "InstanceType",
    enum=_BOUND_TYPES,
    default="EcsInstance",
    code="InvalidInstanceType.ValueNotSupported",
)
_TARGET = (String("RegionId"), String("AllocationId", required=True), _INSTANCE_TYPE)
_NAMED_TARGET = (*_TARGET, String("InstanceId", required=True))
_RELEASE = (String("RegionId"), String("AllocationId", required=True))

ecs_actions.action("AllocateEipAddress", params=_ALLOCATE, idempotent=True)(allocate_eip_address)
ecs_actions.action("DescribeEipAddresses", params=_DESCRIBE)(describe_eip_addresses)
ecs_actions.action("AssociateEipAddress", params=_NAMED_TARGET, mutating=True)(
    associate_eip_address
)
ecs_actions.action("UnassociateEipAddress", params=_NAMED_TARGET, mutating=True)(
    unassociate_eip_address
)
ecs_actions.action("ReleaseEipAddress", params=_RELEASE, mutating=True)(release_eip_address)

# -- declarations: VPC 2016-04-28 -------------------------------------------------------------

vpc_actions.action(
    "AllocateEipAddress",
    params=(
        *_ALLOCATE,
        # ecsim sells pay-as-you-go EIPs only
        String("InstanceChargeType", enum=("PostPaid",)),
        String("Netmode", enum=("public",)),
        String("Name"),
        String("Description"),
        String("ResourceGroupId"),
        String("IpAddress"),
    ),
    idempotent=True,
)(allocate_eip_address)
vpc_actions.action(
    "DescribeEipAddresses",
    params=(*_DESCRIBE, String("EipName"), String("ResourceGroupId"), tag_param()),
    dry_run=True,
)(describe_eip_addresses)
vpc_actions.action("AssociateEipAddress", params=_NAMED_TARGET, idempotent=True)(
    associate_eip_address
)
vpc_actions.action(
    "UnassociateEipAddress", params=(*_TARGET, String("InstanceId")), idempotent=True
)(unassociate_eip_address)
vpc_actions.action("ReleaseEipAddress", params=_RELEASE, mutating=True)(release_eip_address)

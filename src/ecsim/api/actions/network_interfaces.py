"""network_interfaces actions (ECS 2014-05-26): elastic network interfaces (ENIs)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params, token_page
from ecsim.api.params import Boolean, Integer, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.network_interface_queries import InterfaceQuery, InterfaceView
from ecsim.control.network_interfaces import InterfaceChange, NewInterface
from ecsim.errors import EcsError, MissingParameter
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)

_TYPES = {"Primary": True, "Secondary": False}
_STATUSES = ("Available", "Attaching", "InUse", "Detaching", "Deleting")
# MaxResults: values under 10 count as 10, over 500 as 500 (the documented bounds)
_MIN_RESULTS, _MAX_RESULTS = 10, 500


@actions.action(
    "CreateNetworkInterface",
    params=(
        String("RegionId", required=True),
        String("VSwitchId", required=True),
        String("SecurityGroupId"),
        RepeatList("SecurityGroupIds", max_items=16),
        String("PrimaryIpAddress"),
        String("NetworkInterfaceName"),
        String("Description"),
        tag_param(),
    ),
    idempotent=True,
)
def create_network_interface(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    spec = NewInterface(
        vswitch_id=params["VSwitchId"],
        group_ids=_create_groups(params),
        primary_ip=_address(params.get("PrimaryIpAddress")),
        name=params.get("NetworkInterfaceName", ""),
        description=params.get("Description", ""),
        tags=tags_from(params),
    )
    view = services.network_interfaces.create(ctx.account_id, ctx.region, spec)
    eni = view.eni
    return {
        "NetworkInterfaceId": eni.eni_id,
        "Status": eni.status,
        "Type": "Secondary",
        "VpcId": eni.vpc_id or "",
        "VSwitchId": eni.vswitch_id or "",
        "ZoneId": eni.zone_id,
        "PrivateIpAddress": str(eni.primary_ip),
        "MacAddress": eni.mac_address,
        "NetworkInterfaceName": eni.name,
        "Description": eni.description,
        "ResourceGroupId": "",
        "OwnerId": eni.account_id,
        "ServiceManaged": False,
        "SecurityGroupIds": {"SecurityGroupId": list(eni.security_group_ids)},
        "PrivateIpSets": {
            "PrivateIpSet": [{"PrivateIpAddress": str(eni.primary_ip), "Primary": True}]
        },
        "Ipv6Sets": {"Ipv6Set": []},
        "Tags": render_tags(view.tags),
    }


def _create_groups(params: dict[str, Any]) -> tuple[str, ...]:
    """SecurityGroupId or SecurityGroupIds.N: exactly one of the two."""
    single = params.get("SecurityGroupId")
    several = params.get("SecurityGroupIds")
    if single is not None and several is not None:
        raise EcsError(
            "SecurityGroupId and SecurityGroupIds.N cannot be specified together.",
            code="InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            http_status=400,
        )
    if single is not None:
        return (single,)
    if several:
        return tuple(several)
    raise MissingParameter("SecurityGroupId")


def _address(text: str | None) -> ipaddress.IPv4Address | None:
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise EcsError(
            "The specified private IP address is malformed.",
            code="InvalidPrivateIpAddress.Malformed",
            http_status=400,
        ) from None


@actions.action(
    "AttachNetworkInterface",
    params=(
        String("RegionId", required=True),
        String("NetworkInterfaceId", required=True),
        String("InstanceId", required=True),
        Boolean("WaitForNetworkConfigurationReady"),
        Integer(
            "NetworkCardIndex",
            # one network card per instance here
            minimum=0,
            maximum=0,
            code="InvalidParameter.NetworkCardIndexInvalid",
        ),
    ),
    mutating=True,
)
def attach_network_interface(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.network_interfaces.attach(
        ctx.account_id, ctx.region, params["NetworkInterfaceId"], params["InstanceId"]
    )
    return {}


@actions.action(
    "DetachNetworkInterface",
    params=(
        String("RegionId", required=True),
        String("NetworkInterfaceId", required=True),
        String("InstanceId", required=True),
    ),
    mutating=True,
)
def detach_network_interface(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.network_interfaces.detach(
        ctx.account_id, ctx.region, params["NetworkInterfaceId"], params["InstanceId"]
    )
    return {}


@actions.action(
    "DeleteNetworkInterface",
    params=(String("RegionId", required=True), String("NetworkInterfaceId", required=True)),
    mutating=True,
)
def delete_network_interface(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.network_interfaces.delete(ctx.account_id, ctx.region, params["NetworkInterfaceId"])
    return {}


@actions.action(
    "ModifyNetworkInterfaceAttribute",
    params=(
        String("RegionId", required=True),
        String("NetworkInterfaceId", required=True),
        String("NetworkInterfaceName"),
        String("Description"),
        RepeatList("SecurityGroupId", max_items=100),
    ),
    mutating=True,
)
def modify_network_interface_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    groups = params.get("SecurityGroupId")
    change = InterfaceChange(
        name=params.get("NetworkInterfaceName"),
        description=params.get("Description"),
        group_ids=tuple(groups) if groups else None,
    )
    services.network_interfaces.modify(
        ctx.account_id, ctx.region, params["NetworkInterfaceId"], change
    )
    return {}


@actions.action(
    "DescribeNetworkInterfaces",
    params=(
        String("RegionId", required=True),
        RepeatList("NetworkInterfaceId", max_items=1000),
        String("VSwitchId"),
        String("VpcId"),
        String("PrimaryIpAddress"),
        RepeatList("PrivateIpAddress", max_items=100),
        RepeatList("Ipv6Address", max_items=1000),
        String("SecurityGroupId"),
        String("NetworkInterfaceName"),
        String("Type", enum=tuple(_TYPES)),
        String("InstanceId"),
        String("Status", enum=_STATUSES),
        String("ResourceGroupId"),
        Boolean("ServiceManaged"),
        tag_param(),
        *page_params(),
        String("NextToken", max_length=256),
        Integer("MaxResults"),
    ),
)
def describe_network_interfaces(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    views = services.network_interfaces.describe(ctx.account_id, ctx.region, _query(params))
    body: dict[str, Any] = {}
    if "NextToken" in params or "MaxResults" in params:
        size = min(max(int(params.get("MaxResults") or 0), _MIN_RESULTS), _MAX_RESULTS)
        page = token_page(views, params | {"MaxResults": size}, max_size=_MAX_RESULTS)
        body.update(NextToken=page.next_token, TotalCount=page.total_count)
        shown = page.items
    else:
        numbered = number_page(views, params, default_size=10, max_size=1000)
        body.update(numbered.fields())
        shown = numbered.items
    body["NetworkInterfaceSets"] = {"NetworkInterfaceSet": [_render(view) for view in shown]}
    return body


def _query(params: dict[str, Any]) -> InterfaceQuery:
    ids = params.get("NetworkInterfaceId")
    type_ = params.get("Type")
    private = [_filter_address(text) for text in params.get("PrivateIpAddress") or ()]
    primary_text = params.get("PrimaryIpAddress")
    primary_ip = _filter_address(primary_text) if primary_text is not None else None
    return InterfaceQuery(
        eni_ids=frozenset(ids) if ids else None,
        vswitch_id=params.get("VSwitchId"),
        vpc_id=params.get("VpcId"),
        primary_ip=primary_ip,
        private_ips=frozenset(a for a in private if a is not None) if private else None,
        group_id=params.get("SecurityGroupId"),
        name=params.get("NetworkInterfaceName"),
        primary=_TYPES[type_] if type_ else None,
        instance_id=params.get("InstanceId"),
        status=params.get("Status"),
        resource_group_id=params.get("ResourceGroupId"),
        tags=tag_filter(params),
        # no interface has IPv6 addresses, is managed by a service, or has an address that
        # is not one
        matches_nothing=bool(params.get("Ipv6Address"))
        or params.get("ServiceManaged") is True
        or (primary_text is not None and primary_ip is None),
    )


def _filter_address(text: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


@actions.action(
    "DescribeNetworkInterfaceAttribute",
    params=(
        String("RegionId", required=True),
        String("NetworkInterfaceId", required=True),
        String("Attribute"),
    ),
)
def describe_network_interface_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    view = services.network_interfaces.view(
        ctx.account_id, ctx.region, params["NetworkInterfaceId"]
    )
    return _render(view)


def _render(view: InterfaceView) -> dict[str, Any]:
    eni = view.eni
    address = str(eni.primary_ip)
    public = (
        {"PublicIpAddress": view.public_ip, "AllocationId": view.allocation_id}
        if view.public_ip
        else None
    )
    private_set: dict[str, Any] = {"PrivateIpAddress": address, "Primary": True}
    body: dict[str, Any] = {
        "NetworkInterfaceId": eni.eni_id,
        "NetworkInterfaceName": eni.name,
        "Description": eni.description,
        "Status": eni.status,
        "Type": "Primary" if eni.primary else "Secondary",
        "VpcId": eni.vpc_id or "",
        "VSwitchId": eni.vswitch_id or "",
        "ZoneId": eni.zone_id,
        "PrivateIpAddress": address,
        "MacAddress": eni.mac_address,
        "InstanceId": eni.instance_id or "",
        "CreationTime": format_seconds(eni.created_at) if eni.created_at else "",
        "ResourceGroupId": "",
        "OwnerId": eni.account_id,
        "ServiceManaged": False,
        "NetworkInterfaceTrafficMode": "Standard",
        "SecurityGroupIds": {"SecurityGroupId": list(eni.security_group_ids)},
        "PrivateIpSets": {"PrivateIpSet": [private_set]},
        "Ipv6Sets": {"Ipv6Set": []},
        "Ipv4PrefixSets": {"Ipv4PrefixSet": []},
        "Ipv6PrefixSets": {"Ipv6PrefixSet": []},
        "Tags": render_tags(view.tags),
    }
    if public is not None:
        private_set["AssociatedPublicIp"] = public
        body["AssociatedPublicIp"] = dict(public)
    if eni.instance_id is not None:
        body["Attachment"] = {
            "InstanceId": eni.instance_id,
            "DeviceIndex": view.device_index,
            "NetworkCardIndex": 0,
        }
    return body

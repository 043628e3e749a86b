"""vswitches actions, served in the ECS version (2014-05-26, as Packer calls them) and the VPC
product version (2016-04-28).

The same handlers serve both; each version declares the parameters its own metadata lists,
and answers carry the fields of that version's schema.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Boolean, String
from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import tag_filter, tag_param, tags_from
from ecsim.control.network_rules import check_description, check_name, vswitch_block
from ecsim.control.vswitches import NewVSwitch, VSwitchQuery, VSwitchView
from ecsim.errors import MissingParameter
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["ecs_actions", "vpc_actions"]

ecs_actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)


def _name(params: dict[str, Any]) -> str | None:
    return check_name(
        params.get("VSwitchName"),
        code="InvalidVSwitchName.Malformed",
        message="Specified virtual switch name is not valid.",
    )


def _description(params: dict[str, Any]) -> str | None:
    # "Discription" is how Alibaba spells this code
    return check_description(
        params.get("Description"),
        code="InvalidVSwitchDiscription.Malformed",
        message="Specified virtual switch description is not valid.",
    )


def create_vswitch(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    spec = NewVSwitch(
        vpc_id=params["VpcId"],
        zone_id=params["ZoneId"],
        cidr_block=vswitch_block(params["CidrBlock"]),
        name=_name(params) or "",
        description=_description(params) or "",
        tags=tags_from(params),
    )
    vswitch = services.networks.vswitches.create(ctx.account_id, ctx.region_id, spec)
    return {"VSwitchId": vswitch.vswitch_id}


def describe_vswitches(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    # RegionId is optional only when VpcId names the VPC instead.
    if ctx.region_id is None and "VpcId" not in params:
        raise MissingParameter("RegionId")
    vswitch_ids = params.get("VSwitchId")
    query = VSwitchQuery(
        vpc_id=params.get("VpcId"),
        vswitch_ids=tuple(i.strip() for i in vswitch_ids.split(",")) if vswitch_ids else None,
        zone_id=params.get("ZoneId"),
        name=params.get("VSwitchName"),
        is_default=params.get("IsDefault"),
        resource_group_id=params.get("ResourceGroupId"),
        tags=tag_filter(params),
    )
    views = services.networks.vswitches.describe(ctx.account_id, ctx.region_id, query)
    page = number_page(views, params, default_size=10, max_size=50)
    full = ctx.product == VPC
    items = [_vswitch(view, full=full) for view in page.items]
    return page.fields() | {"VSwitches": {"VSwitch": items}}


def modify_vswitch_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.networks.vswitches.modify(
        ctx.account_id, ctx.region_id, params["VSwitchId"], _name(params), _description(params)
    )
    return {}


def delete_vswitch(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.networks.vswitches.delete(ctx.account_id, ctx.region_id, params["VSwitchId"])
    return {}


def _vswitch(view: VSwitchView, *, full: bool) -> dict[str, Any]:
    vswitch = view.vswitch
    body: dict[str, Any] = {
        "VSwitchId": vswitch.vswitch_id,
        "VpcId": vswitch.vpc_id,
        "ZoneId": vswitch.zone_id,
        "Status": view.status.value,
        "CidrBlock": str(vswitch.cidr_block),
        "VSwitchName": vswitch.name,
        "Description": vswitch.description,
        "AvailableIpAddressCount": view.available_ip_count,
        "IsDefault": vswitch.is_default,
        "ResourceGroupId": vswitch.resource_group_id,
        "CreationTime": format_seconds(vswitch.created_at),
    }
    if full:
        body |= {
            "OwnerId": int(vswitch.account_id),
            "RouteTable": {"RouteTableId": view.route_table_id, "RouteTableType": "System"},
            "Ipv6CidrBlock": "",
            "EnabledIpv6": False,
            "ShareType": "",
            "Tags": {"Tag": [{"Key": k, "Value": v} for k, v in view.tags.items()]},
        }
    return body


# -- declarations: ECS 2014-05-26 -------------------------------------------------------------

_CREATE = (
    String("VpcId", required=True),
    String("ZoneId", required=True),
    String("CidrBlock", required=True),
    String("RegionId"),
    String("VSwitchName"),
    String("Description"),
)
_DESCRIBE = (
    String("RegionId"),
    String("VpcId"),
    String("VSwitchId"),
    String("ZoneId"),
    Boolean("IsDefault"),
    *page_params(),
)
_MODIFY = (
    String("VSwitchId", required=True),
    String("RegionId"),
    String("VSwitchName"),
    String("Description"),
)
_DELETE = (String("VSwitchId", required=True), String("RegionId"))

ecs_actions.action("CreateVSwitch", params=_CREATE, idempotent=True)(create_vswitch)
ecs_actions.action("DescribeVSwitches", params=_DESCRIBE)(describe_vswitches)
ecs_actions.action("ModifyVSwitchAttribute", params=_MODIFY, mutating=True)(
    modify_vswitch_attribute
)
ecs_actions.action("DeleteVSwitch", params=_DELETE, mutating=True)(delete_vswitch)

# -- declarations: VPC 2016-04-28 -------------------------------------------------------------

vpc_actions.action("CreateVSwitch", params=(*_CREATE, tag_param()), idempotent=True)(create_vswitch)
vpc_actions.action(
    "DescribeVSwitches",
    params=(*_DESCRIBE, String("VSwitchName"), String("ResourceGroupId"), tag_param()),
    dry_run=True,
)(describe_vswitches)
vpc_actions.action("ModifyVSwitchAttribute", params=_MODIFY, mutating=True)(
    modify_vswitch_attribute
)
vpc_actions.action("DeleteVSwitch", params=_DELETE, mutating=True)(delete_vswitch)

"""vpcs actions, served in the ECS version (2014-05-26, as Packer calls them) and the VPC
product version (2016-04-28).

The same handlers serve both; each version declares the parameters its own metadata lists,
and answers carry the fields of that version's schema (the VPC product's add tags, owner and
route tables).
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.id_filters import comma_ids
from ecsim.api.paging import number_page, page_params
from ecsim.api.params import Boolean, String
from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import tag_filter, tag_param, tags_from
from ecsim.control.network_rules import check_description, check_name, user_cidrs, vpc_block
from ecsim.control.vpcs import NewVpc, VpcChanges, VpcQuery, VpcView
from ecsim.errors import EcsError
from ecsim.model.network import DEFAULT_VPC_BLOCK
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["ecs_actions", "vpc_actions"]

ecs_actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)

# DescribeVpcs takes at most this many ids in VpcId.
_MAX_VPC_IDS = 20


def _name(params: dict[str, Any]) -> str | None:
    return check_name(
        params.get("VpcName"),
        code="InvalidVpcName.Malformed",
        message="Specified VPC name is not valid.",
    )


def _description(params: dict[str, Any]) -> str | None:
    # "Discription" is how Alibaba spells this code
    return check_description(
        params.get("Description"),
        code="InvalidVpcDiscription.Malformed",
        message="Specified VPC description is not valid.",
    )


def create_vpc(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    spec = NewVpc(
        cidr_block=vpc_block(params["CidrBlock"]),
        name=_name(params) or "",
        description=_description(params) or "",
        user_cidrs=user_cidrs(params.get("UserCidr")),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    vpc = services.networks.vpcs.create(ctx.account_id, params["RegionId"], spec)
    body = {"VpcId": vpc.vpc_id, "VRouterId": vpc.vrouter_id, "RouteTableId": vpc.route_table_id}
    if ctx.product == VPC:
        body["ResourceGroupId"] = vpc.resource_group_id
    return body


def describe_vpcs(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    vpc_ids = comma_ids(params.get("VpcId"))
    if vpc_ids is not None and len(vpc_ids) > _MAX_VPC_IDS:
        raise EcsError(
            "The number of vpcIds exceeds the limit.",
            code="InvalidVpcIdNumber.NotSupported",
            http_status=400,
        )
    query = VpcQuery(
        vpc_ids=vpc_ids,
        name=params.get("VpcName"),
        is_default=params.get("IsDefault"),
        resource_group_id=params.get("ResourceGroupId"),
        tags=tag_filter(params),
    )
    views = services.networks.vpcs.describe(ctx.account_id, params["RegionId"], query)
    page = number_page(views, params, default_size=10, max_size=50)
    full = ctx.product == VPC
    return page.fields() | {"Vpcs": {"Vpc": [_vpc(view, full=full) for view in page.items]}}


def modify_vpc_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    cidr = params.get("CidrBlock")
    user = params.get("UserCidr")
    changes = VpcChanges(
        name=_name(params),
        description=_description(params),
        cidr_block=vpc_block(cidr) if cidr is not None else None,
        user_cidrs=user_cidrs(user) if user is not None else None,
    )
    services.networks.vpcs.modify(ctx.account_id, ctx.region_id, params["VpcId"], changes)
    return {}


def delete_vpc(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.networks.vpcs.delete(ctx.account_id, ctx.region_id, params["VpcId"])
    return {}


def _vpc(view: VpcView, *, full: bool) -> dict[str, Any]:
    vpc = view.vpc
    body: dict[str, Any] = {
        "VpcId": vpc.vpc_id,
        "RegionId": vpc.region_id,
        "Status": view.status.value,
        "VpcName": vpc.name,
        "Description": vpc.description,
        "CidrBlock": str(vpc.cidr_block),
        "VRouterId": vpc.vrouter_id,
        "IsDefault": vpc.is_default,
        "CreationTime": format_seconds(vpc.created_at),
        "VSwitchIds": {"VSwitchId": list(view.vswitch_ids)},
        "UserCidrs": {"UserCidr": [str(block) for block in vpc.user_cidrs]},
    }
    if full:
        body |= {
            "OwnerId": int(vpc.account_id),
            "ResourceGroupId": vpc.resource_group_id,
            "RouterTableIds": {"RouterTableIds": [vpc.route_table_id]},
            "NatGatewayIds": {"NatGatewayIds": []},
            "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
            "Ipv6CidrBlock": "",
            "EnabledIpv6": False,
            "Tags": {"Tag": [{"Key": k, "Value": v} for k, v in view.tags.items()]},
        }
    return body


# -- declarations: ECS 2014-05-26 -------------------------------------------------------------

# What both versions declare; each adds the parameters only its own metadata lists.
_CREATE = (
    String("RegionId", required=True),
    String("CidrBlock", default=str(DEFAULT_VPC_BLOCK)),
    String("VpcName"),
    String("Description"),
    String("UserCidr"),
)
_MODIFY = (
    String("VpcId", required=True),
    String("RegionId"),
    String("VpcName"),
    String("Description"),
    String("CidrBlock"),
)
_DELETE = (String("VpcId", required=True), String("RegionId"))

ecs_actions.action("CreateVpc", params=_CREATE, idempotent=True)(create_vpc)
ecs_actions.action(
    "DescribeVpcs",
    params=(
        String("RegionId", required=True),
        String("VpcId"),
        Boolean("IsDefault"),
        *page_params(),
    ),
)(describe_vpcs)
ecs_actions.action("ModifyVpcAttribute", params=(*_MODIFY, String("UserCidr")), mutating=True)(
    modify_vpc_attribute
)
ecs_actions.action("DeleteVpc", params=_DELETE, mutating=True)(delete_vpc)

# -- declarations: VPC 2016-04-28 -------------------------------------------------------------

vpc_actions.action(
    "CreateVpc",
    params=(*_CREATE, String("ResourceGroupId"), tag_param()),
    idempotent=True,
    dry_run=True,
)(create_vpc)
vpc_actions.action(
    "DescribeVpcs",
    params=(
        String("RegionId", required=True),
        String("VpcId"),
        String("VpcName"),
        Boolean("IsDefault"),
        String("ResourceGroupId"),
        tag_param(),
        *page_params(),
    ),
    dry_run=True,
)(describe_vpcs)
vpc_actions.action("ModifyVpcAttribute", params=_MODIFY, mutating=True)(modify_vpc_attribute)
vpc_actions.action("DeleteVpc", params=_DELETE, mutating=True, dry_run=True)(delete_vpc)

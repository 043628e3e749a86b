"""security_groups actions (ECS 2014-05-26): the groups themselves, not their rules."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import number_page, page_params, token_page, token_params
from ecsim.api.params import Boolean, Integer, JsonList, RepeatList, String
from ecsim.api.permission_shape import peer_names, render_permission
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.api.tagging import render_tags, tag_filter, tag_param, tags_from
from ecsim.control.security_groups import GroupListing, GroupQuery
from ecsim.errors import EcsError, InvalidParameter
from ecsim.model.security_group import GroupType
from ecsim.model.values import Direction, NicType, Policy
from ecsim.services import Services
from ecsim.times import format_seconds

__all__ = ["actions"]

actions = ActionGroup(ECS)

_GROUP_TYPES = tuple(t.value for t in GroupType)
_DIRECTIONS = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS, "all": None}
_NETWORK_TYPES = {"vpc": True, "classic": False}


@actions.action(
    "CreateSecurityGroup",
    params=(
        String("RegionId", required=True),
        String("VpcId"),
        String("SecurityGroupName"),
        String("Description"),
        String("SecurityGroupType", enum=_GROUP_TYPES, code="InvalidParams.GroupType"),
        String("ResourceGroupId"),
        Boolean("ServiceManaged"),
        tag_param(),
    ),
    idempotent=True,
)
def create_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    group = services.security_groups.create(
        ctx.account_id,
        ctx.region,
        vpc_id=params.get("VpcId"),
        name=params.get("SecurityGroupName"),
        description=params.get("Description"),
        group_type=GroupType(params.get("SecurityGroupType", GroupType.NORMAL.value)),
        resource_group_id=params.get("ResourceGroupId", ""),
        tags=tags_from(params),
    )
    return {"SecurityGroupId": group.group_id}


@actions.action(
    "DeleteSecurityGroup",
    params=(String("RegionId", required=True), String("SecurityGroupId", required=True)),
    mutating=True,
)
def delete_security_group(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.security_groups.delete(ctx.account_id, ctx.region, params["SecurityGroupId"])
    return {}


@actions.action(
    "DescribeSecurityGroups",
    params=(
        String("RegionId", required=True),
        String("VpcId"),
        String("SecurityGroupId"),
        JsonList("SecurityGroupIds", max_items=100),
        String("SecurityGroupName"),
        Boolean("FuzzyQuery"),
        String("SecurityGroupType", enum=_GROUP_TYPES, code="InvalidParameter.SecurityGroupType"),
        String("NetworkType", enum=tuple(_NETWORK_TYPES)),
        String("ResourceGroupId"),
        Boolean("ServiceManaged"),
        # Deprecated: EcsCount is always counted.
        Boolean("IsQueryEcsCount"),
        tag_param(),
        *page_params(),
        *token_params(),
    ),
    dry_run=True,
)
def describe_security_groups(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region = ctx.region
    listings = services.security_groups.describe(ctx.account_id, region, _query(params))
    body: dict[str, Any] = {"RegionId": region}
    if "NextToken" in params or "MaxResults" in params:
        # Token paging: no TotalCount; an empty NextToken marks the last page.
        try:
            page = token_page(listings, params, default_size=10, max_size=100)
        except InvalidParameter:
            raise InvalidParameter(
                "NextToken", "It is not a token this API issued.", code="InValidParameter.NextToken"
            ) from None
        body["NextToken"] = page.next_token
        shown = page.items
    else:
        numbered = number_page(listings, params, default_size=10, max_size=50)
        body.update(numbered.fields())
        shown = numbered.items
    body["SecurityGroups"] = {"SecurityGroup": [_listing(item) for item in shown]}
    return body


def _query(params: dict[str, Any]) -> GroupQuery:
    ids: set[str] | None = None
    if "SecurityGroupIds" in params:
        ids = {str(group_id) for group_id in params["SecurityGroupIds"]}
    if "SecurityGroupId" in params:
        single = {params["SecurityGroupId"]}
        ids = single if ids is None else ids & single
    group_type = params.get("SecurityGroupType")
    network_type = params.get("NetworkType")
    return GroupQuery(
        vpc_id=params.get("VpcId"),
        group_ids=frozenset(ids) if ids is not None else None,
        name=params.get("SecurityGroupName"),
        fuzzy_name=params.get("FuzzyQuery", False),
        group_type=GroupType(group_type) if group_type else None,
        in_vpc=_NETWORK_TYPES[network_type] if network_type else None,
        resource_group_id=params.get("ResourceGroupId"),
        service_managed=params.get("ServiceManaged"),
        tags=tag_filter(params),
    )


def _listing(item: GroupListing) -> dict[str, Any]:
    group = item.group
    return {
        "SecurityGroupId": group.group_id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "SecurityGroupType": group.group_type.value,
        "VpcId": group.vpc_id or "",
        "CreationTime": format_seconds(group.created_at),
        "ResourceGroupId": group.resource_group_id,
        "EcsCount": item.member_count,
        "AvailableInstanceAmount": item.available,
        "RuleCount": len(group.rules),
        "GroupToGroupRuleCount": item.group_rule_count,
        "ServiceManaged": False,
        "Tags": render_tags(item.tags),
    }


@actions.action(
    "DescribeSecurityGroupAttribute",
    params=(
        String("RegionId", required=True),
        String("SecurityGroupId", required=True),
        String("Direction", enum=tuple(_DIRECTIONS), code="InvalidParamter"),
        String("NicType"),
        String("NextToken", max_length=256),
        Integer("MaxResults", minimum=10),
    ),
)
def describe_security_group_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region = ctx.region
    groups = services.security_groups
    group = groups.get(ctx.account_id, region, params["SecurityGroupId"])
    rules = groups.rules(
        group, _DIRECTIONS[params.get("Direction", "all")], _nic_type(params.get("NicType"))
    )
    page = token_page(rules, params, default_size=500, max_size=1000)
    names = peer_names(services)
    return {
        "RegionId": region,
        "SecurityGroupId": group.group_id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "VpcId": group.vpc_id or "",
        "InnerAccessPolicy": group.inner_access_policy.wire,
        "NextToken": page.next_token,
        "Permissions": {
            "Permission": [render_permission(rule, group, names) for rule in page.items]
        },
    }


def _nic_type(text: str | None) -> NicType | None:
    if text is None:
        return None
    try:
        return NicType.parse(text)
    except ValueError:
        raise EcsError(
            "The specified NicType does not exist.",
            code="InvalidNicType.ValueNotSupported",
            http_status=400,
        ) from None


@actions.action(
    "ModifySecurityGroupPolicy",
    params=(
        String("RegionId", required=True),
        String("SecurityGroupId", required=True),
        String("InnerAccessPolicy", required=True),
    ),
    idempotent=True,
)
def modify_security_group_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    try:
        policy = Policy.parse(params["InnerAccessPolicy"])
    except ValueError:
        raise EcsError(
            "The Policy is invalid. Only 'Accept' and 'Drop' are supported. Ignore case.",
            code="InvalidPolicy.Malformed",
            http_status=400,
        ) from None
    services.security_groups.set_inner_access_policy(
        ctx.account_id, ctx.region, params["SecurityGroupId"], policy
    )
    return {}


@actions.action(
    "ModifySecurityGroupAttribute",
    params=(
        String("RegionId", required=True),
        String("SecurityGroupId", required=True),
        String("SecurityGroupName"),
        String("Description"),
    ),
    mutating=True,
)
def modify_security_group_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.security_groups.modify_attribute(
        ctx.account_id,
        ctx.region,
        params["SecurityGroupId"],
        name=params.get("SecurityGroupName"),
        description=params.get("Description"),
    )
    return {}


@actions.action(
    "DescribeSecurityGroupReferences",
    params=(
        String("RegionId", required=True),
        RepeatList(
            "SecurityGroupId",
            required=True,
            max_items=10,
            code="InvalidSecurityGroupId.Malformed",
        ),
    ),
)
def describe_security_group_references(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    wanted = list(dict.fromkeys(params["SecurityGroupId"]))
    references = services.security_groups.references(ctx.account_id, ctx.region, wanted)
    return {
        "SecurityGroupReferences": {
            "SecurityGroupReference": [
                {
                    "SecurityGroupId": reference.group_id,
                    "ReferencingSecurityGroups": {
                        "ReferencingSecurityGroup": [
                            {"SecurityGroupId": other.group_id, "AliUid": other.account_id}
                            for other in reference.referencing
                        ]
                    },
                }
                for reference in references
            ]
        }
    }

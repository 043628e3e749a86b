"""Instance queries and attributes: DescribeInstances, DescribeInstanceStatus,
DescribeInstanceAttribute, ModifyInstanceAttribute, ModifyInstanceMetadataOptions,
DescribeUserData, AllocatePublicIpAddress."""

from __future__ import annotations

import ipaddress
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.instance_filters import describe_instances_params, instance_query
from ecsim.api.instance_shape import render_instance, render_instance_attribute
from ecsim.api.metadata_options import metadata_option_params
from ecsim.api.paging import number_page, page_params, token_page
from ecsim.api.params import Boolean, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.instance_attributes import (
    AttributeChanges,
    InstanceAttributes,
    MetadataOptionChanges,
)
from ecsim.control.instance_queries import InstanceQueries
from ecsim.errors import EcsError, MissingParameter
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

# DescribeInstances' MaxResults: values under 10 read as 10, over 100 as 100 (no error).
_MIN_RESULTS = 10
_TAGS_NOT_EXPOSED = "disabled"


def _queries(services: Services) -> InstanceQueries:
    # A read-side helper over the wired services; it holds no state of its own.
    return InstanceQueries(
        services.store,
        services.clock,
        services.tags,
        services.catalog,
        services.images,
        services.addresses,
    )


@actions.action("DescribeInstances", params=describe_instances_params(), dry_run=True)
def describe_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    listing = _queries(services).describe(ctx.account_id, ctx.region, instance_query(params))
    body: dict[str, Any] = {}
    if "NextToken" in params or "MaxResults" in params:
        size = max(int(params.get("MaxResults") or _MIN_RESULTS), _MIN_RESULTS)
        page = token_page(listing.instances, {**params, "MaxResults": size}, max_size=100)
        body.update(NextToken=page.next_token, TotalCount=page.total_count)
        shown = page.items
    else:
        numbered = number_page(listing.instances, params, default_size=10, max_size=100)
        body.update(numbered.fields())
        shown = numbered.items
    body["Instances"] = {"Instance": [render_instance(view) for view in listing.views(shown)]}
    return body


@actions.action(
    "DescribeInstanceStatus",
    params=(
        String("RegionId", required=True),
        String("ZoneId"),
        RepeatList(
            "InstanceId",
            max_items=100,
            code="InvalidParameter.TooManyInstanceIds",
            http_status=403,
        ),
        *page_params(),
    ),
)
def describe_instance_status(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    statuses = _queries(services).statuses(
        ctx.account_id, ctx.region, params.get("InstanceId"), params.get("ZoneId")
    )
    page = number_page(statuses, params, default_size=10, max_size=50)
    return {
        **page.fields(),
        "InstanceStatuses": {
            "InstanceStatus": [
                {"InstanceId": instance_id, "Status": status.value}
                for instance_id, status in page.items
            ]
        },
    }


@actions.action("DescribeInstanceAttribute", params=(String("InstanceId", required=True),))
def describe_instance_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    view = _queries(services).attribute(ctx.account_id, params["InstanceId"])
    return render_instance_attribute(view)


@actions.action(
    "DescribeUserData",
    params=(String("RegionId", required=True), String("InstanceId", required=True)),
)
def describe_user_data(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    region = ctx.region
    instance = _queries(services).get(ctx.account_id, region, params["InstanceId"])
    return {"InstanceId": instance.instance_id, "RegionId": region, "UserData": instance.user_data}


@actions.action(
    "ModifyInstanceAttribute",
    params=(
        String("InstanceId", required=True),
        String("InstanceName"),
        String("Description"),
        String("HostName"),
        String("Password"),
        String("UserData"),
        Boolean("DeletionProtection"),
        # more groups than any interface may join is refused as the group quota is
        RepeatList("SecurityGroupIds", max_items=16, code="JoinedGroupLimitExceed"),
    ),
    mutating=True,
)
def modify_instance_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    changes = AttributeChanges(
        name=params.get("InstanceName"),
        description=params.get("Description"),
        host_name=params.get("HostName"),
        password=params.get("Password"),
        user_data=params.get("UserData"),
        deletion_protection=params.get("DeletionProtection"),
        security_group_ids=params.get("SecurityGroupIds"),
    )
    _attributes(services).modify(ctx.account_id, params["InstanceId"], changes)
    return {}


@actions.action(
    "ModifyInstanceMetadataOptions",
    params=(
        String("RegionId", required=True),
        # optional in Alibaba's metadata, yet there is nothing to modify without it
        String("InstanceId"),
        *metadata_option_params(endpoint_required=True),
        String("InstanceMetadataTags"),
    ),
    mutating=True,
)
def modify_instance_metadata_options(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    instance_id = params.get("InstanceId")
    if instance_id is None:
        raise MissingParameter("InstanceId")
    # ecsim's metadata service serves no tags, so only the default (tags not exposed) is
    # supported; ECS itself keeps the option to invited accounts
    if params.get("InstanceMetadataTags", _TAGS_NOT_EXPOSED) != _TAGS_NOT_EXPOSED:
        raise EcsError(
            "The specified InstanceMetadataTags not supported.",
            code="InvalidInstanceMetadataTags.NotSupported",
            http_status=400,
        )
    changes = MetadataOptionChanges(
        http_endpoint=params.get("HttpEndpoint"),
        http_tokens=params.get("HttpTokens"),
        http_put_response_hop_limit=params.get("HttpPutResponseHopLimit"),
    )
    _attributes(services).modify_metadata_options(ctx.account_id, ctx.region, instance_id, changes)
    return {}


@actions.action(
    "AllocatePublicIpAddress",
    params=(String("InstanceId", required=True), String("IpAddress")),
    mutating=True,
)
def allocate_public_ip_address(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    requested = _address(params.get("IpAddress"))
    address = _attributes(services).allocate_public_ip(
        ctx.account_id, params["InstanceId"], requested
    )
    return {"IpAddress": str(address)}


def _attributes(services: Services) -> InstanceAttributes:
    return InstanceAttributes(
        services.store, services.clock, services.limits, _queries(services).os_of
    )


def _address(text: str | None) -> ipaddress.IPv4Address | None:
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise EcsError(
            'The specified parameter "IpAddress" is not valid.',
            code="InvalidIpAddress.Malformed",
            http_status=400,
        ) from None

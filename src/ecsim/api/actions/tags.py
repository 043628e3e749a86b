"""Tag actions, for every resource type: ECS (2014-05-26) and the VPC product (2016-04-28).

ECS: TagResources, UntagResources, ListTagResources and the older AddTags, RemoveTags,
DescribeTags. VPC: TagResources, UnTagResources, ListTagResources, which answer in the VPC
product's own error codes (``_vpc_terms``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.paging import TokenPage, number_page, page_params, token_page, token_params
from ecsim.api.params import Boolean, Param, RepeatList, String
from ecsim.api.products import ECS, VPC
from ecsim.api.registry import ActionGroup, Handler
from ecsim.control.tag_resources import (
    ECS_RESOURCE_TYPES,
    VPC_RESOURCE_TYPES,
    ResourceTypes,
    TaggableType,
    in_vpc_terms,
)
from ecsim.control.tags import TagCondition
from ecsim.errors import EcsError, InvalidParameter
from ecsim.model.tag import parse_tags
from ecsim.services import Services
from ecsim.store.base import TagRow

__all__ = ["actions", "vpc_actions"]

actions = ActionGroup(ECS)
vpc_actions = ActionGroup(VPC)

_CATEGORIES = ("custom", "system")
# ECS lists tags 50 rows a page; the VPC product lets MaxResults choose up to 50.
_LIST_PAGE = 50


_REGION = String("RegionId", required=True)
_TYPE = String("ResourceType", required=True)


def _resource_ids(code: str, *, required: bool) -> Param:
    return RepeatList("ResourceId", max_items=50, code=code, required=required)


def _tag_list(code: str, *, required: bool = False, legacy: bool = False) -> Param:
    # The older actions also take lower-case ``Tag.N.key`` / ``Tag.N.value``.
    names = ("Key", "Value", "key", "value") if legacy else ("Key", "Value")
    return RepeatList(
        "Tag",
        fields=tuple(String(name) for name in names),
        max_items=20,
        code=code,
        required=required,
    )


def _pairs(params: Mapping[str, Any]) -> list[tuple[str | None, str | None]]:
    return [
        (item.get("Key") or item.get("key"), item.get("Value", item.get("value")))
        for item in params.get("Tag", [])
    ]


def _tag(
    ctx: RequestContext, params: dict[str, Any], services: Services, kind: str, ids: Sequence[str]
) -> dict[str, Any]:
    """TagResources (either product) and AddTags, once the kind and the ids are read."""
    services.tags.tag(ctx.account_id, ctx.region, kind, ids, parse_tags(_pairs(params)))
    return {}


def _exact_conditions(params: Mapping[str, Any]) -> list[TagCondition]:
    """``Tag.N`` as a filter: a key alone matches any value; a value needs its key."""
    conditions: list[TagCondition] = []
    for key, value in _pairs(params):
        if not key:
            if value:
                raise EcsError(
                    "The specified parameter TagValue is invalid.",
                    code="InvalidParameter.TagValue",
                    http_status=400,
                )
            continue
        conditions.append(TagCondition(key, (value,) if value else ()))
    return conditions


def _list_rows(
    ctx: RequestContext,
    params: Mapping[str, Any],
    services: Services,
    types: ResourceTypes,
    conditions: list[TagCondition],
) -> tuple[TaggableType, list[TagRow]]:
    resource_type = types.named(params["ResourceType"])
    ids = params.get("ResourceId")
    if not ids and not conditions:
        raise EcsError(
            "The specified Tags and ResourcesIds are not allow to both empty.",
            code="BothEmpty.TagsAndResources",
            http_status=403,
        )
    rows = services.tags.rows(
        ctx.account_id,
        ctx.region,
        resource_type.kind,
        resource_ids=set(ids) if ids else None,
        conditions=conditions,
    )
    return resource_type, rows


def _listing(page: TokenPage[TagRow], resource_type: TaggableType) -> dict[str, Any]:
    rows = [
        {
            "ResourceId": row.resource_id,
            "ResourceType": resource_type.name,
            "TagKey": row.key,
            "TagValue": row.value,
        }
        for row in page.items
    ]
    return {"NextToken": page.next_token, "TagResources": {"TagResource": rows}}


# -- ECS ---------------------------------------------------------------------------------------


@actions.action(
    "TagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("NumberExceed.ResourceIds", required=True),
        _tag_list("NumberExceed.Tags", required=True),
    ),
    mutating=True,
)
def tag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    kind = ECS_RESOURCE_TYPES.named(params["ResourceType"]).kind
    return _tag(ctx, params, services, kind, params["ResourceId"])


@actions.action(
    "UntagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("NumberExceed.ResourceIds", required=True),
        RepeatList("TagKey", max_items=20, code="NumberExceed.Tags"),
        Boolean("All"),
    ),
    mutating=True,
)
def untag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    kind = ECS_RESOURCE_TYPES.named(params["ResourceType"]).kind
    keys: list[str] = params.get("TagKey", [])
    if keys and params.get("All"):
        raise EcsError(
            "The specified all is true, but the specified TagKey.N is not empty.",
            code="Param.Conflict",
            http_status=403,
        )
    chosen = None if params.get("All") else keys
    services.tags.untag(ctx.account_id, ctx.region, kind, params["ResourceId"], chosen)
    return {}


@actions.action(
    "ListTagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("NumberExceed.ResourceIds", required=False),
        _tag_list("NumberExceed.Tags"),
        RepeatList(
            "TagFilter",
            fields=(
                String("TagKey"),
                RepeatList(
                    "TagValues", max_items=5, code="NumberExceed.TagValues", http_status=403
                ),
            ),
            max_items=5,
            code="InvalidTagFilter.Malformed",
            http_status=403,
        ),
        String("NextToken"),
    ),
)
def list_tag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    exact = _exact_conditions(params)
    filters = params.get("TagFilter", [])
    if exact and filters:
        raise EcsError(
            "The tags must be empty, when the tagFilters is not empty.",
            code="InvalidTags.MalFormed",
            http_status=400,
        )
    try:
        fuzzy = [
            TagCondition.fuzzy_filter(item.get("TagKey"), item.get("TagValues", []))
            for item in filters
        ]
    except ValueError:
        raise EcsError(
            "The specified TagFilter is not valid.",
            code="InvalidTagFilter.Malformed",
            http_status=403,
        ) from None
    resource_type, rows = _list_rows(ctx, params, services, ECS_RESOURCE_TYPES, exact + fuzzy)
    try:
        page = token_page(rows, params, default_size=_LIST_PAGE, max_size=_LIST_PAGE)
    except InvalidParameter:
        raise EcsError(
            "The specified NextToken is not valid.", code="Invalid.NextToken", http_status=403
        ) from None
    return _listing(page, resource_type)


@actions.action(
    "AddTags",
    params=(
        _REGION,
        _TYPE,
        String("ResourceId", required=True),
        _tag_list("InvalidTagCount", required=True, legacy=True),
    ),
    mutating=True,
)
def add_tags(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    kind = ECS_RESOURCE_TYPES.named(params["ResourceType"], legacy=True).kind
    return _tag(ctx, params, services, kind, [params["ResourceId"]])


@actions.action(
    "RemoveTags",
    params=(
        _REGION,
        _TYPE,
        String("ResourceId", required=True),
        _tag_list("InvalidTagCount", legacy=True),
    ),
    mutating=True,
)
def remove_tags(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    kind = ECS_RESOURCE_TYPES.named(params["ResourceType"], legacy=True).kind
    pairs: list[tuple[str, str | None]] = []
    for key, value in _pairs(params):
        if not key:
            raise EcsError(
                "The specified Tag.n.Key is not valid.",
                code="InvalidTagKey.Malformed",
                http_status=400,
            )
        pairs.append((key, value))
    services.tags.remove(ctx.account_id, ctx.region, kind, params["ResourceId"], pairs)
    return {}


@actions.action(
    "DescribeTags",
    params=(
        _REGION,
        String("ResourceType"),
        String("ResourceId"),
        String("Category"),
        _tag_list("InvalidTagCount", legacy=True),
        *page_params(),
    ),
)
def describe_tags(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    named = params.get("ResourceType")
    types = [ECS_RESOURCE_TYPES.named(named, legacy=True)] if named else ECS_RESOURCE_TYPES.legacy()
    category = params.get("Category", "custom").lower()
    if category not in _CATEGORIES:
        raise EcsError(
            "The parameter Category is illegal.", code="Invalid.TagCategory", http_status=400
        )
    # ecsim keeps no system tags: that category is always empty.
    kinds = set() if category == "system" else {t.kind for t in types}
    usage = services.tags.usage(
        ctx.account_id,
        ctx.region,
        kinds,
        resource_id=params.get("ResourceId"),
        conditions=_exact_conditions(params),
    )
    page = number_page(usage, params, default_size=50, max_size=100)
    return {
        **page.fields(),
        "Tags": {
            "Tag": [
                {
                    "TagKey": tag.key,
                    "TagValue": tag.value,
                    "ResourceTypeCount": {
                        str(t.count_key): tag.counts.get(t.kind, 0)
                        for t in ECS_RESOURCE_TYPES.legacy()
                    },
                }
                for tag in page.items
            ]
        },
    }


# -- VPC ---------------------------------------------------------------------------------------


def _vpc_terms(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def translated(ctx: RequestContext, params: dict[str, Any], services: Services) -> Any:
        try:
            return handler(ctx, params, services)
        except EcsError as error:
            raise in_vpc_terms(error) from None

    return translated


@vpc_actions.action(
    "TagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("SizeLimitExceeded.ResourceId", required=True),
        _tag_list("SizeLimitExceeded.TagNum", required=True),
    ),
    mutating=True,
)
@_vpc_terms
def vpc_tag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    kind = VPC_RESOURCE_TYPES.named(params["ResourceType"]).kind
    return _tag(ctx, params, services, kind, params["ResourceId"])


@vpc_actions.action(
    "UnTagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("SizeLimitExceeded.ResourceId", required=True),
        RepeatList("TagKey", max_items=20, code="SizeLimitExceeded.TagNum"),
        Boolean("All"),
    ),
    mutating=True,
)
@_vpc_terms
def vpc_untag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    kind = VPC_RESOURCE_TYPES.named(params["ResourceType"]).kind
    keys: list[str] = params.get("TagKey", [])
    # Named keys win; All=true alone removes every tag.
    chosen = None if params.get("All") and not keys else keys
    services.tags.untag(ctx.account_id, ctx.region, kind, params["ResourceId"], chosen)
    return {}


@vpc_actions.action(
    "ListTagResources",
    params=(
        _REGION,
        _TYPE,
        _resource_ids("SizeLimitExceeded.ResourceId", required=False),
        _tag_list("SizeLimitExceeded.TagNum"),
        *token_params(),
    ),
)
@_vpc_terms
def vpc_list_tag_resources(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    conditions = _exact_conditions(params)
    resource_type, rows = _list_rows(ctx, params, services, VPC_RESOURCE_TYPES, conditions)
    page = token_page(rows, params, default_size=_LIST_PAGE, max_size=_LIST_PAGE)
    return _listing(page, resource_type)

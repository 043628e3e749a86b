"""DescribeRegions."""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.languages import language_param, parse_language
from ecsim.api.params import String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.errors import EcsError
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

_RESOURCE_TYPES = ("instance", "disk", "reservedinstance", "scu")
_CHARGE_TYPES = ("PrePaid", "PostPaid")


@actions.action(
    "DescribeRegions",
    params=(
        language_param(),
        String("ResourceType"),
        String("InstanceChargeType"),
    ),
)
def describe_regions(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    language = parse_language(params.get("AcceptLanguage"))
    if params.get("ResourceType", "instance") not in _RESOURCE_TYPES:
        raise EcsError(
            "The ResourceType provided does not exist in our records.",
            code="InvalidResourceType.NotFound",
            http_status=404,
        )
    if params.get("InstanceChargeType", "PostPaid") not in _CHARGE_TYPES:
        raise EcsError(
            "The specified instanceChargeType is not valid.",
            code="Invalid.InstanceChargeType",
            http_status=403,
        )
    regions = [
        {
            "RegionId": region.region_id,
            "RegionEndpoint": region.endpoint,
            "LocalName": region.local_name.in_language(language),
            "Status": "available",
        }
        for region in services.catalog.regions()
    ]
    return {"Regions": {"Region": regions}}

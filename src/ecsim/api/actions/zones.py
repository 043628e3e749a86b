"""DescribeZones."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.languages import language_param, parse_language
from ecsim.api.params import Boolean, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.catalog import Catalog
from ecsim.model.catalog import Language, Zone
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

# Every zone sells both; ecsim does not model stock, so neither narrows the answer.
_CHARGE_TYPES = ("PrePaid", "PostPaid")
_SPOT_STRATEGIES = ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo")


@actions.action(
    "DescribeZones",
    params=(
        String("RegionId", required=True),
        Boolean("Verbose", default=True),
        String(
            "InstanceChargeType",
            enum=_CHARGE_TYPES,
            code="InvalidInstanceChargeType.NotFound",
            http_status=404,
        ),
        String("SpotStrategy", enum=_SPOT_STRATEGIES, code="InvalidSpotStrategy"),
        language_param(),
    ),
)
def describe_zones(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    language = parse_language(params.get("AcceptLanguage"))
    catalog = services.catalog
    zones = [
        _zone(catalog, zone, language, verbose=params["Verbose"])
        for zone in catalog.zones(params["RegionId"])
    ]
    return {"Zones": {"Zone": zones}}


def _zone(catalog: Catalog, zone: Zone, language: Language, *, verbose: bool) -> dict[str, Any]:
    offer = zone.offer
    body: dict[str, Any] = {
        "ZoneId": zone.zone_id,
        "LocalName": zone.local_name.in_language(language),
        "ZoneType": "AvailabilityZone",
        "AvailableResourceCreation": {"ResourceTypes": _values(offer.resource_types)},
        "AvailableDiskCategories": {"DiskCategories": _values(offer.disk_categories)},
        "AvailableVolumeCategories": {"VolumeCategories": _values(offer.volume_categories)},
        "AvailableDedicatedHostTypes": {
            "DedicatedHostType": [h.type_id for h in offer.dedicated_host_types]
        },
        "DedicatedHostGenerations": {
            "DedicatedHostGeneration": _unique(h.generation for h in offer.dedicated_host_types)
        },
    }
    if not verbose:
        # Verbose=false leaves out the per-type lists, the bulk of the answer.
        return body
    families = catalog.zone_families(zone)
    body["AvailableInstanceTypes"] = {"InstanceTypes": list(offer.instance_type_ids)}
    body["AvailableResources"] = {
        "ResourcesInfo": [
            {
                "IoOptimized": True,
                "SystemDiskCategories": {
                    "supportedSystemDiskCategory": _values(offer.disk_categories)
                },
                "DataDiskCategories": {"supportedDataDiskCategory": _values(offer.disk_categories)},
                "NetworkTypes": {"supportedNetworkCategory": _values(offer.network_types)},
                "InstanceTypes": {"supportedInstanceType": list(offer.instance_type_ids)},
                "InstanceTypeFamilies": {
                    "supportedInstanceTypeFamily": [f.family_id for f in families]
                },
                "InstanceGenerations": {
                    "supportedInstanceGeneration": _unique(f.generation for f in families)
                },
            }
        ]
    }
    return body


def _values(members: Iterable[Enum]) -> list[str]:
    return [str(member.value) for member in members]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

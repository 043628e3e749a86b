"""Regions, zones and instance types, loaded once from the packaged catalog data."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ecsim.errors import InvalidRegionIdNotFound
from ecsim.model.catalog import LocalName, Region, Zone

__all__ = ["Catalog", "load_catalog"]


class Catalog:
    def __init__(self, regions: tuple[Region, ...]) -> None:
        self._regions = regions
        self._by_id = {r.region_id: r for r in regions}

    def regions(self) -> tuple[Region, ...]:
        return self._regions

    def region(self, region_id: str) -> Region | None:
        return self._by_id.get(region_id)

    def require_region(self, region_id: str) -> Region:
        region = self._by_id.get(region_id)
        if region is None:
            raise InvalidRegionIdNotFound()
        return region


def load_catalog() -> Catalog:
    text = resources.files("ecsim").joinpath("data/catalog.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return Catalog(tuple(_region(r) for r in data["regions"]))


def _local_name(names: dict[str, str]) -> LocalName:
    return LocalName(names["zh-CN"], names["en-US"], names["ja"])


def _region(data: dict[str, Any]) -> Region:
    zones = tuple(Zone(z["ZoneId"], _local_name(z["LocalName"])) for z in data["Zones"])
    return Region(data["RegionId"], _local_name(data["LocalName"]), data["RegionEndpoint"], zones)

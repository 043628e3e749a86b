"""Regions, zones and instance types, loaded once from the packaged catalog data.

The catalog is the same for every account and never changes while the server runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecsim.control.catalog_loader import CatalogData, read_catalog
from ecsim.control.instance_types import InstanceTypeQuery
from ecsim.errors import InvalidRegionIdNotFound
from ecsim.model.catalog import Region, Zone
from ecsim.model.instance_types import InstanceType, InstanceTypeFamily

__all__ = ["Catalog", "load_catalog"]


class Catalog:
    def __init__(self, data: CatalogData) -> None:
        self._regions = data.regions
        self._by_id = {r.region_id: r for r in data.regions}
        self._families = data.families
        self._family_by_id = {f.family_id: f for f in data.families}
        self._types = data.instance_types
        self._type_by_id = {t.instance_type_id: t for t in data.instance_types}

    # -- regions and zones

    def regions(self) -> tuple[Region, ...]:
        return self._regions

    def region(self, region_id: str) -> Region | None:
        return self._by_id.get(region_id)

    def require_region(self, region_id: str) -> Region:
        region = self._by_id.get(region_id)
        if region is None:
            raise InvalidRegionIdNotFound()
        return region

    def zones(self, region_id: str) -> tuple[Zone, ...]:
        return self.require_region(region_id).zones

    def zone(self, region_id: str, zone_id: str) -> Zone | None:
        region = self._by_id.get(region_id)
        return region.zone(zone_id) if region else None

    # -- instance types

    def instance_types(self) -> tuple[InstanceType, ...]:
        return self._types

    def instance_type(self, instance_type_id: str) -> InstanceType | None:
        return self._type_by_id.get(instance_type_id)

    def find_instance_types(self, query: InstanceTypeQuery) -> list[InstanceType]:
        return [t for t in self._types if query.matches(t)]

    def families(self) -> tuple[InstanceTypeFamily, ...]:
        return self._families

    def family(self, family_id: str) -> InstanceTypeFamily | None:
        return self._family_by_id.get(family_id)

    def zone_instance_types(self, zone: Zone) -> tuple[InstanceType, ...]:
        return tuple(self._type_by_id[i] for i in zone.offer.instance_type_ids)

    def zone_families(self, zone: Zone) -> tuple[InstanceTypeFamily, ...]:
        return _families_of(self.zone_instance_types(zone))

    def region_families(
        self, region_id: str, generation: str | None = None
    ) -> tuple[InstanceTypeFamily, ...]:
        """The families some zone of the region sells, in catalog order."""
        offered = {
            t.family_id for zone in self.zones(region_id) for t in self.zone_instance_types(zone)
        }
        return tuple(
            f
            for f in self._families
            if f.family_id in offered and (generation is None or f.generation == generation)
        )


def load_catalog() -> Catalog:
    return Catalog(read_catalog())


def _families_of(types: Iterable[InstanceType]) -> tuple[InstanceTypeFamily, ...]:
    # dict keeps first-seen order and drops repeats
    return tuple({t.family_id: t.family for t in types}.values())

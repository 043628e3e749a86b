"""The packaged catalog, its loader and the instance-type query."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from ecsim.control.catalog import Catalog, load_catalog
from ecsim.control.catalog_loader import CatalogDataError, parse_catalog
from ecsim.control.instance_types import Bound, InstanceTypeQuery, Measure, narrow
from ecsim.errors import InvalidRegionIdNotFound
from ecsim.model.catalog import DiskCategory, NetworkType, ResourceType
from ecsim.model.instance_types import (
    CpuArchitecture,
    FamilyLevel,
    InstanceCategory,
    LocalStorageCategory,
)

REQUIRED_TYPES = (
    "ecs.t5-lc1m1.small",
    "ecs.t5-lc1m2.small",
    "ecs.n1.tiny",
    "ecs.n1.small",
    "ecs.n4.small",
    "ecs.g6.large",
    "ecs.g6.xlarge",
    "ecs.c6.large",
    "ecs.c6.xlarge",
    "ecs.c6.2xlarge",
    "ecs.r6.large",
    "ecs.r6.2xlarge",
    "ecs.g7.large",
)
GPU_SPECS = {
    "ecs.gn5": "NVIDIA P100",
    "ecs.gn5i": "NVIDIA P4",
    "ecs.gn6i": "NVIDIA T4",
    "ecs.gn6v": "NVIDIA V100",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture()
def raw() -> dict[str, Any]:
    text = resources.files("ecsim").joinpath("data/catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return copy.deepcopy(data)


def test_catalog_has_the_types_guides_use(catalog: Catalog) -> None:
    for type_id in REQUIRED_TYPES:
        instance_type = catalog.instance_type(type_id)
        assert instance_type is not None, type_id
        assert instance_type.cpu_core_count >= 1 and instance_type.memory_gib > 0


def test_every_zone_type_exists_and_every_type_is_sold_somewhere(catalog: Catalog) -> None:
    sold: set[str] = set()
    for region in catalog.regions():
        for zone in region.zones:
            assert zone.offer.instance_type_ids, zone.zone_id
            for type_id in zone.offer.instance_type_ids:
                assert catalog.instance_type(type_id) is not None, (zone.zone_id, type_id)
            sold.update(zone.offer.instance_type_ids)
    assert sold == {t.instance_type_id for t in catalog.instance_types()}


def test_every_zone_can_host_a_packer_build(catalog: Catalog) -> None:
    for region in catalog.regions():
        for zone in region.zones:
            offer = zone.offer
            assert offer.offers_resource(ResourceType.VSWITCH), zone.zone_id
            assert offer.offers_resource(ResourceType.INSTANCE), zone.zone_id
            assert offer.offers_disk_category(DiskCategory.CLOUD_ESSD), zone.zone_id
            assert NetworkType.VPC in offer.network_types, zone.zone_id
            assert offer.offers_instance_type("ecs.g6.large"), zone.zone_id


def test_dedicated_hosts_listed_where_creatable(catalog: Catalog) -> None:
    for region in catalog.regions():
        for zone in region.zones:
            creatable = zone.offer.offers_resource(ResourceType.DEDICATED_HOST)
            assert creatable == bool(zone.offer.dedicated_host_types), zone.zone_id


def test_gpu_types_carry_gpu_fields(catalog: Catalog) -> None:
    for family_id, spec in GPU_SPECS.items():
        sizes = [t for t in catalog.instance_types() if t.family_id == family_id]
        assert len(sizes) >= 3, family_id
        for instance_type in sizes:
            assert instance_type.gpu is not None
            assert instance_type.gpu.spec == spec
            assert instance_type.gpu.amount >= 1
            assert instance_type.gpu.memory_gib > 0
            assert instance_type.family.category is InstanceCategory.GPU
    non_gpu = [t for t in catalog.instance_types() if t.family_id not in GPU_SPECS]
    assert all(t.gpu is None for t in non_gpu)


def test_fpga_types_carry_fpga_fields(catalog: Catalog) -> None:
    f3 = [t for t in catalog.instance_types() if t.family_id == "ecs.f3"]
    assert len(f3) >= 3
    assert all(t.fpga is not None and t.fpga.spec == "Xilinx VU9P" for t in f3)
    f1 = [t for t in catalog.instance_types() if t.family_id == "ecs.f1"]
    assert all(t.fpga is not None and "Arria 10" in t.fpga.spec for t in f1)


def test_accelerators_are_sold_only_in_some_regions(catalog: Catalog) -> None:
    def regions_selling(family_id: str) -> set[str]:
        return {
            region.region_id
            for region in catalog.regions()
            for zone in region.zones
            for t in catalog.zone_instance_types(zone)
            if t.family_id == family_id
        }

    assert regions_selling("ecs.f3") == {"cn-hangzhou", "cn-shanghai"}
    assert {"cn-hangzhou", "cn-shanghai", "cn-beijing"} <= regions_selling("ecs.gn6i")
    assert "cn-chengdu" not in regions_selling("ecs.gn6i")


def test_families_have_generations(catalog: Catalog) -> None:
    generations = {f.family_id: f.generation for f in catalog.families()}
    assert generations["ecs.n1"] == "ecs-2"
    assert generations["ecs.n4"] == "ecs-3"
    assert generations["ecs.g6"] == "ecs-5"
    assert generations["ecs.g7"] == "ecs-6"
    assert all(g.startswith("ecs-") for g in generations.values())


def test_region_families_follow_the_zones(catalog: Catalog) -> None:
    hangzhou = {f.family_id for f in catalog.region_families("cn-hangzhou")}
    assert {"ecs.g6", "ecs.f3", "ecs.gn6i"} <= hangzhou
    fifth = catalog.region_families("cn-hangzhou", "ecs-5")
    assert fifth and {f.generation for f in fifth} == {"ecs-5"}
    with pytest.raises(InvalidRegionIdNotFound):
        catalog.region_families("cn-atlantis")


def test_zone_families_are_unique_and_in_order(catalog: Catalog) -> None:
    zone = catalog.zone("cn-hangzhou", "cn-hangzhou-i")
    assert zone is not None
    families = [f.family_id for f in catalog.zone_families(zone)]
    assert len(families) == len(set(families))
    assert families[0] == "ecs.t5"


def test_loader_refuses_a_zone_naming_an_unknown_family(raw: dict[str, Any]) -> None:
    raw["regions"][0]["Zones"][0]["InstanceTypeFamilies"].append("ecs.zz9")
    with pytest.raises(CatalogDataError, match=r"ecs\.zz9"):
        parse_catalog(raw)


def test_loader_refuses_a_type_of_an_unknown_family(raw: dict[str, Any]) -> None:
    raw["instance_types"][0]["InstanceTypeFamily"] = "ecs.zz9"
    with pytest.raises(CatalogDataError, match="unknown family"):
        parse_catalog(raw)


def test_loader_refuses_duplicates(raw: dict[str, Any]) -> None:
    raw["instance_types"].append(raw["instance_types"][0])
    with pytest.raises(CatalogDataError, match="twice"):
        parse_catalog(raw)


def test_loader_type_entry_overrides_its_family(raw: dict[str, Any]) -> None:
    entry = next(t for t in raw["instance_types"] if t["InstanceTypeId"] == "ecs.g6.large")
    entry["PhysicalProcessorModel"] = "Intel Xeon(Test) 0000"
    data = parse_catalog(raw)
    g6 = {t.instance_type_id: t for t in data.instance_types}
    assert g6["ecs.g6.large"].processor.model == "Intel Xeon(Test) 0000"
    assert g6["ecs.g6.xlarge"].processor.model != "Intel Xeon(Test) 0000"


# -- InstanceTypeQuery -------------------------------------------------------------------------


def _ids(catalog: Catalog, query: InstanceTypeQuery) -> set[str]:
    return {t.instance_type_id for t in catalog.find_instance_types(query)}


def test_empty_query_selects_everything(catalog: Catalog) -> None:
    assert len(catalog.find_instance_types(InstanceTypeQuery())) == len(catalog.instance_types())


def test_query_bounds_are_inclusive(catalog: Catalog) -> None:
    bounds = (Bound(Measure.CPU_CORES, 2, 2), Bound(Measure.MEMORY_GIB, 8, 8))
    found = catalog.find_instance_types(InstanceTypeQuery(bounds=bounds))
    assert {"ecs.g6.large", "ecs.g7.large", "ecs.g5.large"} <= {t.instance_type_id for t in found}
    assert all((t.cpu_core_count, t.memory_gib) == (2, 8) for t in found)


def test_query_bound_on_a_missing_measure_excludes(catalog: Catalog) -> None:
    found = _ids(catalog, InstanceTypeQuery(bounds=(Bound(Measure.BASELINE_CREDIT, minimum=0),)))
    assert found and all(i.startswith("ecs.t5") for i in found)


def test_query_fuzzy_and_exact_filters(catalog: Catalog) -> None:
    assert _ids(catalog, InstanceTypeQuery(gpu_spec_contains="nvidia t4")) == _ids(
        catalog, InstanceTypeQuery(family_ids=frozenset({"ecs.gn6i"}))
    )
    ice_lake = _ids(catalog, InstanceTypeQuery(processor_contains="Ice Lake"))
    assert "ecs.g7.large" in ice_lake and "ecs.g6.large" not in ice_lake
    arm = _ids(catalog, InstanceTypeQuery(architectures=frozenset({CpuArchitecture.ARM})))
    assert arm and all(i.startswith("ecs.g6r") for i in arm)
    credit = _ids(catalog, InstanceTypeQuery(levels=frozenset({FamilyLevel.CREDIT_ENTRY})))
    assert "ecs.t5-lc1m1.small" in credit
    ssd = _ids(
        catalog, InstanceTypeQuery(local_storage_categories=frozenset({LocalStorageCategory.SSD}))
    )
    assert "ecs.i2.xlarge" in ssd and "ecs.gn5-c4g1.xlarge" in ssd


def test_narrow_intersects_given_choices() -> None:
    assert narrow(None, None) is None
    assert narrow(["a", "b"], None) == frozenset({"a", "b"})
    assert narrow(["a", "b"], ["b", "c"]) == frozenset({"b"})
    assert narrow([]) == frozenset()

"""Reads the packaged catalog (``ecsim/data/catalog.json``) into model values.

The data names things as ECS does. Two shortcuts keep it short:

- a family carries what all its sizes share (processor, NVMe, boot modes, accelerator model,
  local disk category), and a type entry may override any of it;
- a zone lists the *families* it sells; it sells every size of them. ECS publishes symmetric
  limits, so a type gives one ``InstanceBandwidth`` and one ``InstancePps`` for both directions.

A reference to something missing is a packaging bug: ``CatalogDataError`` at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ecsim.model.catalog import (
    DedicatedHostType,
    DiskCategory,
    LocalName,
    NetworkType,
    Region,
    ResourceType,
    VolumeCategory,
    Zone,
    ZoneOffer,
)
from ecsim.model.instance_types import (
    Accelerator,
    BootMode,
    BurstCredit,
    CpuArchitecture,
    FamilyLevel,
    InstanceCategory,
    InstanceType,
    InstanceTypeFamily,
    LocalStorage,
    LocalStorageCategory,
    NetworkCapacity,
    Processor,
)

__all__ = ["CatalogData", "CatalogDataError", "parse_catalog", "read_catalog"]

# Queues per ENI grow with vCPUs up to this many.
_MAX_QUEUES_PER_ENI = 16


class CatalogDataError(ValueError):
    """The catalog data contradicts itself."""


@dataclass(frozen=True)
class CatalogData:
    regions: tuple[Region, ...]
    families: tuple[InstanceTypeFamily, ...]
    instance_types: tuple[InstanceType, ...]


def read_catalog() -> CatalogData:
    text = resources.files("ecsim").joinpath("data/catalog.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def parse_catalog(data: Mapping[str, Any]) -> CatalogData:
    family_list = data["instance_type_families"]
    _unique("instance type family", [f["InstanceTypeFamilyId"] for f in family_list])
    family_entries = {f["InstanceTypeFamilyId"]: f for f in family_list}
    families = {fid: _family(entry) for fid, entry in family_entries.items()}
    types: list[InstanceType] = []
    for entry in data["instance_types"]:
        family_id = entry["InstanceTypeFamily"]
        if family_id not in families:
            raise CatalogDataError(f"{entry['InstanceTypeId']}: unknown family {family_id}")
        types.append(_instance_type({**family_entries[family_id], **entry}, families[family_id]))
    _unique("instance type", [t.instance_type_id for t in types])
    hosts = {
        h["DedicatedHostType"]: DedicatedHostType(h["DedicatedHostType"], h["Generation"])
        for h in data.get("dedicated_host_types", ())
    }
    by_family: dict[str, list[str]] = {}
    for instance_type in types:
        by_family.setdefault(instance_type.family_id, []).append(instance_type.instance_type_id)
    regions = tuple(_region(r, by_family, hosts) for r in data["regions"])
    _unique("region", [r.region_id for r in regions])
    _unique("zone", [z.zone_id for r in regions for z in r.zones])
    return CatalogData(regions, tuple(families.values()), tuple(types))


def _unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise CatalogDataError(f"{what} {item} is listed twice")
        seen.add(item)


def _local_name(names: Mapping[str, str]) -> LocalName:
    return LocalName(names["zh-CN"], names["en-US"], names["ja"])


def _region(
    data: Mapping[str, Any],
    by_family: Mapping[str, list[str]],
    hosts: Mapping[str, DedicatedHostType],
) -> Region:
    zones = tuple(
        Zone(z["ZoneId"], _local_name(z["LocalName"]), _offer(z, by_family, hosts))
        for z in data["Zones"]
    )
    return Region(data["RegionId"], _local_name(data["LocalName"]), data["RegionEndpoint"], zones)


def _offer(
    zone: Mapping[str, Any],
    by_family: Mapping[str, list[str]],
    hosts: Mapping[str, DedicatedHostType],
) -> ZoneOffer:
    type_ids: list[str] = []
    for family_id in zone.get("InstanceTypeFamilies", ()):
        if family_id not in by_family:
            raise CatalogDataError(f"{zone['ZoneId']}: no instance types of family {family_id}")
        type_ids.extend(by_family[family_id])
    host_types: list[DedicatedHostType] = []
    for host_id in zone.get("DedicatedHostTypes", ()):
        if host_id not in hosts:
            raise CatalogDataError(f"{zone['ZoneId']}: unknown dedicated host type {host_id}")
        host_types.append(hosts[host_id])
    return ZoneOffer(
        resource_types=tuple(ResourceType(v) for v in zone.get("ResourceTypes", ())),
        disk_categories=tuple(DiskCategory(v) for v in zone.get("DiskCategories", ())),
        network_types=tuple(NetworkType(v) for v in zone.get("NetworkTypes", ())),
        instance_type_ids=tuple(type_ids),
        volume_categories=tuple(VolumeCategory(v) for v in zone.get("VolumeCategories", ())),
        dedicated_host_types=tuple(host_types),
    )


def _family(data: Mapping[str, Any]) -> InstanceTypeFamily:
    return InstanceTypeFamily(
        family_id=data["InstanceTypeFamilyId"],
        generation=data["Generation"],
        category=InstanceCategory(data["InstanceCategory"]),
        level=FamilyLevel(data["InstanceFamilyLevel"]),
    )


def _instance_type(data: Mapping[str, Any], family: InstanceTypeFamily) -> InstanceType:
    """``data`` is the family entry overlaid with the type entry."""
    cpu = int(data["CpuCoreCount"])
    return InstanceType(
        instance_type_id=data["InstanceTypeId"],
        family=family,
        cpu_core_count=cpu,
        memory_gib=float(data["MemorySize"]),
        processor=Processor(
            model=data["PhysicalProcessorModel"],
            architecture=CpuArchitecture(data["CpuArchitecture"]),
            base_ghz=float(data["CpuSpeedFrequency"]),
            turbo_ghz=_optional_float(data.get("CpuTurboFrequency")),
        ),
        network=_network(data, cpu),
        disk_quantity=int(data["DiskQuantity"]),
        nvme_required=data["NvmeSupport"] == "required",
        boot_modes=tuple(BootMode(v) for v in data["SupportedBootModes"]),
        gpu=_accelerator(data.get("GPUAmount"), data.get("GPUSpec"), data.get("GPUMemorySize")),
        fpga=_accelerator(data.get("FPGAAmount"), data.get("FPGASpec"), None),
        local_storage=_local_storage(data),
        credit=(
            BurstCredit(int(data["BaselineCredit"]), int(data["InitialCredit"]))
            if "BaselineCredit" in data
            else None
        ),
    )


def _network(data: Mapping[str, Any], cpu: int) -> NetworkCapacity:
    enis = int(data["EniQuantity"])
    queues = int(data.get("EniQueueNumber", min(cpu, _MAX_QUEUES_PER_ENI)))
    return NetworkCapacity(
        eni_quantity=enis,
        eni_private_ips=int(data["EniPrivateIpAddressQuantity"]),
        eni_ipv6_addresses=int(data["EniIpv6AddressQuantity"]),
        bandwidth_rx_kbps=int(data["InstanceBandwidth"]),
        bandwidth_tx_kbps=int(data["InstanceBandwidth"]),
        pps_rx=int(data["InstancePps"]),
        pps_tx=int(data["InstancePps"]),
        primary_eni_queues=queues,
        secondary_eni_queues=queues,
        max_queues_per_eni=queues,
        total_eni_queues=queues * enis,
        trunk_supported=bool(data.get("EniTrunkSupported", False)),
        encryption_supported=bool(data.get("NetworkEncryptionSupport", False)),
    )


def _accelerator(amount: Any, spec: Any, memory: Any) -> Accelerator | None:
    if not amount:
        return None
    if not spec:
        raise CatalogDataError(f"an accelerator amount ({amount}) without its model")
    return Accelerator(int(amount), str(spec), float(memory or 0))


def _local_storage(data: Mapping[str, Any]) -> LocalStorage | None:
    if not data.get("LocalStorageAmount"):
        return None
    return LocalStorage(
        LocalStorageCategory(data["LocalStorageCategory"]),
        int(data["LocalStorageAmount"]),
        int(data["LocalStorageCapacity"]),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)

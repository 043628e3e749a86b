"""DescribeInstanceTypes and DescribeInstanceTypeFamilies."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from ecsim.api.context import RequestContext
from ecsim.api.paging import token_page, token_params
from ecsim.api.params import Float, Integer, Long, Param, RepeatList, String
from ecsim.api.products import ECS
from ecsim.api.registry import ActionGroup
from ecsim.control.instance_types import Bound, InstanceTypeQuery, Measure, narrow
from ecsim.model.instance_types import (
    CpuArchitecture,
    FamilyLevel,
    InstanceCategory,
    InstanceType,
    LocalStorageCategory,
)
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECS)

# Since November 2023 a page holds at most 100 types (larger MaxResults are cut to 100) and a
# call without NextToken returns the first page only (DescribeInstanceTypes usage notes).
_PAGE_SIZE = 100
_LIST_MAX = 10

# Each measure with the parameters that bound it from below and above (inclusive).
_RANGES: tuple[tuple[Measure, Param, Param | None], ...] = (
    (Measure.CPU_CORES, Integer("MinimumCpuCoreCount"), Integer("MaximumCpuCoreCount")),
    (Measure.MEMORY_GIB, Float("MinimumMemorySize"), Float("MaximumMemorySize")),
    (Measure.GPU_AMOUNT, Integer("MinimumGPUAmount"), Integer("MaximumGPUAmount")),
    (
        Measure.CPU_SPEED_GHZ,
        Float("MinimumCpuSpeedFrequency"),
        Float("MaximumCpuSpeedFrequency"),
    ),
    (
        Measure.CPU_TURBO_GHZ,
        Float("MinimumCpuTurboFrequency"),
        Float("MaximumCpuTurboFrequency"),
    ),
    (Measure.PPS_RX, Long("MinimumInstancePpsRx"), None),
    (Measure.PPS_TX, Long("MinimumInstancePpsTx"), None),
    (Measure.BANDWIDTH_RX_KBPS, Integer("MinimumInstanceBandwidthRx"), None),
    (Measure.BANDWIDTH_TX_KBPS, Integer("MinimumInstanceBandwidthTx"), None),
    (Measure.PRIMARY_ENI_QUEUES, Integer("MinimumPrimaryEniQueueNumber"), None),
    (Measure.SECONDARY_ENI_QUEUES, Integer("MinimumSecondaryEniQueueNumber"), None),
    (Measure.ENI_QUANTITY, Integer("MinimumEniQuantity"), None),
    (Measure.QUEUE_PAIRS, Integer("MinimumQueuePairNumber"), None),
    (Measure.ERI_QUANTITY, Integer("MinimumEriQuantity"), None),
    (Measure.ENI_PRIVATE_IPS, Integer("MinimumEniPrivateIpAddressQuantity"), None),
    (Measure.ENI_IPV6_ADDRESSES, Integer("MinimumEniIpv6AddressQuantity"), None),
    (Measure.LOCAL_STORAGE_AMOUNT, Integer("MinimumLocalStorageAmount"), None),
    (Measure.LOCAL_STORAGE_CAPACITY_GIB, Long("MinimumLocalStorageCapacity"), None),
    (Measure.DISK_QUANTITY, Integer("MinimumDiskQuantity"), None),
    (Measure.BASELINE_CREDIT, Integer("MinimumBaselineCredit"), None),
    (Measure.INITIAL_CREDIT, Integer("MinimumInitialCredit"), None),
)
_RANGE_PARAMS = tuple(p for _, low, high in _RANGES for p in (low, high) if p is not None)

E = TypeVar("E", InstanceCategory, CpuArchitecture, FamilyLevel, LocalStorageCategory)


def _names(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)


@actions.action(
    "DescribeInstanceTypes",
    params=(
        RepeatList("InstanceTypes", max_items=_LIST_MAX),
        String("InstanceTypeFamily"),
        RepeatList("InstanceTypeFamilies", max_items=_LIST_MAX),
        String("GPUSpec"),
        RepeatList("GpuSpecs", max_items=_LIST_MAX),
        String("InstanceCategory", enum=_names(InstanceCategory)),
        RepeatList("InstanceCategories", max_items=_LIST_MAX, enum=_names(InstanceCategory)),
        String("CpuArchitecture", enum=_names(CpuArchitecture)),
        RepeatList("CpuArchitectures", max_items=_LIST_MAX, enum=_names(CpuArchitecture)),
        String("PhysicalProcessorModel"),
        RepeatList("PhysicalProcessorModels", max_items=_LIST_MAX),
        String("InstanceFamilyLevel", enum=_names(FamilyLevel)),
        String("LocalStorageCategory", enum=_names(LocalStorageCategory)),
        RepeatList(
            "LocalStorageCategories", max_items=_LIST_MAX, enum=_names(LocalStorageCategory)
        ),
        String("NvmeSupport", enum=("required", "unsupported")),
        *_RANGE_PARAMS,
        *token_params(token_length=50, long_max_results=True),
    ),
)
def describe_instance_types(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    query = InstanceTypeQuery(
        instance_type_ids=narrow(params.get("InstanceTypes")),
        family_ids=narrow(_one(params, "InstanceTypeFamily"), params.get("InstanceTypeFamilies")),
        categories=_enums(InstanceCategory, params, "InstanceCategory", "InstanceCategories"),
        architectures=_enums(CpuArchitecture, params, "CpuArchitecture", "CpuArchitectures"),
        levels=_enums(FamilyLevel, params, "InstanceFamilyLevel", None),
        gpu_specs=narrow(params.get("GpuSpecs")),
        gpu_spec_contains=params.get("GPUSpec"),
        processor_models=narrow(params.get("PhysicalProcessorModels")),
        processor_contains=params.get("PhysicalProcessorModel"),
        local_storage_categories=_enums(
            LocalStorageCategory, params, "LocalStorageCategory", "LocalStorageCategories"
        ),
        nvme_required=(params["NvmeSupport"] == "required" if "NvmeSupport" in params else None),
        bounds=_bounds(params),
    )
    found = services.catalog.find_instance_types(query)
    page = token_page(found, params, default_size=_PAGE_SIZE, max_size=_PAGE_SIZE)
    return {
        "InstanceTypes": {"InstanceType": [_instance_type(t) for t in page.items]},
        "NextToken": page.next_token,
    }


@actions.action(
    "DescribeInstanceTypeFamilies",
    params=(String("RegionId", required=True), String("Generation")),
)
def describe_instance_type_families(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    # An unknown Generation is no error (the metadata documents none): it matches nothing.
    families = services.catalog.region_families(params["RegionId"], params.get("Generation"))
    return {
        "InstanceTypeFamilies": {
            "InstanceTypeFamily": [
                {"InstanceTypeFamilyId": f.family_id, "Generation": f.generation} for f in families
            ]
        }
    }


def _one(params: dict[str, Any], name: str) -> list[Any] | None:
    return [params[name]] if name in params else None


def _enums(
    enum: type[E], params: dict[str, Any], single: str, many: str | None
) -> frozenset[E] | None:
    names = narrow(_one(params, single), params.get(many) if many else None)
    return None if names is None else frozenset(enum(name) for name in names)


def _bounds(params: dict[str, Any]) -> tuple[Bound, ...]:
    bounds: list[Bound] = []
    for measure, low, high in _RANGES:
        minimum = params.get(low.name)
        maximum = params.get(high.name) if high else None
        if minimum is not None or maximum is not None:
            bounds.append(Bound(measure, minimum, maximum))
    return tuple(bounds)


def _instance_type(t: InstanceType) -> dict[str, Any]:
    net = t.network
    body: dict[str, Any] = {
        "InstanceTypeId": t.instance_type_id,
        "InstanceTypeFamily": t.family_id,
        "InstanceCategory": t.family.category.value,
        "InstanceFamilyLevel": t.family.level.value,
        "CpuCoreCount": t.cpu_core_count,
        "MemorySize": t.memory_gib,
        "CpuArchitecture": t.processor.architecture.value,
        "PhysicalProcessorModel": t.processor.model,
        "CpuSpeedFrequency": t.processor.base_ghz,
        "GPUAmount": t.gpu.amount if t.gpu else 0,
        "GPUSpec": t.gpu.spec if t.gpu else "",
        "GPUMemorySize": t.gpu.memory_gib if t.gpu else 0.0,
        "LocalStorageCategory": t.local_storage.category.value if t.local_storage else "",
        "DiskQuantity": t.disk_quantity,
        "NvmeSupport": "required" if t.nvme_required else "unsupported",
        "EniQuantity": net.eni_quantity,
        "EniTotalQuantity": net.eni_quantity,
        "EniPrivateIpAddressQuantity": net.eni_private_ips,
        "EniIpv6AddressQuantity": net.eni_ipv6_addresses,
        "EniTrunkSupported": net.trunk_supported,
        "EriQuantity": net.eri_quantity,
        "QueuePairNumber": net.queue_pairs,
        "InstanceBandwidthRx": net.bandwidth_rx_kbps,
        "InstanceBandwidthTx": net.bandwidth_tx_kbps,
        "InstancePpsRx": net.pps_rx,
        "InstancePpsTx": net.pps_tx,
        "PrimaryEniQueueNumber": net.primary_eni_queues,
        "SecondaryEniQueueNumber": net.secondary_eni_queues,
        "MaximumQueueNumberPerEni": net.max_queues_per_eni,
        "TotalEniQueueQuantity": net.total_eni_queues,
        "NetworkEncryptionSupport": net.encryption_supported,
        "NetworkCardQuantity": net.network_cards,
        "NetworkCards": {
            "NetworkCardInfo": [{"NetworkCardIndex": i} for i in range(net.network_cards)]
        },
        "SupportedBootModes": {"SupportedBootMode": [m.value for m in t.boot_modes]},
    }
    if t.processor.turbo_ghz is not None:
        body["CpuTurboFrequency"] = t.processor.turbo_ghz
    if t.local_storage:
        body["LocalStorageAmount"] = t.local_storage.amount
        body["LocalStorageCapacity"] = t.local_storage.capacity_gib
    if t.credit:
        body["BaselineCredit"] = t.credit.baseline
        body["InitialCredit"] = t.credit.initial
    return body

"""Which instance types a DescribeInstanceTypes query selects.

Every filter is optional and they combine with AND. A set filter admits a type whose value is
in the set; a ``*_contains`` filter is the fuzzy match ECS documents for GPUSpec and
PhysicalProcessorModel (case-insensitive substring); a ``Bound`` is an inclusive range on one
measure. A type that lacks a measure (no turbo clock, no burst credit) fails any bound on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from ecsim.model.instance_types import (
    CpuArchitecture,
    FamilyLevel,
    InstanceCategory,
    InstanceType,
    LocalStorageCategory,
)

__all__ = ["Bound", "InstanceTypeQuery", "Measure", "narrow"]

T = TypeVar("T")


class Measure(Enum):
    CPU_CORES = "cpu_cores"
    MEMORY_GIB = "memory_gib"
    GPU_AMOUNT = "gpu_amount"
    CPU_SPEED_GHZ = "cpu_speed_ghz"
    CPU_TURBO_GHZ = "cpu_turbo_ghz"
    PPS_RX = "pps_rx"
    PPS_TX = "pps_tx"
    BANDWIDTH_RX_KBPS = "bandwidth_rx_kbps"
    BANDWIDTH_TX_KBPS = "bandwidth_tx_kbps"
    PRIMARY_ENI_QUEUES = "primary_eni_queues"
    SECONDARY_ENI_QUEUES = "secondary_eni_queues"
    ENI_QUANTITY = "eni_quantity"
    QUEUE_PAIRS = "queue_pairs"
    ERI_QUANTITY = "eri_quantity"
    ENI_PRIVATE_IPS = "eni_private_ips"
    ENI_IPV6_ADDRESSES = "eni_ipv6_addresses"
    LOCAL_STORAGE_AMOUNT = "local_storage_amount"
    LOCAL_STORAGE_CAPACITY_GIB = "local_storage_capacity_gib"
    DISK_QUANTITY = "disk_quantity"
    BASELINE_CREDIT = "baseline_credit"
    INITIAL_CREDIT = "initial_credit"


_MEASURES: dict[Measure, Callable[[InstanceType], float | None]] = {
    Measure.CPU_CORES: lambda t: t.cpu_core_count,
    Measure.MEMORY_GIB: lambda t: t.memory_gib,
    Measure.GPU_AMOUNT: lambda t: t.gpu_amount,
    Measure.CPU_SPEED_GHZ: lambda t: t.processor.base_ghz,
    Measure.CPU_TURBO_GHZ: lambda t: t.processor.turbo_ghz,
    Measure.PPS_RX: lambda t: t.network.pps_rx,
    Measure.PPS_TX: lambda t: t.network.pps_tx,
    Measure.BANDWIDTH_RX_KBPS: lambda t: t.network.bandwidth_rx_kbps,
    Measure.BANDWIDTH_TX_KBPS: lambda t: t.network.bandwidth_tx_kbps,
    Measure.PRIMARY_ENI_QUEUES: lambda t: t.network.primary_eni_queues,
    Measure.SECONDARY_ENI_QUEUES: lambda t: t.network.secondary_eni_queues,
    Measure.ENI_QUANTITY: lambda t: t.network.eni_quantity,
    Measure.QUEUE_PAIRS: lambda t: t.network.queue_pairs,
    Measure.ERI_QUANTITY: lambda t: t.network.eri_quantity,
    Measure.ENI_PRIVATE_IPS: lambda t: t.network.eni_private_ips,
    Measure.ENI_IPV6_ADDRESSES: lambda t: t.network.eni_ipv6_addresses,
    Measure.LOCAL_STORAGE_AMOUNT: lambda t: t.local_storage.amount if t.local_storage else 0,
    Measure.LOCAL_STORAGE_CAPACITY_GIB: lambda t: (
        t.local_storage.capacity_gib if t.local_storage else 0
    ),
    Measure.DISK_QUANTITY: lambda t: t.disk_quantity,
    Measure.BASELINE_CREDIT: lambda t: t.credit.baseline if t.credit else None,
    Measure.INITIAL_CREDIT: lambda t: t.credit.initial if t.credit else None,
}


@dataclass(frozen=True)
class Bound:
    measure: Measure
    minimum: float | None = None
    maximum: float | None = None

    def admits(self, instance_type: InstanceType) -> bool:
        value = _MEASURES[self.measure](instance_type)
        if value is None:
            return False
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum


@dataclass(frozen=True)
class InstanceTypeQuery:
    instance_type_ids: frozenset[str] | None = None
    family_ids: frozenset[str] | None = None
    categories: frozenset[InstanceCategory] | None = None
    architectures: frozenset[CpuArchitecture] | None = None
    levels: frozenset[FamilyLevel] | None = None
    gpu_specs: frozenset[str] | None = None
    gpu_spec_contains: str | None = None
    processor_models: frozenset[str] | None = None
    processor_contains: str | None = None
    local_storage_categories: frozenset[LocalStorageCategory] | None = None
    nvme_required: bool | None = None
    bounds: tuple[Bound, ...] = ()

    def matches(self, t: InstanceType) -> bool:
        gpu_spec = t.gpu.spec if t.gpu else ""
        storage = t.local_storage.category if t.local_storage else None
        return (
            _within(self.instance_type_ids, t.instance_type_id)
            and _within(self.family_ids, t.family_id)
            and _within(self.categories, t.family.category)
            and _within(self.architectures, t.processor.architecture)
            and _within(self.levels, t.family.level)
            and _within(self.gpu_specs, gpu_spec)
            and _contains(gpu_spec, self.gpu_spec_contains)
            and _within(self.processor_models, t.processor.model)
            and _contains(t.processor.model, self.processor_contains)
            and _within(self.local_storage_categories, storage)
            and (self.nvme_required is None or self.nvme_required == t.nvme_required)
            and all(bound.admits(t) for bound in self.bounds)
        )


def narrow(*choices: Iterable[T] | None) -> frozenset[T] | None:
    """The values every given choice allows; None when no choice is given (no filter).

    ECS takes several filters both as one value and as a list (InstanceTypeFamily and
    InstanceTypeFamilies.N); given both, a type must satisfy both.
    """
    result: frozenset[T] | None = None
    for choice in choices:
        if choice is None:
            continue
        values = frozenset(choice)
        result = values if result is None else result & values
    return result


def _within(allowed: frozenset[T] | None, value: T | None) -> bool:
    return allowed is None or value in allowed


def _contains(text: str, fragment: str | None) -> bool:
    return fragment is None or fragment.lower() in text.lower()

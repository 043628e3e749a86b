"""Instance types and their families: the hardware a zone can sell (read-only data).

Units follow ECS: memory and disk sizes in GiB, bandwidth in kbit/s, clock speeds in GHz.
Enum values are the names ECS gives the categories, so catalog data and filters share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Accelerator",
    "BootMode",
    "BurstCredit",
    "CpuArchitecture",
    "FamilyLevel",
    "InstanceCategory",
    "InstanceType",
    "InstanceTypeFamily",
    "LocalStorage",
    "LocalStorageCategory",
    "NetworkCapacity",
    "Processor",
]


class InstanceCategory(Enum):
    GENERAL_PURPOSE = "General-purpose"
    COMPUTE_OPTIMIZED = "Compute-optimized"
    MEMORY_OPTIMIZED = "Memory-optimized"
    BIG_DATA = "Big data"
    LOCAL_SSDS = "Local SSDs"
    HIGH_CLOCK_SPEED = "High Clock Speed"
    ENHANCED = "Enhanced"
    SHARED = "Shared"
    GPU = "Compute-optimized with GPU"
    VISUAL_COMPUTE = "Visual Compute-optimized"
    HETEROGENEOUS = "Heterogeneous Service"
    FPGA = "Compute-optimized with FPGA"
    NPU = "Compute-optimized with NPU"
    BARE_METAL = "ECS Bare Metal"
    SUPER_COMPUTING_CLUSTER = "Super Computing Cluster"
    HIGH_PERFORMANCE_COMPUTE = "High Performance Compute"


class FamilyLevel(Enum):
    ENTRY = "EntryLevel"
    ENTERPRISE = "EnterpriseLevel"
    CREDIT_ENTRY = "CreditEntryLevel"


class CpuArchitecture(Enum):
    X86 = "X86"
    ARM = "ARM"


class LocalStorageCategory(Enum):
    HDD = "local_hdd_pro"
    SSD = "local_ssd_pro"


class BootMode(Enum):
    BIOS = "BIOS"
    UEFI = "UEFI"


@dataclass(frozen=True)
class InstanceTypeFamily:
    family_id: str
    # "ecs-1" (series I) .. "ecs-6"; DescribeInstanceTypeFamilies filters on it.
    generation: str
    category: InstanceCategory
    level: FamilyLevel


@dataclass(frozen=True)
class Processor:
    model: str
    architecture: CpuArchitecture
    base_ghz: float
    turbo_ghz: float | None = None


@dataclass(frozen=True)
class Accelerator:
    """GPUs or FPGAs: how many, which model, and memory per device."""

    amount: int
    spec: str
    memory_gib: float = 0.0


@dataclass(frozen=True)
class LocalStorage:
    category: LocalStorageCategory
    amount: int
    # per disk
    capacity_gib: int


@dataclass(frozen=True)
class BurstCredit:
    """Burstable (t5) types: baseline performance (% of one vCPU, summed) and start credit."""

    baseline: int
    initial: int


@dataclass(frozen=True)
class NetworkCapacity:
    eni_quantity: int
    eni_private_ips: int
    eni_ipv6_addresses: int
    bandwidth_rx_kbps: int
    bandwidth_tx_kbps: int
    pps_rx: int
    pps_tx: int
    primary_eni_queues: int
    secondary_eni_queues: int
    max_queues_per_eni: int
    total_eni_queues: int
    network_cards: int = 1
    trunk_supported: bool = False
    encryption_supported: bool = False
    eri_quantity: int = 0
    queue_pairs: int = 0


@dataclass(frozen=True)
class InstanceType:
    instance_type_id: str
    family: InstanceTypeFamily
    cpu_core_count: int
    memory_gib: float
    processor: Processor
    network: NetworkCapacity
    # cloud disks that can be attached
    disk_quantity: int
    # cloud disks attach as NVMe devices
    nvme_required: bool
    boot_modes: tuple[BootMode, ...]
    gpu: Accelerator | None = None
    fpga: Accelerator | None = None
    local_storage: LocalStorage | None = None
    credit: BurstCredit | None = None

    @property
    def family_id(self) -> str:
        return self.family.family_id

    @property
    def gpu_amount(self) -> int:
        return self.gpu.amount if self.gpu else 0

"""The public catalog: regions, zones and what each zone offers (read-only data).

Instance types themselves live in ``model.instance_types``; a zone names the ones it offers by
id, and ``control.catalog.Catalog`` resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "DEFAULT_LANGUAGE",
    "DedicatedHostType",
    "DiskCategory",
    "Language",
    "LocalName",
    "NetworkType",
    "Region",
    "ResourceType",
    "VolumeCategory",
    "Zone",
    "ZoneOffer",
]


class Language(Enum):
    ZH_CN = "zh-CN"
    EN_US = "en-US"
    JA = "ja"


DEFAULT_LANGUAGE = Language.ZH_CN


@dataclass(frozen=True)
class LocalName:
    zh_cn: str
    en_us: str
    ja: str

    def in_language(self, language: Language) -> str:
        if language is Language.EN_US:
            return self.en_us
        if language is Language.JA:
            return self.ja
        return self.zh_cn


class ResourceType(Enum):
    """What can be created in a zone (``AvailableResourceCreation``)."""

    INSTANCE = "Instance"
    DISK = "Disk"
    VSWITCH = "VSwitch"
    IO_OPTIMIZED = "IoOptimized"
    DEDICATED_HOST = "DedicatedHost"


class DiskCategory(Enum):
    CLOUD = "cloud"
    CLOUD_EFFICIENCY = "cloud_efficiency"
    CLOUD_SSD = "cloud_ssd"
    CLOUD_ESSD = "cloud_essd"
    CLOUD_AUTO = "cloud_auto"
    CLOUD_ESSD_ENTRY = "cloud_essd_entry"


class NetworkType(Enum):
    VPC = "vpc"
    CLASSIC = "classic"


class VolumeCategory(Enum):
    """Shared block storage, still listed by the zones that once sold it."""

    SAN_EFFICIENCY = "san_efficiency"
    SAN_SSD = "san_ssd"


@dataclass(frozen=True)
class DedicatedHostType:
    type_id: str
    generation: str


@dataclass(frozen=True)
class ZoneOffer:
    """What a zone sells. Instance types are ids into the catalog's type list."""

    resource_types: tuple[ResourceType, ...] = ()
    disk_categories: tuple[DiskCategory, ...] = ()
    network_types: tuple[NetworkType, ...] = ()
    instance_type_ids: tuple[str, ...] = ()
    volume_categories: tuple[VolumeCategory, ...] = ()
    dedicated_host_types: tuple[DedicatedHostType, ...] = ()

    def offers_instance_type(self, instance_type_id: str) -> bool:
        return instance_type_id in self.instance_type_ids

    def offers_resource(self, resource_type: ResourceType) -> bool:
        return resource_type in self.resource_types

    def offers_disk_category(self, category: DiskCategory) -> bool:
        return category in self.disk_categories


@dataclass(frozen=True)
class Zone:
    zone_id: str
    local_name: LocalName
    offer: ZoneOffer = field(default_factory=ZoneOffer)


@dataclass(frozen=True)
class Region:
    region_id: str
    local_name: LocalName
    endpoint: str
    zones: tuple[Zone, ...]

    def zone(self, zone_id: str) -> Zone | None:
        return next((z for z in self.zones if z.zone_id == zone_id), None)

"""The public catalog: regions, zones and instance types (read-only data)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["DEFAULT_LANGUAGE", "Language", "LocalName", "Region", "Zone"]


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


@dataclass(frozen=True)
class Zone:
    zone_id: str
    local_name: LocalName


@dataclass(frozen=True)
class Region:
    region_id: str
    local_name: LocalName
    endpoint: str
    zones: tuple[Zone, ...]

    def zone(self, zone_id: str) -> Zone | None:
        return next((z for z in self.zones if z.zone_id == zone_id), None)

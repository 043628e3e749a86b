"""What a launch asks for (RunInstances / CreateInstance), and how a batch names its
instances.

The values' own rules (name, host name, password, user data) are those of
``model.instance_attributes``, shared with ModifyInstanceAttribute. Names of a batch may carry
one ordered part ``[begin,bits]`` (``node-[1,4]`` gives ``node-0001``, ``node-0002`` ...; begin
0-999999, default 0; bits 1-6, default 6), ``${instance_id}`` stands for the instance's id, and
UniqueSuffix appends ``001``, ``002`` ... (RunInstances' InstanceName and HostName texts).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import Enum

from ecsim.model.tag import Tag

__all__ = [
    "DataDiskSpec",
    "LaunchMode",
    "LaunchSpec",
    "SystemDiskSpec",
    "default_host_name",
    "expand_name",
]

_ORDERED = re.compile(r"\[([^\[\]]*)\]")
_ORDERED_PART = re.compile(r"([0-9]*),?([0-9]*)")
_INSTANCE_ID_PLACEHOLDER = "${instance_id}"


class LaunchMode(Enum):
    """RunInstances starts what it creates; CreateInstance leaves it Stopped."""

    RUN = "RunInstances"
    CREATE = "CreateInstance"


@dataclass(frozen=True)
class SystemDiskSpec:
    # None: the default (cloud_efficiency, and the image's size or 20 GiB)
    category: str | None = None
    size: int | None = None
    name: str = ""
    description: str = ""
    performance_level: str = ""


@dataclass(frozen=True)
class DataDiskSpec:
    size: int | None = None
    category: str | None = None
    snapshot_id: str | None = None
    name: str = ""
    description: str = ""
    device: str = ""
    delete_with_instance: bool = True
    performance_level: str = ""


@dataclass(frozen=True)
class LaunchSpec:
    image_id: str
    instance_type: str
    security_group_ids: tuple[str, ...] = ()
    vswitch_id: str | None = None
    zone_id: str | None = None
    private_ip: ipaddress.IPv4Address | None = None
    # templates: None means the default (the instance id; "iZ...Z" for the host name)
    name: str | None = None
    host_name: str | None = None
    unique_suffix: bool = False
    description: str = ""
    password: str = ""
    # keep the image's password (only with images that carry one)
    password_inherit: bool = False
    key_pair_name: str | None = None
    # base64, as sent
    user_data: str = ""
    internet_max_bandwidth_out: int = 0
    internet_max_bandwidth_in: int | None = None
    internet_charge_type: str = "PayByTraffic"
    instance_charge_type: str = "PostPaid"
    period: int | None = None
    spot_strategy: str = "NoSpot"
    io_optimized: bool = True
    system_disk: SystemDiskSpec = SystemDiskSpec()
    data_disks: tuple[DataDiskSpec, ...] = ()
    tags: tuple[Tag, ...] = ()
    deletion_protection: bool = False
    resource_group_id: str = ""
    auto_release_time: str = ""
    # MetadataOptions (HttpEndpoint, HttpTokens, HttpPutResponseHopLimit)
    http_endpoint: str = "enabled"
    http_tokens: str = "optional"
    http_put_response_hop_limit: int = 1


def default_host_name(instance_id: str, *, windows: bool) -> str:
    """ECS's default: ``iZ`` + the id's random part + ``Z`` (``iZbp1f4f7t9b1e0s2e2xz1Z``);
    Windows names are cut to its 15 characters."""
    body = instance_id.split("-", 1)[-1]
    if windows:
        body = body[:12]
    return f"iZ{body}Z"


def expand_name(template: str, index: int, instance_id: str, *, unique_suffix: bool) -> str:
    """The name of the ``index``-th (from 0) instance of a batch; ValueError for a malformed
    ordered part."""
    name = template.replace(_INSTANCE_ID_PLACEHOLDER, instance_id)
    parts = _ORDERED.findall(name)
    if len(parts) > 1 or name.count("[") != len(parts) or name.count("]") != len(parts):
        raise ValueError("at most one ordered part [begin,bits]")
    if parts:
        begin, bits = _ordered(parts[0])
        name = _ORDERED.sub(f"{begin + index:0{bits}d}", name, count=1)
    if unique_suffix:
        name = f"{name}{index + 1:03d}"
    return name


def _ordered(text: str) -> tuple[int, int]:
    match = _ORDERED_PART.fullmatch(text.replace(" ", ""))
    if match is None:
        raise ValueError(f"[{text}] is not [begin,bits]")
    begin = int(match.group(1)) if match.group(1) else 0
    bits = int(match.group(2)) if match.group(2) else 6
    if begin > 999999 or not 1 <= bits <= 6:
        raise ValueError(f"[{text}] is out of range")
    return begin, bits

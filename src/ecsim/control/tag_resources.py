"""The resources the tag actions can name: each product's ``ResourceType`` values, the store
kind behind each, the check that the named resources exist for the caller, and the codes
the VPC product gives the same refusals (its tag actions document their own).

A type whose family is not written yet still resolves to its kind; no resource of that kind
exists, so naming one answers ``InvalidResourceId.NotFound`` until the family arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ecsim.errors import EcsError
from ecsim.store.base import Store

__all__ = [
    "ECS_RESOURCE_TYPES",
    "VPC_RESOURCE_TYPES",
    "ForbiddenTagKeyDuplicated",
    "InvalidInstanceIdsNotFound",
    "InvalidInstanceTypeNotFound",
    "InvalidResourceIdNotFound",
    "InvalidResourceTypeNotFound",
    "InvalidTagKey",
    "InvalidTagValue",
    "QuotaExceededTagNum",
    "ResourceTypes",
    "SizeLimitExceededTagNum",
    "TaggableType",
    "in_vpc_terms",
    "require_owned",
]


class InvalidResourceTypeNotFound(EcsError):
    code = "InvalidResourceType.NotFound"
    message = "The ResourceType provided does not exist in our records."
    http_status = 404


class InvalidResourceIdNotFound(EcsError):
    code = "InvalidResourceId.NotFound"
    message = "The specified ResourceIds are not found in our records."
    http_status = 404


@dataclass(frozen=True)
class TaggableType:
    # the value of ResourceType, as the product's documentation spells it
    name: str
    # the store kind of its resources
    kind: str
    # the type's field in DescribeTags' ResourceTypeCount, for the types the older
    # AddTags / RemoveTags / DescribeTags know (None for the others)
    count_key: str | None = None

    @property
    def legacy(self) -> bool:
        return self.count_key is not None


class ResourceTypes:
    """One product's taggable types, looked up by name without regard to case (the VPC
    product documents that; ECS clients send its lower-case names, and nothing else)."""

    def __init__(self, types: Iterable[TaggableType]) -> None:
        self._types = tuple(types)
        self._by_name = {t.name.lower(): t for t in self._types}

    def named(self, name: str, *, legacy: bool = False) -> TaggableType:
        found = self._by_name.get(name.lower())
        if found is None or (legacy and not found.legacy):
            raise InvalidResourceTypeNotFound()
        return found

    def legacy(self) -> list[TaggableType]:
        return [t for t in self._types if t.legacy]

    def __iter__(self) -> Iterator[TaggableType]:
        return iter(self._types)


ECS_RESOURCE_TYPES = ResourceTypes(
    (
        TaggableType("instance", "instance", "Instance"),
        TaggableType("disk", "disk", "Disk"),
        TaggableType("snapshot", "snapshot", "Snapshot"),
        TaggableType("image", "image", "Image"),
        TaggableType("securitygroup", "security_group", "Securitygroup"),
        TaggableType("volume", "volume", "Volume"),
        TaggableType("eni", "network_interface", "Eni"),
        TaggableType("ddh", "dedicated_host", "Ddh"),
        TaggableType("ddhcluster", "dedicated_host_cluster"),
        TaggableType("keypair", "key_pair", "KeyPair"),
        TaggableType("launchtemplate", "launch_template", "LaunchTemplate"),
        TaggableType("reservedinstance", "reserved_instance", "ReservedInstance"),
        TaggableType("snapshotpolicy", "snapshot_policy", "SnapshotPolicy"),
        TaggableType("elasticityassurance", "elasticity_assurance"),
        TaggableType("capacityreservation", "capacity_reservation"),
        TaggableType("command", "command"),
        TaggableType("invocation", "invocation"),
        TaggableType("activation", "activation"),
        TaggableType("managedinstance", "managed_instance"),
    )
)

VPC_RESOURCE_TYPES = ResourceTypes(
    (
        TaggableType("VPC", "vpc"),
        TaggableType("VSWITCH", "vswitch"),
        TaggableType("ROUTETABLE", "route_table"),
        TaggableType("EIP", "eip"),
        TaggableType("VPNGATEWAY", "vpn_gateway"),
        TaggableType("NATGATEWAY", "nat_gateway"),
        TaggableType("COMMONBANDWIDTHPACKAGE", "common_bandwidth_package"),
        TaggableType("PREFIXLIST", "prefix_list"),
        TaggableType("PUBLICIPADDRESSPOOL", "public_ip_address_pool"),
        TaggableType("IPV4GATEWAY", "ipv4_gateway"),
        TaggableType("IPV6GATEWAY", "ipv6_gateway"),
        TaggableType("NETWORKACL", "network_acl"),
        TaggableType("TRAFFICMIRRORFILTER", "traffic_mirror_filter"),
        TaggableType("TRAFFICMIRRORSESSION", "traffic_mirror_session"),
        TaggableType("FLOWLOG", "flow_log"),
        TaggableType("HAVIP", "havip"),
        TaggableType("DHCPOPTIONSSET", "dhcp_options_set"),
        TaggableType("GATEWAYENDPOINT", "gateway_endpoint"),
        TaggableType("IPV6ADDRESS", "ipv6_address"),
    )
)


def require_owned(
    store: Store, account_id: str, region_id: str, kind: str, resource_ids: Iterable[str]
) -> None:
    """Every id names a resource of ``kind`` that the caller owns in ``region_id``; a resource
    of another account or region is as missing as one that never existed."""
    for resource_id in resource_ids:
        record = store.get_resource(kind, resource_id)
        if record is None or record.account_id != account_id or record.region_id != region_id:
            raise InvalidResourceIdNotFound()


# -- the VPC product's codes ---------------------------------------------------------------


class InvalidInstanceTypeNotFound(EcsError):
    code = "InvalidInstanceType.NotFound"
    message = "The instance type is not found"
    http_status = 400


class InvalidInstanceIdsNotFound(EcsError):
    code = "InvalidInstanceIds.NotFound"
    message = "The instanceIds are not found"
    http_status = 400


class QuotaExceededTagNum(EcsError):
    code = "QuotaExceeded.TagNum"
    message = "Custom Tags quota exceeded"
    http_status = 400


class InvalidTagKey(EcsError):
    code = "InvalidTagKey"
    message = "The tag keys are not valid."
    http_status = 400


class InvalidTagValue(EcsError):
    code = "InvalidTagValue"
    message = "The tag values are not valid."
    http_status = 400


class ForbiddenTagKeyDuplicated(EcsError):
    code = "Forbidden.TagKey.Duplicated"
    message = "The specified tag key already exists."
    http_status = 400


class SizeLimitExceededTagNum(EcsError):
    code = "SizeLimitExceeded.TagNum"
    message = "The maximum number of tags is exceeded."
    http_status = 400


# The shared checks raise ECS codes; the VPC product documents its own for the same refusals.
_VPC_ERRORS: dict[str, type[EcsError]] = {
    "InvalidResourceType.NotFound": InvalidInstanceTypeNotFound,
    "InvalidResourceId.NotFound": InvalidInstanceIdsNotFound,
    "OperationDenied.QuotaExceed": QuotaExceededTagNum,
    "InvalidTagKey.Malformed": InvalidTagKey,
    "InvalidTagValue.Malformed": InvalidTagValue,
    "Duplicate.TagKey": ForbiddenTagKeyDuplicated,
    "NumberExceed.Tags": SizeLimitExceededTagNum,
}


def in_vpc_terms(error: EcsError) -> EcsError:
    """``error`` as the VPC product's tag actions report it."""
    vpc_error = _VPC_ERRORS.get(error.code)
    return error if vpc_error is None else vpc_error()

"""vSwitch use cases: create inside an Available VPC, list, rename, delete when empty.

A vSwitch lives in its VPC's region and in one of that region's zones. Its block lies inside
the VPC's block and overlaps none of its siblings'.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.error_builders import fixed
from ecsim.control.network_repositories import VpcRepository, VSwitchRepository
from ecsim.control.quotas import check_quota
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.catalog import ResourceType
from ecsim.model.network import NetworkStatus, Vpc, VSwitch
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs.networks import KIND_VSWITCH

__all__ = ["NewVSwitch", "VSwitchQuery", "VSwitchView", "VSwitches"]


@dataclass(frozen=True)
class NewVSwitch:
    vpc_id: str
    zone_id: str
    cidr_block: ipaddress.IPv4Network
    name: str = ""
    description: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class VSwitchQuery:
    """DescribeVSwitches filters; None filters nothing. The region is given apart."""

    vpc_id: str | None = None
    vswitch_ids: tuple[str, ...] | None = None
    zone_id: str | None = None
    name: str | None = None
    is_default: bool | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class VSwitchView:
    """A vSwitch as Describe shows it: status now, free addresses, tags."""

    vswitch: VSwitch
    status: NetworkStatus
    available_ip_count: int
    # the VPC's system route table, which every vSwitch uses
    route_table_id: str
    tags: Mapping[str, str]


_quota_exceeded = fixed(
    "Virtual switch quota exceeded.", code="QuotaExceeded.VSwitch", http_status=400
)


class VSwitches:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        catalog: Catalog,
        limits: Limits,
        tags: Tags,
        *,
        ready_delay: timedelta,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._limits = limits
        self._tags = tags
        self._ready_delay = ready_delay
        self._vpcs = VpcRepository(store)
        self._vswitches = VSwitchRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)

    def create(self, account_id: str, region_id: str | None, spec: NewVSwitch) -> VSwitch:
        vpc = self._vpcs.get(account_id, spec.vpc_id, region_id)
        zone = self._catalog.zone(vpc.region_id, spec.zone_id)
        if zone is None:
            raise EcsError(
                "Specified zone does not exist.", code="InvalidZoneId.NotFound", http_status=404
            )
        if not zone.offer.offers_resource(ResourceType.VSWITCH):
            raise EcsError(
                "Resource you requested is not available in this region or zone.",
                code="ResourceNotAvailable",
                http_status=400,
            )
        now = self._clock.now()
        if vpc.status(now) is not NetworkStatus.AVAILABLE:
            raise EcsError(
                "Current VPC status does not support this operation.",
                code="IncorrectVpcStatus",
                http_status=400,
            )
        siblings = self._vswitches.in_vpc(vpc)
        check_quota(siblings, self._limits.vswitches_per_vpc, _quota_exceeded)
        self._check_block(vpc, siblings, spec.cidr_block)
        vswitch = VSwitch(
            vswitch_id=self._ids.new("vswitch"),
            account_id=account_id,
            region_id=vpc.region_id,
            vpc_id=vpc.vpc_id,
            zone_id=zone.zone_id,
            cidr_block=spec.cidr_block,
            name=spec.name,
            description=spec.description,
            created_at=now,
            ready_at=now + self._ready_delay,
            resource_group_id=vpc.resource_group_id,
        )
        self._vswitches.save(vswitch)
        owner = TagOwner(account_id, vpc.region_id, KIND_VSWITCH, vswitch.vswitch_id)
        self._tags.attach(owner, spec.tags)
        return vswitch

    def describe(
        self, account_id: str, region_id: str | None, query: VSwitchQuery
    ) -> list[VSwitchView]:
        found = self._vswitches.owned_by(account_id, region_id)
        if query.vpc_id is not None:
            found = [s for s in found if s.vpc_id == query.vpc_id]
        if query.vswitch_ids is not None:
            wanted = set(query.vswitch_ids)
            found = [s for s in found if s.vswitch_id in wanted]
        if query.zone_id is not None:
            found = [s for s in found if s.zone_id == query.zone_id]
        if query.name is not None:
            found = [s for s in found if s.name == query.name]
        if query.is_default is not None:
            found = [s for s in found if s.is_default == query.is_default]
        if query.resource_group_id is not None:
            found = [s for s in found if s.resource_group_id == query.resource_group_id]
        if query.tags:
            # tags are kept per region: match in each region the answer spans
            tagged: set[str] = set()
            for region in {s.region_id for s in found}:
                tagged |= self._tags.matching(account_id, region, KIND_VSWITCH, query.tags)
            found = [s for s in found if s.vswitch_id in tagged]
        used: dict[str, int] = {}
        for eni in self._interfaces.owned_by(account_id, region_id):
            if eni.vswitch_id is not None:
                used[eni.vswitch_id] = used.get(eni.vswitch_id, 0) + 1
        route_tables = {v.vpc_id: v.route_table_id for v in self._vpcs.owned_by(account_id)}
        now = self._clock.now()
        return [
            VSwitchView(
                s,
                s.status(now),
                max(s.capacity - used.get(s.vswitch_id, 0), 0),
                route_tables.get(s.vpc_id, ""),
                self._tags.of(KIND_VSWITCH, s.vswitch_id),
            )
            for s in found
        ]

    def modify(
        self,
        account_id: str,
        region_id: str | None,
        vswitch_id: str,
        name: str | None,
        description: str | None,
    ) -> VSwitch:
        vswitch = self._vswitches.get(account_id, vswitch_id, region_id)
        if vswitch.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise EcsError(
                "The status of the specified VSwitch is invalid.",
                code="IncorrectStatus.VSwitch",
                http_status=400,
            )
        changed = vswitch.renamed(name, description)
        self._vswitches.save(changed)
        return changed

    def delete(self, account_id: str, region_id: str | None, vswitch_id: str) -> None:
        vswitch = self._vswitches.get(account_id, vswitch_id, region_id)
        if vswitch.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise EcsError(
                "vpc subnet is in middle status.", code="IncorrectVSwitchStatus", http_status=400
            )
        interfaces = self._interfaces.owned_by(account_id, vswitch.region_id)
        if any(eni.vswitch_id == vswitch.vswitch_id for eni in interfaces):
            raise EcsError(
                "Resources deployed in the vSwitch have not been deleted.",
                code="DependencyViolation",
                http_status=400,
            )
        self._vswitches.delete(vswitch.vswitch_id)
        self._tags.forget(KIND_VSWITCH, vswitch.vswitch_id)

    @staticmethod
    def _check_block(vpc: Vpc, siblings: list[VSwitch], block: ipaddress.IPv4Network) -> None:
        if not block.subnet_of(vpc.cidr_block):
            raise EcsError(
                "Specified CIDR block is not valid in VPC.",
                code="InvalidParameter",
                http_status=400,
            )
        if any(block.overlaps(s.cidr_block) for s in siblings):
            raise EcsError(
                "Specified CIDR block overlapped with other subnets.",
                code="InvalidCidrBlock.Overlapped",
                http_status=400,
            )

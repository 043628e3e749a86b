"""VPC use cases: create (quota, Pending -> Available), list, modify, delete (dependencies).

The block and the names arrive already checked by ``network_rules``; what needs state is
checked here: the quota, the VPC's status, a new block still holding every vSwitch, and the
resources that keep a VPC from being deleted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from ecsim.clock import Clock
from ecsim.control.error_builders import fixed
from ecsim.control.network_repositories import VpcRepository, VSwitchRepository
from ecsim.control.quotas import check_quota
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.network import NetworkStatus, Vpc
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs.networks import KIND_VPC

__all__ = ["NewVpc", "VpcChanges", "VpcQuery", "VpcView", "Vpcs"]


@dataclass(frozen=True)
class NewVpc:
    cidr_block: ipaddress.IPv4Network
    name: str = ""
    description: str = ""
    user_cidrs: tuple[ipaddress.IPv4Network, ...] = ()
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class VpcChanges:
    """What ModifyVpcAttribute changes; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    cidr_block: ipaddress.IPv4Network | None = None
    user_cidrs: tuple[ipaddress.IPv4Network, ...] | None = None


@dataclass(frozen=True)
class VpcQuery:
    """DescribeVpcs filters; None filters nothing."""

    vpc_ids: tuple[str, ...] | None = None
    name: str | None = None
    is_default: bool | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class VpcView:
    """A VPC as Describe shows it: its status now, its vSwitches and tags."""

    vpc: Vpc
    status: NetworkStatus
    vswitch_ids: tuple[str, ...]
    tags: Mapping[str, str]


_incorrect_status = fixed(
    "Current VPC status does not support this operation.",
    code="IncorrectVpcStatus",
    http_status=400,
)
_quota_exceeded = fixed("VPC quota exceeded.", code="QuotaExceeded.Vpc", http_status=400)


class Vpcs:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        tags: Tags,
        *,
        ready_delay: timedelta,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._tags = tags
        self._ready_delay = ready_delay
        self._vpcs = VpcRepository(store)
        self._vswitches = VSwitchRepository(store)

    def create(self, account_id: str, region_id: str, spec: NewVpc) -> Vpc:
        vpcs = self._vpcs.owned_by(account_id, region_id)
        check_quota(vpcs, self._limits.vpcs_per_region, _quota_exceeded)
        now = self._clock.now()
        vpc = Vpc(
            vpc_id=self._ids.new("vpc"),
            account_id=account_id,
            region_id=region_id,
            cidr_block=spec.cidr_block,
            name=spec.name,
            description=spec.description,
            vrouter_id=self._ids.new("vrouter"),
            route_table_id=self._ids.new("route_table"),
            user_cidrs=spec.user_cidrs,
            created_at=now,
            ready_at=now + self._ready_delay,
            resource_group_id=spec.resource_group_id,
        )
        self._vpcs.save(vpc)
        self._tags.attach(TagOwner(account_id, region_id, KIND_VPC, vpc.vpc_id), spec.tags)
        return vpc

    def describe(self, account_id: str, region_id: str, query: VpcQuery) -> list[VpcView]:
        vpcs = self._vpcs.owned_by(account_id, region_id)
        if query.vpc_ids is not None:
            wanted = set(query.vpc_ids)
            vpcs = [v for v in vpcs if v.vpc_id in wanted]
        if query.name is not None:
            vpcs = [v for v in vpcs if v.name == query.name]
        if query.is_default is not None:
            vpcs = [v for v in vpcs if v.is_default == query.is_default]
        if query.resource_group_id is not None:
            vpcs = [v for v in vpcs if v.resource_group_id == query.resource_group_id]
        if query.tags:
            tagged = self._tags.matching(account_id, region_id, KIND_VPC, query.tags)
            vpcs = [v for v in vpcs if v.vpc_id in tagged]
        vswitch_ids: dict[str, list[str]] = {}
        for vswitch in self._vswitches.owned_by(account_id, region_id):
            vswitch_ids.setdefault(vswitch.vpc_id, []).append(vswitch.vswitch_id)
        now = self._clock.now()
        return [
            VpcView(
                vpc,
                vpc.status(now),
                tuple(vswitch_ids.get(vpc.vpc_id, ())),
                self._tags.of(KIND_VPC, vpc.vpc_id),
            )
            for vpc in vpcs
        ]

    def modify(
        self, account_id: str, region_id: str | None, vpc_id: str, changes: VpcChanges
    ) -> Vpc:
        vpc = self._vpcs.get(account_id, vpc_id, region_id)
        if vpc.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise _incorrect_status()
        changed = vpc.renamed(changes.name, changes.description)
        if changes.cidr_block is not None:
            self._check_new_block(vpc, changes.cidr_block)
            changed = replace(changed, cidr_block=changes.cidr_block)
        if changes.user_cidrs is not None:
            changed = replace(changed, user_cidrs=changes.user_cidrs)
        self._vpcs.save(changed)
        return changed

    def delete(self, account_id: str, region_id: str | None, vpc_id: str) -> None:
        vpc = self._vpcs.get(account_id, vpc_id, region_id)
        if vpc.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise _incorrect_status()
        self._check_no_dependents(vpc)
        self._vpcs.delete(vpc.vpc_id)
        self._tags.forget(KIND_VPC, vpc.vpc_id)

    def _check_new_block(self, vpc: Vpc, block: ipaddress.IPv4Network) -> None:
        # The block may grow or shrink around the current one, never move elsewhere.
        if not (block.subnet_of(vpc.cidr_block) or block.supernet_of(vpc.cidr_block)):
            raise EcsError(
                "Specified CIDR block is not valid.",
                code="InvalidCidrBlock.Malformed",
                http_status=400,
            )
        if any(not s.cidr_block.subnet_of(block) for s in self._vswitches.in_vpc(vpc)):
            raise EcsError(
                "Some subnet cidrBlock is not in the cidrBlock.",
                code="IllegalCidrBlock",
                http_status=400,
            )

    def _check_no_dependents(self, vpc: Vpc) -> None:
        # Interfaces first: an instance keeps its vSwitch, so checking vSwitches first would
        # hide the more telling answer.
        interfaces = NetworkInterfaceRepository(self._store).owned_by(vpc.account_id, vpc.region_id)
        if any(eni.vpc_id == vpc.vpc_id for eni in interfaces):
            raise EcsError(
                "Specified object has dependent resources",
                code="DependencyViolation.Instance",
                http_status=400,
            )
        if self._vswitches.in_vpc(vpc):
            raise EcsError(
                "Specified object has dependent resources",
                code="DependencyViolation.VSwitch",
                http_status=400,
            )
        groups = SecurityGroupRepository(self._store).owned_by(vpc.account_id, vpc.region_id)
        if any(group.vpc_id == vpc.vpc_id for group in groups):
            raise EcsError(
                "Specified object has dependent resources SecurityGroup.",
                code="DependencyViolation.SecurityGroup",
                http_status=400,
            )

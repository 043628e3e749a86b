"""Security groups: create, delete, describe, attributes, policy, references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.control.error_builders import fixed
from ecsim.control.network_repositories import vpc_not_found
from ecsim.control.quotas import check_quota
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.security_group import GroupRef, GroupType, Rule, SecurityGroup
from ecsim.model.security_group_names import parse_group_description, parse_group_name
from ecsim.model.tag import Tag
from ecsim.model.values import Direction, NicType, Policy
from ecsim.settings import Limits
from ecsim.store.base import Store, TagOwner

__all__ = ["GroupListing", "GroupQuery", "Reference", "SecurityGroups"]

# The store kind of VPCs: their family owns the model; existence and ownership is all a
# group needs to know.
_VPC_KIND = "vpc"
_TAG_TYPE = "security_group"
# Private addresses a group can hold (reference §2.1): what AvailableInstanceAmount counts down.
_CAPACITY = {GroupType.NORMAL: 2000, GroupType.ENTERPRISE: 65536}
_CLASSIC_CAPACITY = 1000

_quota_exceeded = fixed(
    "The maximum number of security groups is reached.",
    code="QuotaExceed.SecurityGroup",
    http_status=403,
)


@dataclass(frozen=True)
class GroupQuery:
    """DescribeSecurityGroups' filters; None (or empty tags) filters nothing."""

    vpc_id: str | None = None
    group_ids: frozenset[str] | None = None
    name: str | None = None
    # substring rather than exact name match (the deprecated FuzzyQuery)
    fuzzy_name: bool = False
    group_type: GroupType | None = None
    # True: VPC groups only; False: classic groups only
    in_vpc: bool | None = None
    resource_group_id: str | None = None
    # True asks for groups a cloud service manages: ecsim has none
    service_managed: bool | None = None
    tags: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupListing:
    group: SecurityGroup
    # member network interfaces
    member_count: int
    capacity: int
    tags: Mapping[str, str]

    @property
    def available(self) -> int:
        return max(self.capacity - self.member_count, 0)

    @property
    def group_rule_count(self) -> int:
        return sum(1 for rule in self.group.rules if rule.references_group)


@dataclass(frozen=True)
class Reference:
    """``group_id`` and the groups (of any account) whose rules name it as a peer."""

    group_id: str
    referencing: tuple[SecurityGroup, ...]


class SecurityGroups:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        accounts: Accounts,
        tags: Tags,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._accounts = accounts
        self._tags = tags
        self._groups = SecurityGroupRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)

    # -- lifecycle ---------------------------------------------------------------------------

    def create(
        self,
        account_id: str,
        region_id: str,
        *,
        vpc_id: str | None = None,
        name: str | None = None,
        description: str | None = None,
        group_type: GroupType = GroupType.NORMAL,
        resource_group_id: str = "",
        tags: Iterable[Tag] = (),
    ) -> SecurityGroup:
        """A group without rules (reference §2.1: the API adds none)."""
        name = parse_group_name(name) if name else ""
        description = parse_group_description(description) if description else ""
        if group_type is GroupType.ENTERPRISE and vpc_id is None:
            raise EcsError(
                "Only VPC instance supports enterprise level security group.",
                code="InvalidParams.VpcIdGroupType",
                http_status=400,
            )
        if vpc_id is not None:
            self._require_vpc(account_id, region_id, vpc_id)
        groups = self._groups.owned_by(account_id, region_id)
        check_quota(groups, self._limits.security_groups_per_region, _quota_exceeded)
        group = SecurityGroup(
            group_id=self._ids.new("security_group"),
            account_id=account_id,
            region_id=region_id,
            vpc_id=vpc_id,
            name=name,
            description=description,
            group_type=group_type,
            inner_access_policy=Policy.DROP
            if group_type is GroupType.ENTERPRISE
            else Policy.ACCEPT,
            rules=(),
            created_at=self._clock.now(),
            resource_group_id=resource_group_id,
        )
        self._groups.save(group)
        self._tags.attach(TagOwner(account_id, region_id, _TAG_TYPE, group.group_id), tags)
        return group

    def delete(self, account_id: str, region_id: str, group_id: str) -> None:
        group = self._groups.find(group_id)
        if group is None or group.account_id != account_id or group.region_id != region_id:
            # DeleteSecurityGroup's own NotFound code (the 2025 API page), not the older
            # InvalidSecurityGroupId.NotFound of the other actions.
            raise EcsError(
                "The specified security group is not found.",
                code="InvalidSecurityGroup.NotFound",
                http_status=404,
            )
        if self._interfaces.members_of(group):
            raise EcsError(
                "There is still instance(s) in the specified security group.",
                code="DependencyViolation",
                http_status=403,
            )
        if self._referencing(group):
            raise EcsError(
                "The specified security group has been authorized in another one.",
                code="DependencyViolation",
                http_status=403,
            )
        self._groups.delete(group.group_id)
        self._tags.forget(_TAG_TYPE, group.group_id)

    # -- reading -----------------------------------------------------------------------------

    def get(self, account_id: str, region_id: str, group_id: str) -> SecurityGroup:
        return self._groups.get(account_id, group_id, region_id)

    def name_of(self, group_id: str) -> str:
        """A group's name, of any account; ``""`` when there is no such group."""
        group = self._groups.find(group_id)
        return group.name if group else ""

    def describe(self, account_id: str, region_id: str, query: GroupQuery) -> list[GroupListing]:
        """The caller's groups in the region that pass every filter, in creation order."""
        tagged = (
            self._tags.matching(account_id, region_id, _TAG_TYPE, query.tags)
            if query.tags
            else None
        )
        members: dict[str, int] = {}
        for eni in self._interfaces.owned_by(account_id, region_id):
            for group_id in eni.security_group_ids:
                members[group_id] = members.get(group_id, 0) + 1
        return [
            GroupListing(
                group,
                members.get(group.group_id, 0),
                _capacity(group),
                self._tags.of(_TAG_TYPE, group.group_id),
            )
            for group in self._candidates(account_id, region_id, query)
            if _matches(group, query) and (tagged is None or group.group_id in tagged)
        ]

    def _candidates(
        self, account_id: str, region_id: str, query: GroupQuery
    ) -> list[SecurityGroup]:
        """The groups a query can match: looked up by id when it names ids (the common
        case, and the one that must stay fast with thousands of groups), else all."""
        if query.group_ids is None:
            return self._groups.owned_by(account_id, region_id)
        named = [self._groups.find(group_id) for group_id in query.group_ids]
        found = [
            group
            for group in named
            if group is not None and group.account_id == account_id and group.region_id == region_id
        ]
        return sorted(found, key=lambda group: (group.created_at, group.group_id))

    def rules(
        self, group: SecurityGroup, direction: Direction | None, nic_type: NicType | None
    ) -> tuple[Rule, ...]:
        """``group``'s rules in ``direction`` (None: both). NIC types only tell a classic
        group's rules apart (reference §2.7): a VPC group's are all intranet, and a classic
        group's are the internet ones unless ``nic_type`` says otherwise."""
        rules = group.rules if direction is None else group.rules_in(direction)
        if group.vpc_id is not None:
            return rules
        wanted = nic_type or NicType.INTERNET
        return tuple(rule for rule in rules if rule.nic_type is wanted)

    def references(
        self, account_id: str, region_id: str, group_ids: Iterable[str]
    ) -> list[Reference]:
        """For each of the caller's groups, the other groups whose rules name it."""
        groups = [self.get(account_id, region_id, group_id) for group_id in group_ids]
        return [Reference(group.group_id, self._referencing(group)) for group in groups]

    # -- changing ----------------------------------------------------------------------------

    def set_inner_access_policy(
        self, account_id: str, region_id: str, group_id: str, policy: Policy
    ) -> None:
        group = self.get(account_id, region_id, group_id)
        if group.is_enterprise:
            # Documented for this action (reference §8 had found no code).
            raise EcsError(
                "The InnerAccessPolicy attribute of enterprise level security group "
                "can't be modified.",
                code="InvalidParameter.InnerAccessPolicy",
                http_status=404,
            )
        self._groups.save(replace(group, inner_access_policy=policy))

    def modify_attribute(
        self,
        account_id: str,
        region_id: str,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Rename or redescribe; a field left out (None) keeps its value."""
        group = self.get(account_id, region_id, group_id)
        if name is not None:
            group = replace(group, name=parse_group_name(name))
        if description is not None:
            group = replace(group, description=parse_group_description(description))
        self._groups.save(group)

    # -- helpers -----------------------------------------------------------------------------

    def _require_vpc(self, account_id: str, region_id: str, vpc_id: str) -> None:
        record = self._store.get_resource(_VPC_KIND, vpc_id)
        if record is None or record.account_id != account_id or record.region_id != region_id:
            raise vpc_not_found()

    def _referencing(self, group: SecurityGroup) -> tuple[SecurityGroup, ...]:
        """Other groups, of any account in ``group``'s region, with a rule whose peer is it.
        A group's rules naming itself do not count: they go with it."""
        found: list[SecurityGroup] = []
        for account in self._store.list_accounts():
            for other in self._groups.owned_by(account.account_id, group.region_id):
                if other.group_id != group.group_id and any(
                    _names(rule, group.group_id) for rule in other.rules
                ):
                    found.append(other)
        return tuple(found)


def _names(rule: Rule, group_id: str) -> bool:
    # Group ids are unique across accounts, so the peer's recorded owner need not be compared.
    return isinstance(rule.peer, GroupRef) and rule.peer.group_id == group_id


def _capacity(group: SecurityGroup) -> int:
    return _CAPACITY[group.group_type] if group.vpc_id is not None else _CLASSIC_CAPACITY


def _matches(group: SecurityGroup, query: GroupQuery) -> bool:
    if query.vpc_id is not None and group.vpc_id != query.vpc_id:
        return False
    if query.group_ids is not None and group.group_id not in query.group_ids:
        return False
    if query.name is not None:
        if query.fuzzy_name and query.name not in group.name:
            return False
        if not query.fuzzy_name and group.name != query.name:
            return False
    if query.group_type is not None and group.group_type is not query.group_type:
        return False
    if query.in_vpc is not None and (group.vpc_id is not None) != query.in_vpc:
        return False
    if query.service_managed:
        return False
    return query.resource_group_id is None or group.resource_group_id == query.resource_group_id

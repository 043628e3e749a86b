"""Which security groups a network interface may be in (reference §2.1, §2.3, §2.13).

Membership lives on the interface (an instance's groups are its primary interface's). Every
change of it — CreateNetworkInterface, ModifyNetworkInterfaceAttribute, JoinSecurityGroup,
LeaveSecurityGroup, ModifyInstanceAttribute's ``SecurityGroupIds.N`` — ends in one check of
the whole new set (``validate_groups``): each group is the caller's, in the interface's region;
no group is named twice; each sits in the interface's VPC (a classic interface takes only
classic groups); basic and enterprise groups are never mixed; and the set holds at most
``Limits.security_groups_per_interface`` groups.

The actions document different codes for the same refusal, and check in one of two orders,
so each passes the ``MembershipCodes`` it answers with. RunInstances checks the same rules
(``validate_launch_groups``), its groups deciding the network rather than an interface.

``join`` and ``leave`` are JoinSecurityGroup and LeaveSecurityGroup: on a network interface,
or on an instance's primary one (the instance Running or Stopped, and not locked).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository, instance_not_found
from ecsim.control.error_builders import fixed
from ecsim.control.instance_lifecycle import require_settled
from ecsim.control.repositories import (
    NetworkInterfaceRepository,
    SecurityGroupRepository,
    security_group_not_found,
)
from ecsim.errors import EcsError, MissingParameter
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import SecurityGroup
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = [
    "INSTANCE_CODES",
    "INTERFACE_CODES",
    "JOIN_INSTANCE_CODES",
    "JOIN_INTERFACE_CODES",
    "LAUNCH_CODES",
    "MembershipCodes",
    "SecurityGroupMembership",
]


@dataclass(frozen=True)
class MembershipCodes:
    """The refusals one action gives when a set of groups breaks a rule."""

    # a group named twice (or, when joining, one the interface is already in)
    repeated: Callable[[], EcsError]
    # more groups than an interface may be in
    too_many: Callable[[], EcsError]
    # a group of another VPC, or of the other network type
    other_network: Callable[[], EcsError]
    # basic and enterprise groups together
    mixed: Callable[[], EcsError]
    # a group that is not the caller's in the region
    not_found: Callable[[], EcsError] = security_group_not_found
    # a classic group where a VPC is wanted, checked before ``other_network`` (None: that
    # answers for it)
    classic_group: Callable[[], EcsError] | None = None
    # the ids are counted (repeats, then the limit) before any group is looked up; otherwise
    # repeats come after the lookup and the limit last
    counted_first: bool = False


_multi_group_type = fixed(
    "The specified instance can't join multi SecurityGroup types.",
    code="EnterpriseGroupLimited.MutliGroupType",
    http_status=403,
)
_joined_group_limit = fixed(
    "The security groups of the network interface exceed the limit.",
    code="JoinedGroupLimitExceed",
    http_status=400,
)
_vpc_mismatch = fixed(
    "The specified security group and network interface are not in the same VPC.",
    code="InvalidOperation.VpcMismatch",
    http_status=403,
)

# CreateNetworkInterface, ModifyNetworkInterfaceAttribute.
INTERFACE_CODES = MembershipCodes(
    repeated=fixed(
        "The specified security group ids has repeated.",
        code="InvalidParameter.SecurityGroupIdRepeated",
        http_status=400,
    ),
    too_many=_joined_group_limit,
    other_network=_vpc_mismatch,
    mixed=_multi_group_type,
)

# ModifyInstanceAttribute (SecurityGroupIds.N), as its error table documents them.
INSTANCE_CODES = MembershipCodes(
    repeated=fixed(
        "The specified security group ids has repeated.",
        code="InvalidParameter.SecurityGroupIdRepeated",
        http_status=404,
    ),
    too_many=fixed(
        "The security groups of the instance exceed the limit.",
        code="JoinedGroupLimitExceed",
        http_status=400,
    ),
    other_network=fixed(
        "The specified SecurityGroupIds are belong to different vpc.",
        code="InvalidSecurityGroupVpc.NotBelongToOneVpc",
        http_status=404,
    ),
    mixed=fixed(
        "The specified instance can not join multi SecurityGroup types.",
        code="EnterpriseGroupLimited.MutliGroupType",
        http_status=403,
    ),
    classic_group=fixed(
        "The specified SecurityGroupIds have classic group type.",
        code="InvalidSecurityGroupType.NotSupportClassic",
        http_status=404,
    ),
    counted_first=True,
)

# RunInstances (SecurityGroupId, SecurityGroupIds.N).
LAUNCH_CODES = MembershipCodes(
    repeated=fixed(
        "The specified SecurityGroupIds contain repeated ids.",
        code="InvalidParameter.SecurityGroupIdRepeated",
        http_status=400,
    ),
    too_many=fixed(
        "The number of security groups an instance joins exceeds the limit.",
        code="JoinedGroupLimitExceed",
        http_status=400,
    ),
    other_network=fixed(
        "The specified security groups are not in the same VPC.",
        code="InvalidSecurityGroup.VpcMismatch",
        http_status=400,
    ),
    mixed=_multi_group_type,
    not_found=fixed(
        "The specified SecurityGroupId does not exist.",
        code="InvalidSecurityGroupId.NotFound",
        http_status=404,
    ),
    classic_group=fixed(
        "The specified security groups are of different network types.",
        code="InvalidSecurityGroupId.MultiGroupIdNetworkTypeConflict",
        http_status=400,
    ),
    counted_first=True,
)

_already_member = fixed(
    "The specified instance already exists in the specified security group.",
    code="InvalidInstanceId.AlreadyExists",
    http_status=403,
)
_instance_group_limit = fixed(
    "Exceeding the allowed amount of security groups that an instance can be in.",
    code="InstanceSecurityGroupLimitExceeded",
    http_status=400,
)
_join_multi_group_type = fixed(
    "The specified instance can't join different types of security group.",
    code="InvalidOperation.MultiGroupType",
    http_status=400,
)

# JoinSecurityGroup with InstanceId.
JOIN_INSTANCE_CODES = MembershipCodes(
    repeated=_already_member,
    too_many=_instance_group_limit,
    other_network=fixed(
        "Specified instance and security group are not in the same VPC.",
        code="InvalidInstanceId.Mismatch",
        http_status=400,
    ),
    mixed=_join_multi_group_type,
)

# JoinSecurityGroup with NetworkInterfaceId.
JOIN_INTERFACE_CODES = MembershipCodes(
    repeated=_already_member,
    too_many=_instance_group_limit,
    other_network=_vpc_mismatch,
    mixed=_join_multi_group_type,
)

_not_a_member = fixed(
    "The specified security group association does not exist.",
    code="InvalidSecurityGroupAssociation.NotFound",
    http_status=400,
)
_last_group = fixed(
    "The specified security group is the last security group for the instance.",
    code="InstanceLastSecurityGroup",
    http_status=403,
)
_both_targets = fixed(
    "InstanceId and NetworkInterfaceId cannot be specified together.",
    code="InvalidParam.EniIdAndInstanceId.Conflict",
    http_status=403,
)
_region_required = fixed(
    "The specified RegionId should not be null.",
    code="MissingParameter.RegionId",
    http_status=400,
)
_eni_not_found = fixed(
    "The specified network interface does not exist.", code="InvalidEniId.NotFound", http_status=404
)


class SecurityGroupMembership:
    def __init__(self, store: Store, clock: Clock, limits: Limits) -> None:
        self._clock = clock
        self._limits = limits
        self._groups = SecurityGroupRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._instances = InstanceRepository(store)

    # -- JoinSecurityGroup / LeaveSecurityGroup ------------------------------------------------

    def join(
        self,
        account_id: str,
        region_id: str | None,
        group_id: str,
        instance_id: str | None,
        eni_id: str | None,
    ) -> NetworkInterface:
        eni = self._member(account_id, region_id, instance_id, eni_id)
        codes = JOIN_INSTANCE_CODES if instance_id is not None else JOIN_INTERFACE_CODES
        changed = self.joined(eni, group_id, codes)
        self._interfaces.save(changed)
        return changed

    def leave(
        self,
        account_id: str,
        region_id: str | None,
        group_id: str,
        instance_id: str | None,
        eni_id: str | None,
    ) -> NetworkInterface:
        eni = self._member(account_id, region_id, instance_id, eni_id)
        changed = self.left(eni, group_id)
        self._interfaces.save(changed)
        return changed

    # -- the rules, for every action that changes an interface's groups ----------------------

    def validate_groups(
        self,
        account_id: str,
        region_id: str,
        vpc_id: str | None,
        group_ids: Sequence[str],
        codes: MembershipCodes = INSTANCE_CODES,
    ) -> tuple[SecurityGroup, ...]:
        """The groups named, in order, when together they may be an interface's groups in
        ``vpc_id`` (None: the classic network); otherwise the first rule broken, as ``codes``
        spell it. An empty list passes: whether one is needed is the caller's rule."""
        return self._validated(account_id, region_id, group_ids, codes, lambda _: vpc_id)

    def validate_launch_groups(
        self, account_id: str, region_id: str, group_ids: Sequence[str], codes: MembershipCodes
    ) -> tuple[SecurityGroup, ...]:
        """As ``validate_groups`` for a new instance, whose network its groups decide: the
        first VPC group's VPC, or the classic network when all are classic."""
        return self._validated(account_id, region_id, group_ids, codes, _first_vpc)

    def _validated(
        self,
        account_id: str,
        region_id: str,
        group_ids: Sequence[str],
        codes: MembershipCodes,
        vpc_of: Callable[[Sequence[SecurityGroup]], str | None],
    ) -> tuple[SecurityGroup, ...]:
        repeated = len(set(group_ids)) != len(group_ids)
        too_many = len(group_ids) > self._limits.security_groups_per_interface
        if codes.counted_first and (repeated or too_many):
            raise codes.repeated() if repeated else codes.too_many()
        groups = tuple(self._group(account_id, region_id, gid, codes) for gid in group_ids)
        if repeated:
            raise codes.repeated()
        vpc_id = vpc_of(groups)
        classic = any(group.vpc_id is None for group in groups)
        if codes.classic_group is not None and vpc_id is not None and classic:
            raise codes.classic_group()
        if any(group.vpc_id != vpc_id for group in groups):
            raise codes.other_network()
        if len({group.group_type for group in groups}) > 1:
            raise codes.mixed()
        if too_many:
            raise codes.too_many()
        return groups

    def _group(
        self, account_id: str, region_id: str, group_id: str, codes: MembershipCodes
    ) -> SecurityGroup:
        group = self._groups.find(group_id)
        if group is None or group.account_id != account_id or group.region_id != region_id:
            raise codes.not_found()
        return group

    def joined(
        self, eni: NetworkInterface, group_id: str, codes: MembershipCodes
    ) -> NetworkInterface:
        """``eni`` in ``group_id`` as well."""
        wanted = (*eni.security_group_ids, group_id)
        # The new group is looked up first: a missing group is NotFound, not a repeat.
        self._groups.get(eni.account_id, group_id, eni.region_id)
        self.validate_groups(eni.account_id, eni.region_id, eni.vpc_id, wanted, codes)
        return replace(eni, security_group_ids=wanted)

    def left(self, eni: NetworkInterface, group_id: str) -> NetworkInterface:
        """``eni`` out of ``group_id``; it must be in it, and keep at least one group."""
        self._groups.get(eni.account_id, group_id, eni.region_id)
        if group_id not in eni.security_group_ids:
            raise _not_a_member()
        remaining = tuple(g for g in eni.security_group_ids if g != group_id)
        if not remaining:
            raise _last_group()
        return replace(eni, security_group_ids=remaining)

    def replaced(
        self, eni: NetworkInterface, group_ids: Sequence[str], codes: MembershipCodes
    ) -> NetworkInterface:
        """``eni`` in exactly ``group_ids``; the caller has made sure there is at least one."""
        self.validate_groups(eni.account_id, eni.region_id, eni.vpc_id, group_ids, codes)
        return replace(eni, security_group_ids=tuple(group_ids))

    def _member(
        self,
        account_id: str,
        region_id: str | None,
        instance_id: str | None,
        eni_id: str | None,
    ) -> NetworkInterface:
        """The interface whose groups change: the one named, or the instance's primary one."""
        if instance_id is not None and eni_id is not None:
            raise _both_targets()
        if eni_id is not None:
            if region_id is None:
                raise _region_required()
            eni = self._interfaces.find(eni_id)
            if eni is None or eni.account_id != account_id or eni.region_id != region_id:
                raise _eni_not_found()
            return eni
        if instance_id is None:
            raise MissingParameter("InstanceId")
        instance = self._instances.get(account_id, instance_id, region_id)
        # Join/LeaveSecurityGroup need it settled (reference §2.13)
        require_settled(instance, self._clock.now())
        primary = self._interfaces.find(instance.primary_eni_id)
        if primary is None:
            raise instance_not_found()
        return primary


def _first_vpc(groups: Sequence[SecurityGroup]) -> str | None:
    return next((group.vpc_id for group in groups if group.vpc_id is not None), None)

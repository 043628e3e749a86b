"""The write side of an instance's attributes: ModifyInstanceAttribute and
AllocatePublicIpAddress.

Status rules (reference §3.1): a password cannot change while the instance is Starting, a
host name while it is Pending or Starting; its security groups change while it is Running or
Stopped (as JoinSecurityGroup requires). A security-locked instance refuses every change.

``SecurityGroupIds`` replaces the primary interface's membership (reference §3.6): unique ids,
at most ``Limits.security_groups_per_interface``, every group the caller's and in the
instance's VPC, never basic and enterprise groups together. A classic instance keeps its
groups (ECS: "The classic networkType does not support to modify security group").

A public address comes from the host's public pool (``eip_pool``), held by a claim record
under the address as EIPs are, so an address is never handed out twice; the instance needs an
outbound bandwidth above zero.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.eip_pool import AddressPool
from ecsim.control.error_builders import fixed
from ecsim.control.instance_launch import claim_public_ip
from ecsim.control.instance_queries import OsInfo
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.instance_attributes import (
    parse_description,
    parse_host_name,
    parse_instance_name,
    parse_password,
    parse_user_data,
)
from ecsim.model.security_group import SecurityGroup
from ecsim.settings import Limits
from ecsim.store.base import ResourceRecord, Store
from ecsim.store.codecs import eips as eip_codec

__all__ = ["AttributeChanges", "InstanceAttributes"]

_SETTLED = frozenset({InstanceStatus.RUNNING, InstanceStatus.STOPPED})

_incorrect_status = fixed(
    "The current status of the resource does not support this operation.",
    code="IncorrectInstanceStatus",
    http_status=403,
)
_locked = fixed(
    "The specified operation is denied as your instance is locked for security reasons.",
    code="InstanceLockedForSecurity",
    http_status=403,
)
_group_repeated = fixed(
    "The specified security group ids has repeated.",
    code="InvalidParameter.SecurityGroupIdRepeated",
    http_status=404,
)
_group_limit = fixed(
    "The security groups of the instance exceed the limit.",
    code="JoinedGroupLimitExceed",
    http_status=400,
)
_classic_instance = fixed(
    "The classic networkType does not support to modify security group",
    code="InvalidNetworkType.NotSupported",
    http_status=400,
)
_classic_group = fixed(
    "The specified SecurityGroupIds have classic group type.",
    code="InvalidSecurityGroupType.NotSupportClassic",
    http_status=404,
)
_other_vpc = fixed(
    "The specified SecurityGroupIds are belong to different vpc.",
    code="InvalidSecurityGroupVpc.NotBelongToOneVpc",
    http_status=404,
)
_mixed_types = fixed(
    "The specified instance can not join multi SecurityGroup types.",
    code="EnterpriseGroupLimited.MutliGroupType",
    http_status=403,
)
_protection_refused = fixed(
    "Deletion protection is only valid for postPaid instance, not for prePaid or spot instance.",
    code="InvalidChargeType.ValueNotSupported",
    http_status=403,
)
_no_bandwidth = fixed(
    "OperationDenied The InternetMaxBandwidthOut of the specified instance cannot be less than 0.",
    code="AllocateIpInvalidInstanceBandwidth",
    http_status=400,
)
_allocated_already = fixed(
    "There is an IpAddress allocated already for the specified instance.",
    code="AllocatedAlready",
    http_status=403,
)
_not_public = fixed(
    "The specified IP is not public address.", code="InvalidIpAddress.NotPublic", http_status=403
)
_not_in_pool = fixed(
    "The specified IP is not in the specified vlan.",
    code="InvalidIpAddress.NotFound",
    http_status=404,
)
_in_use = fixed("The specified IP is already in use.", code="IpInUse", http_status=403)


@dataclass(frozen=True)
class AttributeChanges:
    """What ModifyInstanceAttribute asks to change; None leaves an attribute as it is."""

    name: str | None = None
    description: str | None = None
    host_name: str | None = None
    password: str | None = None
    user_data: str | None = None
    deletion_protection: bool | None = None
    # the primary interface's new groups, replacing the present ones
    security_group_ids: Sequence[str] | None = None


class InstanceAttributes:
    def __init__(
        self, store: Store, clock: Clock, limits: Limits, os_of: Callable[[Instance], OsInfo]
    ) -> None:
        self._store = store
        self._clock = clock
        self._limits = limits
        self._os_of = os_of
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._groups = SecurityGroupRepository(store)
        self._pool = AddressPool(store)

    def modify(self, account_id: str, instance_id: str, changes: AttributeChanges) -> Instance:
        instance = self._instances.get(account_id, instance_id)
        self._require_unlocked(instance)
        status = instance.status_at(self._clock.now())
        windows = self._os_of(instance).windows
        updated = instance
        if changes.name is not None:
            updated = replace(updated, name=parse_instance_name(changes.name))
        if changes.description is not None:
            updated = replace(updated, description=parse_description(changes.description))
        if changes.host_name is not None:
            host_name = parse_host_name(changes.host_name, windows=windows)
            if status in (InstanceStatus.PENDING, InstanceStatus.STARTING):
                raise _incorrect_status()
            updated = replace(updated, host_name=host_name)
        if changes.password is not None:
            password = parse_password(changes.password, windows=windows)
            if status is InstanceStatus.STARTING:
                raise _incorrect_status()
            updated = replace(updated, password=password)
        if changes.user_data is not None:
            updated = replace(updated, user_data=parse_user_data(changes.user_data))
        if changes.deletion_protection is not None:
            if changes.deletion_protection and (
                instance.instance_charge_type != "PostPaid" or instance.spot_strategy != "NoSpot"
            ):
                raise _protection_refused()
            updated = replace(updated, deletion_protection=changes.deletion_protection)
        if changes.security_group_ids is not None:
            self._replace_groups(instance, status, changes.security_group_ids)
        if updated != instance:
            self._instances.save(updated)
        return updated

    def allocate_public_ip(
        self,
        account_id: str,
        instance_id: str,
        requested: ipaddress.IPv4Address | None = None,
    ) -> ipaddress.IPv4Address:
        instance = self._instances.get(account_id, instance_id)
        self._require_unlocked(instance)
        if instance.status_at(self._clock.now()) not in _SETTLED:
            raise _incorrect_status()
        if instance.internet_max_bandwidth_out <= 0:
            raise _no_bandwidth()
        if instance.public_ip:
            raise _allocated_already()
        if requested is None:
            address = claim_public_ip(self._store, instance)
        else:
            address = self._chosen(requested)
            # held as claim_public_ip holds an address, under the address itself
            self._store.put_resource(
                ResourceRecord(
                    eip_codec.KIND_ADDRESS,
                    str(address),
                    instance.account_id,
                    instance.region_id,
                    {"instance_id": instance.instance_id},
                )
            )
        self._instances.save(replace(instance, public_ip=str(address)))
        return address

    # -- helpers

    def _require_unlocked(self, instance: Instance) -> None:
        if "security" in instance.locks:
            raise _locked()

    def _replace_groups(
        self, instance: Instance, status: InstanceStatus, group_ids: Sequence[str]
    ) -> None:
        if instance.network_type is InstanceNetworkType.CLASSIC:
            raise _classic_instance()
        if len(set(group_ids)) != len(group_ids):
            raise _group_repeated()
        if len(group_ids) > self._limits.security_groups_per_interface:
            raise _group_limit()
        groups = [
            self._groups.get(instance.account_id, group_id, instance.region_id)
            for group_id in group_ids
        ]
        _check_placement(instance, groups)
        if status not in _SETTLED:
            raise _incorrect_status()
        primary = self._interfaces.find(instance.primary_eni_id)
        if primary is not None and primary.security_group_ids != tuple(group_ids):
            self._interfaces.save(replace(primary, security_group_ids=tuple(group_ids)))

    def _chosen(self, address: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        if not self._pool.contains(address):
            raise _not_public() if address.is_private else _not_in_pool()
        if not self._pool.is_free(address):
            raise _in_use()
        return address


def _check_placement(instance: Instance, groups: Sequence[SecurityGroup]) -> None:
    """The groups can hold the instance: in its VPC, and all of one type."""
    if any(group.vpc_id is None for group in groups):
        raise _classic_group()
    if any(group.vpc_id != instance.vpc_id for group in groups):
        raise _other_vpc()
    # normal and enterprise groups never hold the same interface
    if len({group.group_type for group in groups}) > 1:
        raise _mixed_types()

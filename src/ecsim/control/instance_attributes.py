"""The write side of an instance's attributes: ModifyInstanceAttribute,
ModifyInstanceMetadataOptions and AllocatePublicIpAddress.

Status rules (reference §3.1): a password cannot change while the instance is Starting, a
host name while it is Pending or Starting; its security groups change while it is Running or
Stopped (as JoinSecurityGroup requires). A security-locked instance refuses every change.

``SecurityGroupIds`` replaces the primary interface's membership (reference §3.6), checked by
``SecurityGroupMembership`` with this action's codes (``INSTANCE_CODES``). A classic instance
keeps its groups (ECS: "The classic networkType does not support to modify security group").

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
from ecsim.control.instance_lifecycle import (
    SETTLED,
    check_unlocked,
    incorrect_status,
    require_settled,
)
from ecsim.control.instance_queries import OsInfo
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.security_group_membership import INSTANCE_CODES, SecurityGroupMembership
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.instance_attributes import (
    parse_description,
    parse_host_name,
    parse_instance_name,
    parse_password,
    parse_user_data,
)
from ecsim.settings import Limits
from ecsim.store.base import Store

__all__ = ["AttributeChanges", "InstanceAttributes", "MetadataOptionChanges"]

_classic_instance = fixed(
    "The classic networkType does not support to modify security group",
    code="InvalidNetworkType.NotSupported",
    http_status=400,
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


@dataclass(frozen=True)
class MetadataOptionChanges:
    """What ModifyInstanceMetadataOptions asks to change (values already checked against
    their enums and range); None leaves an option as it is [INF: as the launch defaults are
    only defaults, an option left out keeps its current value]."""

    http_endpoint: str | None = None
    http_tokens: str | None = None
    http_put_response_hop_limit: int | None = None


class InstanceAttributes:
    def __init__(
        self, store: Store, clock: Clock, limits: Limits, os_of: Callable[[Instance], OsInfo]
    ) -> None:
        self._store = store
        self._clock = clock
        self._os_of = os_of
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._membership = SecurityGroupMembership(store, clock, limits)
        self._pool = AddressPool(store)

    def modify(self, account_id: str, instance_id: str, changes: AttributeChanges) -> Instance:
        instance = self._instances.get(account_id, instance_id)
        check_unlocked(instance)
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
                raise incorrect_status()
            updated = replace(updated, host_name=host_name)
        if changes.password is not None:
            password = parse_password(changes.password, windows=windows)
            if status is InstanceStatus.STARTING:
                raise incorrect_status()
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

    def modify_metadata_options(
        self, account_id: str, region_id: str, instance_id: str, changes: MetadataOptionChanges
    ) -> Instance:
        """Any status will do: the data plane applies the options to a running instance's
        metadata service at once."""
        instance = self._instances.get(account_id, instance_id, region_id)
        check_unlocked(instance)
        updated = replace(
            instance,
            http_endpoint=changes.http_endpoint or instance.http_endpoint,
            http_tokens=changes.http_tokens or instance.http_tokens,
            http_put_response_hop_limit=(
                changes.http_put_response_hop_limit or instance.http_put_response_hop_limit
            ),
        )
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
        require_settled(instance, self._clock.now())
        if instance.internet_max_bandwidth_out <= 0:
            raise _no_bandwidth()
        if instance.public_ip:
            raise _allocated_already()
        chosen = None if requested is None else self._chosen(requested)
        address = claim_public_ip(self._store, instance, chosen)
        self._instances.save(replace(instance, public_ip=str(address)))
        return address

    # -- helpers

    def _replace_groups(
        self, instance: Instance, status: InstanceStatus, group_ids: Sequence[str]
    ) -> None:
        if instance.network_type is InstanceNetworkType.CLASSIC:
            raise _classic_instance()
        self._membership.validate_groups(
            instance.account_id, instance.region_id, instance.vpc_id, group_ids, INSTANCE_CODES
        )
        if status not in SETTLED:
            raise incorrect_status()
        primary = self._interfaces.find(instance.primary_eni_id)
        if primary is not None and primary.security_group_ids != tuple(group_ids):
            self._interfaces.save(replace(primary, security_group_ids=tuple(group_ids)))

    def _chosen(self, address: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        if not self._pool.contains(address):
            raise _not_public() if address.is_private else _not_in_pool()
        if not self._pool.is_free(address):
            raise _in_use()
        return address

"""Network interfaces (ENIs): create, attach, detach, delete, describe, their security groups.

An instance's primary interface is made with the instance (``control.instances``); the
interfaces made here are "Secondary": ``Available`` until attached to an instance of their VPC
and zone, ``InUse`` while attached, deleted only when ``Available``. Security-group membership
lives on the interface; JoinSecurityGroup / LeaveSecurityGroup on an instance act on its
primary interface. The rules for a set of groups are ``control.security_group_membership``'s.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ecsim.clock import Clock
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import Catalog, load_catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.error_builders import fixed
from ecsim.control.instance_lifecycle import SETTLED
from ecsim.control.network_interface_names import (
    parse_interface_description,
    parse_interface_name,
)
from ecsim.control.network_interface_queries import InterfaceQuery, InterfaceView
from ecsim.control.network_repositories import VSwitchRepository
from ecsim.control.private_addresses import PrivateAddresses, mac_address
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.security_group_membership import INTERFACE_CODES, SecurityGroupMembership
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.model.instance import Instance
from ecsim.model.network import NetworkStatus
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs.network_interfaces import KIND

__all__ = ["InterfaceChange", "NetworkInterfaces", "NewInterface"]

# orders interfaces saved without a creation time first
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_eni_not_found = fixed(
    "The specified network interface does not exist.", code="InvalidEniId.NotFound", http_status=404
)
_ecs_not_found = fixed(
    "The specified instance does not exist.", code="InvalidEcsId.NotFound", http_status=404
)
_eni_state = fixed(
    "The current status of the network interface does not support this operation.",
    code="InvalidOperation.InvalidEniState",
    http_status=400,
)
_ecs_state = fixed(
    "The current status of the instance does not support this operation.",
    code="InvalidOperation.InvalidEcsState",
    http_status=400,
)
_vswitch_state = fixed(
    "The current status of vSwitch does not support this operation.",
    code="IncorrectVSwitchStatus",
    http_status=400,
)
_zone_mismatch = fixed(
    "The network interface and the instance are not in the same zone.",
    code="InvalidOperation.AvailabilityZoneMismatch",
    http_status=403,
)
_vpc_mismatch = fixed(
    "The network interface and the instance are not in the same VPC.",
    code="InvalidOperation.VpcMismatch",
    http_status=403,
)
_classic_instance = fixed(
    "The instance is not in a VPC: network interfaces attach to VPC instances only.",
    code="InvalidInstance.NetworkType",
    http_status=403,
)
_eni_limit = fixed(
    "The instance already has as many network interfaces as its type allows.",
    code="EniPerInstanceLimitExceeded",
    http_status=403,
)
_not_attached = fixed(
    "The network interface is not attached to the specified instance.",
    code="InvalidParameter.EniNotBelongEcs",
    http_status=400,
)
_primary_detach = fixed(
    "The primary network interface of an instance cannot be detached.",
    code="InvalidOperation.DetachPrimaryEniNotAllowed",
    http_status=400,
)
_primary_groups = fixed(
    "Primary NetworkInterface is only allowed to modify name and description.",
    code="InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
    http_status=404,
)


@dataclass(frozen=True)
class NewInterface:
    vswitch_id: str
    # at least one; the handler has made sure
    group_ids: tuple[str, ...]
    primary_ip: ipaddress.IPv4Address | None = None
    name: str = ""
    description: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class InterfaceChange:
    """ModifyNetworkInterfaceAttribute: None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    group_ids: tuple[str, ...] | None = None


class NetworkInterfaces:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        tags: Tags,
        *,
        catalog: Catalog | None = None,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._tags = tags
        # the instance types' interface counts; the packaged catalog unless one is given
        self._catalog = catalog if catalog is not None else load_catalog()
        self._interfaces = NetworkInterfaceRepository(store)
        self._instances = InstanceRepository(store)
        self._vswitches = VSwitchRepository(store)
        self._private = PrivateAddresses(store)
        self._eips = Addresses(store, ids, clock, limits, tags)
        self.membership = SecurityGroupMembership(store, clock, limits)

    # -- lookups -----------------------------------------------------------------------------

    def get(self, account_id: str, region_id: str | None, eni_id: str) -> NetworkInterface:
        eni = self._interfaces.find(eni_id)
        if (
            eni is None
            or eni.account_id != account_id
            or (region_id is not None and eni.region_id != region_id)
        ):
            raise _eni_not_found()
        return eni

    def view(self, account_id: str, region_id: str, eni_id: str) -> InterfaceView:
        eni = self.get(account_id, region_id, eni_id)
        return self._views(account_id, region_id, [eni])[0]

    def describe(
        self, account_id: str, region_id: str, query: InterfaceQuery
    ) -> list[InterfaceView]:
        if query.matches_nothing:
            return []
        tagged = (
            self._tags.matching(account_id, region_id, KIND, query.tags) if query.tags else None
        )
        found = [
            eni
            for eni in self._interfaces.owned_by(account_id, region_id)
            # classic instances' interfaces are not ENIs the API shows
            if eni.vpc_id is not None
            and (tagged is None or eni.eni_id in tagged)
            and query.matches(eni)
        ]
        return self._views(account_id, region_id, found)

    # -- lifecycle ---------------------------------------------------------------------------

    def create(self, account_id: str, region_id: str, spec: NewInterface) -> InterfaceView:
        name = parse_interface_name(spec.name) if spec.name else ""
        description = parse_interface_description(spec.description) if spec.description else ""
        vswitch = self._vswitches.get(account_id, spec.vswitch_id, region_id)
        if vswitch.status(self._clock.now()) is not NetworkStatus.AVAILABLE:
            raise _vswitch_state()
        self.membership.validate_groups(
            account_id, region_id, vswitch.vpc_id, spec.group_ids, INTERFACE_CODES
        )
        eni_id = self._ids.new("eni")
        address = self._private.allocate(vswitch, eni_id, spec.primary_ip)
        eni = NetworkInterface(
            eni_id=eni_id,
            account_id=account_id,
            region_id=region_id,
            vpc_id=vswitch.vpc_id,
            vswitch_id=vswitch.vswitch_id,
            primary_ip=address,
            security_group_ids=spec.group_ids,
            primary=False,
            mac_address=mac_address(eni_id),
            zone_id=vswitch.zone_id,
            name=name,
            description=description,
            created_at=self._clock.now(),
        )
        self._interfaces.save(eni)
        self._tags.attach(TagOwner(account_id, region_id, KIND, eni_id), spec.tags)
        return InterfaceView(eni, self._tags.of(KIND, eni_id))

    def attach(self, account_id: str, region_id: str, eni_id: str, instance_id: str) -> None:
        eni = self.get(account_id, region_id, eni_id)
        instance = self._instance(account_id, region_id, instance_id)
        if eni.instance_id is not None:
            raise _eni_state()
        if instance.vpc_id is None:
            raise _classic_instance()
        if instance.vpc_id != eni.vpc_id:
            raise _vpc_mismatch()
        if instance.zone_id != eni.zone_id:
            raise _zone_mismatch()
        if instance.status_at(self._clock.now()) not in SETTLED:
            raise _ecs_state()
        instance_type = self._catalog.instance_type(instance.instance_type)
        if instance_type is not None:
            attached = self._attached_to(account_id, region_id, instance_id)
            if len(attached) >= instance_type.network.eni_quantity:
                raise _eni_limit()
        self._interfaces.save(replace(eni, instance_id=instance_id))

    def detach(self, account_id: str, region_id: str, eni_id: str, instance_id: str) -> None:
        eni = self.get(account_id, region_id, eni_id)
        instance = self._instance(account_id, region_id, instance_id)
        if eni.instance_id != instance.instance_id:
            raise _not_attached()
        if eni.primary:
            raise _primary_detach()
        if instance.status_at(self._clock.now()) not in SETTLED:
            raise _ecs_state()
        self._interfaces.save(replace(eni, instance_id=None))

    def delete(self, account_id: str, region_id: str, eni_id: str) -> None:
        """Only an ``Available`` interface; its address, tags and EIP binding go with it."""
        eni = self.get(account_id, region_id, eni_id)
        if eni.instance_id is not None:
            raise _eni_state()
        self._interfaces.delete(eni.eni_id)
        self._private.release(eni.vswitch_id, eni.region_id, eni.primary_ip)
        self._tags.forget(KIND, eni.eni_id)
        self._eips.forget_interface(account_id, eni.region_id, eni.eni_id)

    def modify(self, account_id: str, region_id: str, eni_id: str, change: InterfaceChange) -> None:
        eni = self.get(account_id, region_id, eni_id)
        if change.name is not None:
            eni = replace(eni, name=parse_interface_name(change.name))
        if change.description is not None:
            eni = replace(eni, description=parse_interface_description(change.description))
        if change.group_ids is not None:
            if eni.primary:
                raise _primary_groups()
            eni = self.membership.replaced(eni, change.group_ids, INTERFACE_CODES)
        self._interfaces.save(eni)

    # -- security groups of an instance or an interface ---------------------------------------

    def join_security_group(
        self,
        account_id: str,
        region_id: str | None,
        group_id: str,
        *,
        instance_id: str | None = None,
        eni_id: str | None = None,
    ) -> None:
        self.membership.join(account_id, region_id, group_id, instance_id, eni_id)

    def leave_security_group(
        self,
        account_id: str,
        region_id: str | None,
        group_id: str,
        *,
        instance_id: str | None = None,
        eni_id: str | None = None,
    ) -> None:
        self.membership.leave(account_id, region_id, group_id, instance_id, eni_id)

    # -- helpers -----------------------------------------------------------------------------

    def _instance(self, account_id: str, region_id: str, instance_id: str) -> Instance:
        instance = self._instances.find(instance_id)
        if instance is None or instance.account_id != account_id or instance.region_id != region_id:
            raise _ecs_not_found()
        return instance

    def _attached_to(
        self, account_id: str, region_id: str, instance_id: str
    ) -> list[NetworkInterface]:
        return [
            eni
            for eni in self._interfaces.owned_by(account_id, region_id)
            if eni.instance_id == instance_id
        ]

    def _views(
        self, account_id: str, region_id: str, enis: Sequence[NetworkInterface]
    ) -> list[InterfaceView]:
        bound = {
            eip.binding.eni_id: eip
            for eip in self._eips.owned_by(account_id, region_id)
            if eip.binding is not None
        }
        # device indexes: the primary interface 0, the others in the order they were made
        by_instance: dict[str, list[NetworkInterface]] = {}
        for eni in self._interfaces.owned_by(account_id, region_id):
            if eni.instance_id is not None and not eni.primary:
                by_instance.setdefault(eni.instance_id, []).append(eni)
        views: list[InterfaceView] = []
        for eni in enis:
            public_ip, allocation_id = "", ""
            eip = bound.get(eni.eni_id)
            if eip is not None:
                public_ip, allocation_id = str(eip.address), eip.allocation_id
            elif eni.primary and eni.instance_id is not None:
                instance = self._instances.find(eni.instance_id)
                public_ip = instance.public_ip if instance is not None else ""
            index = 0
            if not eni.primary and eni.instance_id is not None:
                siblings = sorted(
                    by_instance.get(eni.instance_id, []),
                    key=lambda e: (e.created_at or _EPOCH, e.eni_id),
                )
                index = 1 + [e.eni_id for e in siblings].index(eni.eni_id)
            views.append(
                InterfaceView(eni, self._tags.of(KIND, eni.eni_id), public_ip, allocation_id, index)
            )
        return views

"""Elastic IP addresses: allocation from the host's public pool, association, release.

An EIP is bound to a network interface of a VPC: to an instance's primary interface
(``EcsInstance``) or to the interface named (``NetworkInterface``). Each interface holds at
most one EIP. Association changes pass through ``Associating`` / ``Unassociating`` for
``transition_delay`` (zero unless a realistic-delays profile sets it); only an ``Available``
EIP can be associated or released, only an ``InUse`` one unassociated.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ecsim.clock import Clock
from ecsim.control.eip_pool import AddressPool
from ecsim.control.error_builders import fixed
from ecsim.control.quotas import check_quota
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.resource_repository import ResourceRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.eip import (
    EIP_POOL,
    BoundType,
    Eip,
    EipBinding,
    EipStatus,
    InternetChargeType,
)
from ecsim.model.network_interface import NetworkInterface
from ecsim.settings import Limits
from ecsim.store.base import Store
from ecsim.store.codecs import eips as codec

__all__ = ["TRANSITION_DELAY", "Addresses", "EipQuery", "EipView", "NewEip"]

# How long Associating / Unassociating last; nothing is rewired behind them yet.
TRANSITION_DELAY = timedelta(0)


@dataclass(frozen=True)
class NewEip:
    bandwidth: int
    internet_charge_type: InternetChargeType
    isp: str = "BGP"
    name: str = ""
    description: str = ""
    resource_group_id: str = ""
    # a specific address of the pool, or None for the next free one
    address: ipaddress.IPv4Address | None = None


@dataclass(frozen=True)
class EipQuery:
    """DescribeEipAddresses filters; None filters nothing."""

    allocation_ids: tuple[str, ...] | None = None
    addresses: tuple[str, ...] | None = None
    status: EipStatus | None = None
    bound_type: BoundType | None = None
    bound_id: str | None = None
    isp: str | None = None
    name: str | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str | None] | None = None
    allocated_from: datetime | None = None
    allocated_until: datetime | None = None
    # filters no ecsim EIP can match (prepaid, locked, bound to a NAT gateway ...)
    matches_nothing: bool = False


@dataclass(frozen=True)
class EipView:
    eip: Eip
    status: EipStatus
    tags: Mapping[str, str]


_not_found = fixed(
    "Specified allocation ID is not found.", code="InvalidAllocationId.NotFound", http_status=404
)
_incorrect_status = fixed(
    "Current elastic IP status does not support this operation.",
    code="IncorrectEipStatus",
    http_status=400,
)
_quota_exceeded = fixed(
    "Elastic IP address quota exceeded", code="QuotaExceeded.Eip", http_status=400
)


class Addresses:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        tags: Tags,
        *,
        transition_delay: timedelta = TRANSITION_DELAY,
        pool: ipaddress.IPv4Network = EIP_POOL,
    ) -> None:
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._tags = tags
        self._delay = transition_delay
        self._pool = AddressPool(store, pool)
        self._interfaces = NetworkInterfaceRepository(store)
        self._eips = ResourceRepository(
            store, codec.KIND, codec.encode_eip, codec.decode_eip, _not_found
        )

    # -- lookups

    def get(self, account_id: str, allocation_id: str, region_id: str | None = None) -> Eip:
        return self._eips.get(account_id, allocation_id, region_id)

    def owned_by(self, account_id: str, region_id: str | None = None) -> list[Eip]:
        return self._eips.owned_by(account_id, region_id)

    def bound_to(self, account_id: str, region_id: str, eni_id: str) -> Eip | None:
        """The EIP bound to interface ``eni_id``, if any (instances show it as EipAddress)."""
        return next(
            (
                eip
                for eip in self.owned_by(account_id, region_id)
                if eip.binding is not None and eip.binding.eni_id == eni_id
            ),
            None,
        )

    # -- use cases

    def allocate(self, account_id: str, region_id: str, spec: NewEip) -> Eip:
        check_quota(
            self.owned_by(account_id, region_id), self._limits.eips_per_region, _quota_exceeded
        )
        address = self._chosen(spec.address) if spec.address else self._pool.next_free()
        eip = Eip(
            allocation_id=self._ids.new("eip"),
            account_id=account_id,
            region_id=region_id,
            address=address,
            bandwidth=spec.bandwidth,
            internet_charge_type=spec.internet_charge_type,
            isp=spec.isp,
            name=spec.name,
            description=spec.description,
            allocated_at=self._clock.now(),
            resource_group_id=spec.resource_group_id,
        )
        self._eips.save(eip)
        self._pool.claim(eip)
        return eip

    def describe(self, account_id: str, region_id: str, query: EipQuery) -> list[EipView]:
        if query.matches_nothing:
            return []
        now = self._clock.now()
        tagged = (
            self._tags.matching(account_id, region_id, codec.KIND, query.tags)
            if query.tags
            else None
        )
        views = [
            EipView(eip, eip.status(now), self._tags.of(codec.KIND, eip.allocation_id))
            for eip in self.owned_by(account_id, region_id)
            if tagged is None or eip.allocation_id in tagged
        ]
        return [view for view in views if _matches(view, query)]

    def associate(
        self,
        account_id: str,
        region_id: str | None,
        allocation_id: str,
        bound_type: BoundType,
        target_id: str,
    ) -> Eip:
        eip = self.get(account_id, allocation_id, region_id)
        eni = self._target(account_id, bound_type, target_id)
        if eni.region_id != eip.region_id:
            raise EcsError(
                "Specified elastic IP address and ECS instance are not in the same region.",
                code="InvalidParameter.Mismatch",
                http_status=400,
            )
        if eni.vpc_id is None:
            raise EcsError(
                "Specified instance is not in VPC.", code="OperationDenied", http_status=400
            )
        now = self._clock.now()
        if eip.status(now) is not EipStatus.AVAILABLE:
            raise _incorrect_status()
        if self.bound_to(account_id, eip.region_id, eni.eni_id) is not None:
            raise EcsError(
                "Specified instance already is associated.",
                code="InvalidAssociation.Duplicated",
                http_status=400,
            )
        binding = EipBinding(bound_type, eni.eni_id, eni.instance_id, eni.primary_ip)
        bound = eip.bound(binding, now + self._delay)
        self._eips.save(bound)
        return bound

    def unassociate(
        self, account_id: str, region_id: str | None, allocation_id: str, target_id: str | None
    ) -> Eip:
        eip = self.get(account_id, allocation_id, region_id)
        now = self._clock.now()
        if eip.binding is None or eip.status(now) is not EipStatus.IN_USE:
            raise _incorrect_status()
        if target_id is not None and target_id not in (
            eip.binding.eni_id,
            eip.binding.instance_id,
        ):
            raise EcsError(
                "Specified instance does not exist.",
                code="InvalidInstanceId.NotFound",
                http_status=400,
            )
        unbound = eip.unbound(now + self._delay)
        self._eips.save(unbound)
        return unbound

    def release(self, account_id: str, region_id: str | None, allocation_id: str) -> None:
        eip = self.get(account_id, allocation_id, region_id)
        if eip.status(self._clock.now()) is not EipStatus.AVAILABLE:
            raise _incorrect_status()
        self._eips.delete(eip.allocation_id)
        self._pool.free(eip)
        self._tags.forget(codec.KIND, eip.allocation_id)

    def forget_interface(self, account_id: str, region_id: str, eni_id: str) -> None:
        """The interface is gone: the EIP bound to it, if any, is Available again at once."""
        eip = self.bound_to(account_id, region_id, eni_id)
        if eip is not None:
            self._eips.save(eip.unbound(self._clock.now()))

    # -- helpers

    def _chosen(self, address: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        if not self._pool.contains(address):
            raise EcsError(
                "The specified ip is not found.", code="ResourceNotFound.Ip", http_status=400
            )
        if not self._pool.is_free(address):
            raise EcsError(
                "The reserve ip has been allocated.", code="Ip.Allocated", http_status=400
            )
        return address

    def _target(self, account_id: str, bound_type: BoundType, target_id: str) -> NetworkInterface:
        """The interface an association binds to: the named one, or the instance's primary
        interface (an instance may have secondary ones attached too)."""
        if bound_type is BoundType.NETWORK_INTERFACE:
            eni = self._interfaces.find(target_id)
            found = eni if eni is not None and eni.account_id == account_id else None
        else:
            found = next(
                (
                    e
                    for e in self._interfaces.owned_by(account_id)
                    if e.instance_id == target_id and e.primary
                ),
                None,
            )
        if found is None:
            # the code is misspelled exactly so in Alibaba's documentation
            raise EcsError(
                "Specified instance does not exist.",
                code="InvalidInstanId.NotFound",
                http_status=404,
            )
        return found


def _matches(view: EipView, query: EipQuery) -> bool:
    eip = view.eip
    binding = eip.binding
    checks = (
        query.allocation_ids is None or eip.allocation_id in query.allocation_ids,
        query.addresses is None or str(eip.address) in query.addresses,
        query.status is None or view.status is query.status,
        query.bound_type is None
        or (binding is not None and binding.bound_type is query.bound_type),
        query.bound_id is None
        or (binding is not None and query.bound_id in (binding.eni_id, binding.instance_id)),
        query.isp is None or eip.isp == query.isp,
        query.name is None or eip.name == query.name,
        query.resource_group_id is None or eip.resource_group_id == query.resource_group_id,
        query.allocated_from is None or eip.allocated_at >= query.allocated_from,
        query.allocated_until is None or eip.allocated_at <= query.allocated_until,
    )
    return all(checks)

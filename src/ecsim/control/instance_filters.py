"""DescribeInstances' filters as tests on instances, and the index of interfaces and EIPs
the network filters (and the views) read.

Every filter set is one test, the cheap ones first; a listing pays only for the filters it
uses, and reads the account's interfaces only when a filter or a view needs them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ecsim.model.eip import Eip
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.network_interface import NetworkInterface

__all__ = ["POSTPAID_EXPIRY", "InstanceNetwork", "InstanceQuery", "InstanceTest", "instance_tests"]

# What ECS shows as the expiry of a pay-as-you-go instance: it never expires.
POSTPAID_EXPIRY = datetime(2099, 12, 31, 15, 59, tzinfo=UTC)

InstanceTest = Callable[[Instance], bool]


@dataclass(frozen=True)
class InstanceQuery:
    """DescribeInstances filters; None filters nothing."""

    instance_ids: tuple[str, ...] | None = None
    vpc_id: str | None = None
    vswitch_id: str | None = None
    zone_id: str | None = None
    security_group_id: str | None = None
    # ``*`` matches any characters
    name: str | None = None
    status: InstanceStatus | None = None
    instance_type: str | None = None
    instance_type_family: str | None = None
    image_id: str | None = None
    network_type: InstanceNetworkType | None = None
    instance_charge_type: str | None = None
    internet_charge_type: str | None = None
    private_ips: frozenset[str] | None = None
    public_ips: frozenset[str] | None = None
    eip_addresses: frozenset[str] | None = None
    inner_ips: frozenset[str] | None = None
    key_pair_name: str | None = None
    resource_group_id: str | None = None
    lock_reason: str | None = None
    io_optimized: bool | None = None
    tags: Mapping[str, str | None] = field(default_factory=dict)
    # creation and expiry windows, both ends included, to the minute
    created_from: datetime | None = None
    created_until: datetime | None = None
    expires_from: datetime | None = None
    expires_until: datetime | None = None


class InstanceNetwork:
    """The interfaces and EIPs of one account's region, read and indexed on first use (a
    listing whose filters do not look at them reads them only for the page it shows)."""

    def __init__(
        self,
        load_interfaces: Callable[[], Iterable[NetworkInterface]],
        load_eips: Callable[[], Iterable[Eip]],
        load_attached: Callable[[Sequence[str]], Iterable[NetworkInterface]] | None = None,
    ) -> None:
        self._load_interfaces = load_interfaces
        self._load_eips = load_eips
        # the interfaces of just some instances (a page), when no filter needed them all
        self._load_attached = load_attached
        self._attached: dict[str, tuple[NetworkInterface, ...]] = {}

    def prefetch(self, instances: Iterable[Instance]) -> None:
        """Read the interfaces of ``instances`` alone (one indexed query), unless every
        interface is already indexed: a page of 100 must not cost a walk over 10,000."""
        if self._load_attached is None or "_by_instance" in self.__dict__:
            return
        wanted = [i.instance_id for i in instances if i.instance_id not in self._attached]
        if not wanted:
            return
        self._attached.update(_group_by_instance(self._load_attached(wanted)))
        for instance_id in wanted:
            self._attached.setdefault(instance_id, ())

    @functools.cached_property
    def _by_instance(self) -> dict[str, tuple[NetworkInterface, ...]]:
        return _group_by_instance(self._load_interfaces())

    @functools.cached_property
    def _eip_by_eni(self) -> dict[str, Eip]:
        return {eip.binding.eni_id: eip for eip in self._load_eips() if eip.binding is not None}

    def interfaces(self, instance: Instance) -> tuple[NetworkInterface, ...]:
        prefetched = self._attached.get(instance.instance_id)
        if prefetched is not None and "_by_instance" not in self.__dict__:
            return prefetched
        return self._by_instance.get(instance.instance_id, ())

    def eip(self, instance: Instance) -> Eip | None:
        by_eni = self._eip_by_eni
        if not by_eni:
            return None
        return next(
            (by_eni[eni.eni_id] for eni in self.interfaces(instance) if eni.eni_id in by_eni),
            None,
        )


def _group_by_instance(
    interfaces: Iterable[NetworkInterface],
) -> dict[str, tuple[NetworkInterface, ...]]:
    grouped: dict[str, tuple[NetworkInterface, ...]] = {}
    for eni in interfaces:
        instance_id = eni.instance_id
        if instance_id is None:
            continue
        attached = grouped.get(instance_id)
        if attached is None:
            grouped[instance_id] = (eni,)
        elif eni.primary:
            # the primary first, then the others in the order they were created
            grouped[instance_id] = (eni, *attached)
        else:
            grouped[instance_id] = (*attached, eni)
    return grouped


def instance_tests(
    query: InstanceQuery,
    now: datetime,
    network: InstanceNetwork,
    family: Callable[[Instance], str],
) -> list[InstanceTest]:
    """One test per filter ``query`` sets; ``family`` gives an instance's type family."""
    tests: list[InstanceTest] = []
    plain: tuple[tuple[object, Callable[[Instance], object]], ...] = (
        (query.vpc_id, lambda i: i.vpc_id),
        (query.vswitch_id, lambda i: i.vswitch_id),
        (query.zone_id, lambda i: i.zone_id),
        (query.instance_type, lambda i: i.instance_type),
        (query.instance_type_family, family),
        (query.image_id, lambda i: i.image_id),
        (query.network_type, lambda i: i.network_type),
        (query.instance_charge_type, lambda i: i.instance_charge_type),
        (query.internet_charge_type, lambda i: i.internet_charge_type),
        (query.key_pair_name, lambda i: i.key_pair_name),
        (query.resource_group_id, lambda i: i.resource_group_id),
        (query.io_optimized, lambda i: i.io_optimized),
    )
    tests += [_equals(wanted, read) for wanted, read in plain if wanted is not None]
    name, status, lock = query.name, query.status, query.lock_reason
    if name is not None:
        tests.append(lambda i: _name_matches(name, i.name))
    if status is not None:
        tests.append(lambda i: i.status_at(now) is status)
    if lock is not None:
        tests.append(lambda i: lock in i.locks)
    public_ips = query.public_ips
    if public_ips is not None:
        tests.append(lambda i: i.public_ip in public_ips)
    if query.created_from is not None or query.created_until is not None:
        window = (query.created_from, query.created_until)
        tests.append(lambda i: _in_window(i.created_at, *window))
    if not _in_window(POSTPAID_EXPIRY, query.expires_from, query.expires_until):
        tests.append(lambda i: False)
    tests += _network_tests(query, network)
    return tests


def _equals(wanted: object, read: Callable[[Instance], object]) -> InstanceTest:
    return lambda instance: read(instance) == wanted


def _network_tests(query: InstanceQuery, network: InstanceNetwork) -> list[InstanceTest]:
    """The filters on an instance's interfaces and EIP."""
    tests: list[InstanceTest] = []
    group_id = query.security_group_id
    if group_id is not None:
        tests.append(
            lambda i: any(
                eni.primary and group_id in eni.security_group_ids for eni in network.interfaces(i)
            )
        )
    if query.private_ips is not None:
        tests.append(_address_test(query.private_ips, InstanceNetworkType.VPC, network))
    if query.inner_ips is not None:
        tests.append(_address_test(query.inner_ips, InstanceNetworkType.CLASSIC, network))
    eips = query.eip_addresses
    if eips is not None:
        tests.append(lambda i: _eip_address(network.eip(i)) in eips)
    return tests


def _address_test(
    wanted: frozenset[str], network_type: InstanceNetworkType, network: InstanceNetwork
) -> InstanceTest:
    """Instances of ``network_type`` with an interface holding one of the ``wanted``."""

    def test(instance: Instance) -> bool:
        return instance.network_type is network_type and any(
            str(eni.primary_ip) in wanted for eni in network.interfaces(instance)
        )

    return test


def _eip_address(eip: Eip | None) -> str:
    return str(eip.address) if eip is not None else ""


def _in_window(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    # ECS shows these times to the minute, and compares them so
    minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return (start is None or minute >= start) and (end is None or minute <= end)


def _name_matches(pattern: str, name: str) -> bool:
    if "*" not in pattern:
        return pattern == name
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, name, re.DOTALL) is not None

"""The read side of instances: DescribeInstances (its filters are ``instance_filters``),
DescribeInstanceStatus, and the view of one instance that every instance answer renders.

An instance's status is read at the current time (``Instance.status_at``), so a client polling
sees each step of its transitions. Its network lives on its interfaces: the primary one
carries its groups and its private address; an EIP bound to any of them is its EipAddress.
All filters are ANDed; instances come in creation order, or in the order asked for when
``InstanceIds`` names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ecsim.clock import Clock
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.images import Images
from ecsim.control.instance_filters import (
    POSTPAID_EXPIRY,
    InstanceNetwork,
    InstanceQuery,
    instance_tests,
)
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.model.eip import Eip
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.instance_types import InstanceType
from ecsim.model.network_interface import NetworkInterface
from ecsim.store.base import Store
from ecsim.store.codecs import instances as instance_codec

__all__ = [
    "InstanceListing",
    "InstanceQueries",
    "InstanceView",
    "OsInfo",
]


@dataclass(frozen=True)
class OsInfo:
    os_type: str
    os_name: str
    os_name_en: str

    @property
    def windows(self) -> bool:
        return self.os_type == "windows"


@dataclass(frozen=True)
class InstanceView:
    """One instance as its answers show it, at one moment."""

    instance: Instance
    status: InstanceStatus
    instance_type: InstanceType | None
    os: OsInfo
    # the primary interface first
    interfaces: tuple[NetworkInterface, ...]
    eip: Eip | None
    tags: Mapping[str, str]

    @property
    def primary(self) -> NetworkInterface | None:
        return next((eni for eni in self.interfaces if eni.primary), None)

    @property
    def security_group_ids(self) -> tuple[str, ...]:
        primary = self.primary
        return primary.security_group_ids if primary else ()

    @property
    def private_ips(self) -> tuple[str, ...]:
        """The primary interface's address, for an instance in a VPC."""
        primary = self.primary
        if self.instance.network_type is not InstanceNetworkType.VPC or primary is None:
            return ()
        return (str(primary.primary_ip),)

    @property
    def inner_ips(self) -> tuple[str, ...]:
        """The classic network's private address."""
        primary = self.primary
        if self.instance.network_type is not InstanceNetworkType.CLASSIC or primary is None:
            return ()
        return (str(primary.primary_ip),)

    @property
    def family_id(self) -> str:
        if self.instance_type is not None:
            return self.instance_type.family_id
        return family_of(self.instance.instance_type)

    @property
    def expires_at(self) -> datetime:
        return POSTPAID_EXPIRY


def family_of(instance_type: str) -> str:
    """``ecs.g6.large`` -> ``ecs.g6`` (for types the catalog no longer lists)."""
    return instance_type.rpartition(".")[0] or instance_type


class InstanceListing:
    """The instances a query matched, and their views for the page a caller shows."""

    def __init__(
        self, queries: InstanceQueries, instances: Sequence[Instance], network: InstanceNetwork
    ) -> None:
        self._queries = queries
        self._network = network
        self.instances = instances

    def views(self, chosen: Iterable[Instance]) -> list[InstanceView]:
        page = list(chosen)
        self._network.prefetch(page)
        return [self._queries.view_of(instance, self._network) for instance in page]


class InstanceQueries:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tags: Tags,
        catalog: Catalog,
        images: Images,
        addresses: Addresses,
    ) -> None:
        self._clock = clock
        self._tags = tags
        self._catalog = catalog
        self._images = images
        self._addresses = addresses
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)

    # -- use cases

    def describe(self, account_id: str, region_id: str, query: InstanceQuery) -> InstanceListing:
        network = self._network(account_id, region_id)
        tests = instance_tests(query, self._clock.now(), network, self._family)
        if query.tags:
            tagged = self._tags.matching(account_id, region_id, instance_codec.KIND, query.tags)
            tests.insert(0, lambda instance: instance.instance_id in tagged)
        candidates: Sequence[Instance]
        if query.instance_ids is not None:
            found = (self._instances.find(i) for i in dict.fromkeys(query.instance_ids))
            candidates = [
                instance
                for instance in found
                if instance is not None
                and instance.account_id == account_id
                and instance.region_id == region_id
            ]
        elif tests:
            candidates = self._instances.owned_by(account_id, region_id)
        else:
            # Nothing to filter: decode only the page the caller shows.
            return InstanceListing(
                self, self._instances.owned_lazily(account_id, region_id), network
            )
        matched = [instance for instance in candidates if all(test(instance) for test in tests)]
        return InstanceListing(self, matched, network)

    def statuses(
        self,
        account_id: str,
        region_id: str,
        instance_ids: Sequence[str] | None,
        zone_id: str | None,
    ) -> list[tuple[str, InstanceStatus]]:
        """(id, status now) of the region's instances, those named when ``instance_ids`` is
        given (unknown ids are left out), in ``zone_id`` when given."""
        if zone_id is not None and self._catalog.zone(region_id, zone_id) is None:
            raise EcsError(
                "The ZoneId provided does not exist in our records.",
                code="InvalidZoneId.NotFound",
                http_status=404,
            )
        wanted = set(instance_ids) if instance_ids is not None else None
        now = self._clock.now()
        return [
            (instance.instance_id, instance.status_at(now))
            for instance in self._instances.owned_by(account_id, region_id)
            if (wanted is None or instance.instance_id in wanted)
            and (zone_id is None or instance.zone_id == zone_id)
        ]

    def attribute(self, account_id: str, instance_id: str) -> InstanceView:
        """One of the caller's instances, in whatever region it lives."""
        instance = self._instances.get(account_id, instance_id)
        return self.view_of(instance, self._network(account_id, instance.region_id))

    def get(self, account_id: str, region_id: str | None, instance_id: str) -> Instance:
        return self._instances.get(account_id, instance_id, region_id)

    def os_of(self, instance: Instance) -> OsInfo:
        image = self._images.find(
            instance.region_id, instance.image_id, account_id=instance.account_id
        )
        if image is None:
            return os_from_image_id(instance.image_id)
        return OsInfo(image.os_type.value, image.os_name, image.os_name_en)

    # -- views

    def view_of(self, instance: Instance, network: InstanceNetwork) -> InstanceView:
        return InstanceView(
            instance=instance,
            status=instance.status_at(self._clock.now()),
            instance_type=self._catalog.instance_type(instance.instance_type),
            os=self.os_of(instance),
            interfaces=network.interfaces(instance),
            eip=network.eip(instance),
            tags=self._tags.of(instance_codec.KIND, instance.instance_id),
        )

    # -- helpers

    def _network(self, account_id: str, region_id: str) -> InstanceNetwork:
        return InstanceNetwork(
            lambda: self._interfaces.owned_by(account_id, region_id),
            lambda: self._addresses.owned_by(account_id, region_id),
            lambda instance_ids: self._interfaces.attached_to(account_id, instance_ids),
        )

    def _family(self, instance: Instance) -> str:
        known = self._catalog.instance_type(instance.instance_type)
        return known.family_id if known is not None else family_of(instance.instance_type)


def os_from_image_id(image_id: str) -> OsInfo:
    """What an image's id alone says of its system, for an image that is gone."""
    if image_id.lower().startswith("win"):
        return OsInfo("windows", "Windows Server", "Windows Server")
    return OsInfo("linux", "Linux", "Linux")

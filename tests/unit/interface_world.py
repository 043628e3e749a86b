"""What the network-interface and group-membership unit tests stand on: ``NetworkInterfaces``
on an in-memory store, with vSwitches, groups and instances (and their primary interfaces)
saved straight through the repositories, as RunInstances would leave them."""

from __future__ import annotations

import ipaddress

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.network_interfaces import NetworkInterfaces
from ecsim.control.network_repositories import VSwitchRepository
from ecsim.control.private_addresses import PrivateAddresses
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.network import VSwitch
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupType, SecurityGroup
from ecsim.model.values import Policy
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, an_instance

# two interfaces: the primary one and one more
TWO_ENIS = "ecs.t5-c1m1.large"


class World:
    """The service under test and helpers that save what it works on."""

    def __init__(self, store: SqliteStore, clock: FrozenClock, limits: Limits) -> None:
        self.store = store
        self.clock = clock
        self.tags = Tags(store)
        self.enis = NetworkInterfaces(store, IdFactory(seed=7), clock, limits, self.tags)
        self._count = 0

    def _next(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}-{self._count:04d}"

    def vswitch(
        self, vpc_id: str = "vpc-a", zone: str = ZONE, cidr: str = "192.168.1.0/24"
    ) -> VSwitch:
        now = self.clock.now()
        vswitch = VSwitch(
            self._next("vsw"), ACCOUNT, REGION, vpc_id, zone, ipaddress.IPv4Network(cidr),
            "", "", now, now,
        )  # fmt: skip
        VSwitchRepository(self.store).save(vswitch)
        return vswitch

    def group(
        self,
        vpc_id: str | None = "vpc-a",
        *,
        account: str = ACCOUNT,
        group_type: GroupType = GroupType.NORMAL,
    ) -> str:
        group = SecurityGroup(
            self._next("sg"), account, REGION, vpc_id, "", "", group_type, Policy.ACCEPT, (),
            self.clock.now(),
        )  # fmt: skip
        SecurityGroupRepository(self.store).save(group)
        return group.group_id

    def instance(
        self,
        vswitch: VSwitch | None,
        groups: tuple[str, ...],
        *,
        status: InstanceStatus = InstanceStatus.RUNNING,
        instance_type: str = TWO_ENIS,
    ) -> Instance:
        instance_id = self._next("i")
        eni_id = self._next("eni")
        if vswitch is not None:
            address = PrivateAddresses(self.store).allocate(vswitch, eni_id)
        else:
            address = PrivateAddresses(self.store).allocate_classic(REGION, ACCOUNT, eni_id)
        eni = NetworkInterface(
            eni_id, ACCOUNT, REGION, vswitch.vpc_id if vswitch else None,
            vswitch.vswitch_id if vswitch else None, address, groups, instance_id,
            primary=True, zone_id=vswitch.zone_id if vswitch else ZONE,
            created_at=self.clock.now(),
        )  # fmt: skip
        NetworkInterfaceRepository(self.store).save(eni)
        instance = an_instance(
            instance_id,
            zone_id=eni.zone_id,
            instance_type=instance_type,
            image_id="image",
            host_name="host",
            network_type=InstanceNetworkType.VPC if vswitch else InstanceNetworkType.CLASSIC,
            vpc_id=eni.vpc_id,
            vswitch_id=eni.vswitch_id,
            primary_eni_id=eni_id,
            status=status,
            created_at=self.clock.now(),
        )
        InstanceRepository(self.store).save(instance)
        return instance

    def groups_of(self, eni_id: str) -> tuple[str, ...]:
        return self.enis.get(ACCOUNT, REGION, eni_id).security_group_ids


def refused(code: str, status: int) -> pytest.RaisesExc[EcsError]:
    """Expects an EcsError with ``code`` and ``status``."""
    return pytest.raises(EcsError, check=lambda e: (e.code, e.http_status) == (code, status))

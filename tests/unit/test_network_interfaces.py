"""Network interfaces and security-group membership on an in-memory store with a frozen clock.

Instances are saved directly (with their primary interfaces), as RunInstances would leave
them, so these tests need nothing of the instance use cases.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.addresses import Addresses, NewEip
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.network_interface_queries import InterfaceQuery
from ecsim.control.network_interfaces import InterfaceChange, NetworkInterfaces, NewInterface
from ecsim.control.network_repositories import VSwitchRepository
from ecsim.control.private_addresses import PrivateAddresses
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.security_group_membership import (
    INSTANCE_CODES,
    INTERFACE_CODES,
    JOIN_INSTANCE_CODES,
)
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.eip import BoundType, InternetChargeType
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus, ScheduledStatus
from ecsim.model.network import VSwitch
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupType, SecurityGroup
from ecsim.model.tag import Tag
from ecsim.model.values import Policy
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1000000000000042"
OTHER = "1000000000000043"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
# two interfaces: the primary one and one more
TWO_ENIS = "ecs.t5-c1m1.large"


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


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
        instance = Instance(
            instance_id, ACCOUNT, REGION, vswitch.zone_id if vswitch else ZONE, instance_type,
            "image", instance_id, "", "host",
            InstanceNetworkType.VPC if vswitch else InstanceNetworkType.CLASSIC,
            vswitch.vpc_id if vswitch else None, vswitch.vswitch_id if vswitch else None,
            eni_id, status, (), self.clock.now(),
        )  # fmt: skip
        InstanceRepository(self.store).save(instance)
        return instance

    def groups_of(self, eni_id: str) -> tuple[str, ...]:
        return self.enis.get(ACCOUNT, REGION, eni_id).security_group_ids


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock) -> World:
    return World(store, clock, Limits())


def _refused(code: str, status: int) -> pytest.RaisesExc[EcsError]:
    return pytest.raises(EcsError, check=lambda e: (e.code, e.http_status) == (code, status))


# -- validate_groups ----------------------------------------------------------------------------


def test_validate_groups_returns_the_groups_in_order(world: World) -> None:
    first, second = world.group(), world.group()
    groups = world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", [second, first])
    assert [g.group_id for g in groups] == [second, first]


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("missing", "InvalidSecurityGroupId.NotFound", 404),
        ("other_account", "InvalidSecurityGroupId.NotFound", 404),
        ("repeated", "InvalidParameter.SecurityGroupIdRepeated", 400),
        ("other_vpc", "InvalidOperation.VpcMismatch", 403),
        ("classic_group", "InvalidOperation.VpcMismatch", 403),
        ("mixed", "EnterpriseGroupLimited.MutliGroupType", 403),
        ("too_many", "JoinedGroupLimitExceed", 400),
    ],
)
def test_validate_groups_refusals(world: World, case: str, code: str, status: int) -> None:
    mine = world.group()
    wanted = {
        "missing": [mine, "sg-missing"],
        "other_account": [world.group(account=OTHER)],
        "repeated": [mine, mine],
        "other_vpc": [mine, world.group("vpc-b")],
        "classic_group": [world.group(None)],
        "mixed": [mine, world.group(group_type=GroupType.ENTERPRISE)],
        "too_many": [world.group() for _ in range(6)],
    }[case]
    with _refused(code, status):
        world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", wanted, INTERFACE_CODES)


def test_validate_groups_limit_is_configurable(store: SqliteStore, clock: FrozenClock) -> None:
    world = World(store, clock, Limits(security_groups_per_interface=2))
    two = [world.group(), world.group()]
    assert len(world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", two)) == 2
    with _refused("JoinedGroupLimitExceed", 400):
        world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", [*two, world.group()])


def test_validate_groups_instance_codes(world: World) -> None:
    mine = world.group()
    membership = world.enis.membership
    with _refused("InvalidParameter.SecurityGroupIdRepeated", 404):
        membership.validate_groups(ACCOUNT, REGION, "vpc-a", [mine, mine], INSTANCE_CODES)
    with _refused("InvalidSecurityGroupVpc.NotBelongToOneVpc", 404):
        membership.validate_groups(ACCOUNT, REGION, None, [mine], INSTANCE_CODES)


def test_validate_groups_classic_interface_takes_classic_groups(world: World) -> None:
    classic = world.group(None)
    membership = world.enis.membership
    assert membership.validate_groups(ACCOUNT, REGION, None, [classic])[0].vpc_id is None
    with _refused("InvalidInstanceId.Mismatch", 400):
        membership.validate_groups(ACCOUNT, REGION, None, [world.group()], JOIN_INSTANCE_CODES)


# -- JoinSecurityGroup / LeaveSecurityGroup ------------------------------------------------------


def test_join_and_leave_an_instance(world: World) -> None:
    first, second = world.group(), world.group()
    instance = world.instance(world.vswitch(), (first,))
    world.enis.join_security_group(ACCOUNT, None, second, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (first, second)
    world.enis.leave_security_group(ACCOUNT, REGION, first, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (second,)


def test_join_a_stopped_instance(world: World) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=InstanceStatus.STOPPED)
    group = world.group()
    world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)
    assert group in world.groups_of(instance.primary_eni_id)


def test_join_refusals(world: World) -> None:
    first = world.group()
    instance = world.instance(world.vswitch(), (first,))
    join = world.enis.join_security_group
    with _refused("InvalidInstanceId.AlreadyExists", 403):
        join(ACCOUNT, REGION, first, instance_id=instance.instance_id)
    with _refused("InvalidInstanceId.Mismatch", 400):
        join(ACCOUNT, REGION, world.group("vpc-b"), instance_id=instance.instance_id)
    with _refused("InvalidOperation.MultiGroupType", 400):
        join(
            ACCOUNT,
            REGION,
            world.group(group_type=GroupType.ENTERPRISE),
            instance_id=instance.instance_id,
        )
    with _refused("InvalidSecurityGroupId.NotFound", 404):
        join(ACCOUNT, REGION, "sg-missing", instance_id=instance.instance_id)
    with _refused("InvalidInstanceId.NotFound", 404):
        join(ACCOUNT, REGION, first, instance_id="i-missing")
    with _refused("InvalidInstanceId.NotFound", 404):
        join(ACCOUNT, "cn-beijing", first, instance_id=instance.instance_id)
    with _refused("InvalidParam.EniIdAndInstanceId.Conflict", 403):
        join(ACCOUNT, REGION, first, instance_id=instance.instance_id, eni_id="eni-x")
    with _refused("MissingParameter", 400):
        join(ACCOUNT, REGION, first)
    with _refused("MissingParameter.RegionId", 400):
        join(ACCOUNT, None, first, eni_id=instance.primary_eni_id)
    assert world.groups_of(instance.primary_eni_id) == (first,)


def test_join_over_the_group_limit(world: World) -> None:
    groups = tuple(world.group() for _ in range(5))
    instance = world.instance(world.vswitch(), groups)
    with _refused("InstanceSecurityGroupLimitExceeded", 400):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


@pytest.mark.parametrize("status", [InstanceStatus.PENDING, InstanceStatus.STARTING])
def test_join_needs_a_settled_instance(world: World, status: InstanceStatus) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=status)
    with _refused("IncorrectInstanceStatus", 403):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )
    with _refused("IncorrectInstanceStatus", 403):
        world.enis.leave_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


def test_join_sees_a_scheduled_transition_once_due(world: World, store: SqliteStore) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=InstanceStatus.STARTING)
    due = world.clock.now() + timedelta(seconds=5)
    InstanceRepository(store).save(
        replace(instance, scheduled=(ScheduledStatus(InstanceStatus.RUNNING, due),))
    )
    group = world.group()
    with _refused("IncorrectInstanceStatus", 403):
        world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)
    world.clock.advance(5)
    world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)


def test_join_refuses_a_locked_instance(world: World, store: SqliteStore) -> None:
    instance = world.instance(world.vswitch(), (world.group(),))
    InstanceRepository(store).save(replace(instance, locks=("security",)))
    with _refused("InstanceLockedForSecurity", 403):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


def test_leave_refusals(world: World) -> None:
    only = world.group()
    instance = world.instance(world.vswitch(), (only,))
    leave = world.enis.leave_security_group
    with _refused("InstanceLastSecurityGroup", 403):
        leave(ACCOUNT, REGION, only, instance_id=instance.instance_id)
    with _refused("InvalidSecurityGroupAssociation.NotFound", 400):
        leave(ACCOUNT, REGION, world.group(), instance_id=instance.instance_id)
    with _refused("InvalidSecurityGroupId.NotFound", 404):
        leave(ACCOUNT, REGION, "sg-missing", instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (only,)


def test_join_and_leave_a_network_interface(world: World) -> None:
    first, second = world.group(), world.group()
    view = world.enis.create(ACCOUNT, REGION, NewInterface(world.vswitch().vswitch_id, (first,)))
    eni_id = view.eni.eni_id
    world.enis.join_security_group(ACCOUNT, REGION, second, eni_id=eni_id)
    assert world.groups_of(eni_id) == (first, second)
    with _refused("InvalidOperation.VpcMismatch", 403):
        world.enis.join_security_group(ACCOUNT, REGION, world.group("vpc-b"), eni_id=eni_id)
    world.enis.leave_security_group(ACCOUNT, REGION, first, eni_id=eni_id)
    assert world.groups_of(eni_id) == (second,)
    with _refused("InvalidEniId.NotFound", 404):
        world.enis.join_security_group(ACCOUNT, REGION, first, eni_id="eni-missing")


def test_classic_instance_joins_classic_groups_only(world: World) -> None:
    first, second = world.group(None), world.group(None)
    instance = world.instance(None, (first,))
    world.enis.join_security_group(ACCOUNT, REGION, second, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (first, second)
    with _refused("InvalidInstanceId.Mismatch", 400):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


# -- create / attach / detach / delete ----------------------------------------------------------


def test_create_makes_an_available_secondary_interface(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    spec = NewInterface(
        vswitch.vswitch_id, (group,), name="web-eni", description="for web", tags=(Tag("a", "1"),)
    )
    view = world.enis.create(ACCOUNT, REGION, spec)
    eni = view.eni
    assert eni.eni_id.startswith("eni-")
    assert (eni.status, eni.primary, eni.instance_id) == ("Available", False, None)
    assert (eni.vpc_id, eni.vswitch_id, eni.zone_id) == ("vpc-a", vswitch.vswitch_id, ZONE)
    assert eni.primary_ip == ipaddress.IPv4Address("192.168.1.1")
    assert eni.mac_address.startswith("00:16:3e:")
    assert (eni.name, eni.description) == ("web-eni", "for web")
    assert view.tags == {"a": "1"}


def test_create_with_a_chosen_address(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    chosen = ipaddress.IPv4Address("192.168.1.50")
    eni = world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), chosen))
    assert eni.eni.primary_ip == chosen
    with _refused("InvalidPrivateIpAddress.Duplicated", 400):
        world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), chosen))
    outside = ipaddress.IPv4Address("10.0.0.5")
    with _refused("InvalidPrivateIpAddress", 400):
        world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), outside))


@pytest.mark.parametrize(
    ("spec_fields", "code", "status"),
    [
        ({"vswitch_id": "vsw-missing"}, "InvalidVSwitchId.NotFound", 404),
        ({"name": "1starts-with-digit"}, "InvalidParams.NetworkInterfaceName", 403),
        ({"name": "x"}, "InvalidParams.NetworkInterfaceName", 403),
        ({"description": "http://x"}, "InvalidDescription.Malformed", 400),
        ({"group_ids": ("sg-missing",)}, "InvalidSecurityGroupId.NotFound", 404),
    ],
)
def test_create_refusals(
    world: World, spec_fields: dict[str, object], code: str, status: int
) -> None:
    spec = NewInterface(world.vswitch().vswitch_id, (world.group(),))
    with _refused(code, status):
        world.enis.create(ACCOUNT, REGION, replace(spec, **spec_fields))
    assert world.enis.describe(ACCOUNT, REGION, InterfaceQuery()) == []


def test_create_needs_an_available_vswitch(world: World, store: SqliteStore) -> None:
    vswitch = world.vswitch()
    later = world.clock.now() + timedelta(seconds=3)
    VSwitchRepository(store).save(replace(vswitch, ready_at=later))
    with _refused("IncorrectVSwitchStatus", 400):
        world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (world.group(),)))


def _secondary(world: World, vswitch: VSwitch, group: str) -> str:
    return world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,))).eni.eni_id


def test_attach_and_detach(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,))
    eni_id = _secondary(world, vswitch, group)
    world.enis.attach(ACCOUNT, REGION, eni_id, instance.instance_id)
    attached = world.enis.view(ACCOUNT, REGION, eni_id)
    assert (attached.eni.status, attached.eni.instance_id) == ("InUse", instance.instance_id)
    assert attached.device_index == 1
    with _refused("InvalidOperation.InvalidEniState", 400):
        world.enis.attach(ACCOUNT, REGION, eni_id, instance.instance_id)
    world.enis.detach(ACCOUNT, REGION, eni_id, instance.instance_id)
    assert world.enis.get(ACCOUNT, REGION, eni_id).status == "Available"


def test_attach_refusals(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    eni_id = _secondary(world, vswitch, group)
    other_zone = world.instance(world.vswitch(zone="cn-hangzhou-j", cidr="192.168.2.0/24"), ())
    other_vpc = world.instance(world.vswitch("vpc-b", cidr="10.0.0.0/24"), ())
    classic = world.instance(None, ())
    pending = world.instance(vswitch, (group,), status=InstanceStatus.PENDING)
    for instance_id, code, status in (
        ("i-missing", "InvalidEcsId.NotFound", 404),
        (other_zone.instance_id, "InvalidOperation.AvailabilityZoneMismatch", 403),
        (other_vpc.instance_id, "InvalidOperation.VpcMismatch", 403),
        (classic.instance_id, "InvalidInstance.NetworkType", 403),
        (pending.instance_id, "InvalidOperation.InvalidEcsState", 400),
    ):
        with _refused(code, status):
            world.enis.attach(ACCOUNT, REGION, eni_id, instance_id)
    with _refused("InvalidEniId.NotFound", 404):
        world.enis.attach(ACCOUNT, REGION, "eni-missing", pending.instance_id)
    assert world.enis.get(ACCOUNT, REGION, eni_id).status == "Available"


def test_attach_counts_the_interfaces_the_type_allows(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,))
    world.enis.attach(ACCOUNT, REGION, _secondary(world, vswitch, group), instance.instance_id)
    with _refused("EniPerInstanceLimitExceeded", 403):
        world.enis.attach(ACCOUNT, REGION, _secondary(world, vswitch, group), instance.instance_id)


def test_detach_refusals(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,))
    other = world.instance(vswitch, (group,), instance_type="ecs.g6.large")
    eni_id = _secondary(world, vswitch, group)
    with _refused("InvalidParameter.EniNotBelongEcs", 400):
        world.enis.detach(ACCOUNT, REGION, eni_id, instance.instance_id)
    with _refused("InvalidOperation.DetachPrimaryEniNotAllowed", 400):
        world.enis.detach(ACCOUNT, REGION, instance.primary_eni_id, instance.instance_id)
    with _refused("InvalidParameter.EniNotBelongEcs", 400):
        world.enis.detach(ACCOUNT, REGION, instance.primary_eni_id, other.instance_id)
    with _refused("InvalidEcsId.NotFound", 404):
        world.enis.detach(ACCOUNT, REGION, eni_id, "i-missing")


def test_delete_releases_address_tags_and_eip(world: World, store: SqliteStore) -> None:
    vswitch = world.vswitch()
    group = world.group()
    chosen = ipaddress.IPv4Address("192.168.1.9")
    spec = NewInterface(vswitch.vswitch_id, (group,), chosen, tags=(Tag("k", "v"),))
    eni_id = world.enis.create(ACCOUNT, REGION, spec).eni.eni_id
    addresses = Addresses(store, IdFactory(seed=1), world.clock, Limits(), world.tags)
    eip = addresses.allocate(ACCOUNT, REGION, NewEip(5, InternetChargeType.PAY_BY_TRAFFIC))
    addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.NETWORK_INTERFACE, eni_id)
    assert world.enis.view(ACCOUNT, REGION, eni_id).allocation_id == eip.allocation_id
    world.enis.delete(ACCOUNT, REGION, eni_id)
    with _refused("InvalidEniId.NotFound", 404):
        world.enis.get(ACCOUNT, REGION, eni_id)
    assert world.tags.of("network_interface", eni_id) == {}
    assert addresses.get(ACCOUNT, eip.allocation_id).binding is None
    # the address is free again
    again = world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), chosen))
    assert again.eni.primary_ip == chosen


def test_delete_refuses_an_attached_interface(world: World) -> None:
    vswitch = world.vswitch()
    instance = world.instance(vswitch, (world.group(),))
    with _refused("InvalidOperation.InvalidEniState", 400):
        world.enis.delete(ACCOUNT, REGION, instance.primary_eni_id)
    with _refused("InvalidEniId.NotFound", 404):
        world.enis.delete(ACCOUNT, "cn-beijing", instance.primary_eni_id)


# -- modify and describe ------------------------------------------------------------------------


def test_modify_renames_and_replaces_groups(world: World) -> None:
    vswitch = world.vswitch()
    first, second, third = world.group(), world.group(), world.group()
    eni_id = _secondary(world, vswitch, first)
    change = InterfaceChange(name="renamed", description="new text", group_ids=(second, third))
    world.enis.modify(ACCOUNT, REGION, eni_id, change)
    eni = world.enis.get(ACCOUNT, REGION, eni_id)
    assert (eni.name, eni.description, eni.security_group_ids) == (
        "renamed",
        "new text",
        (second, third),
    )
    with _refused("InvalidOperation.VpcMismatch", 403):
        world.enis.modify(ACCOUNT, REGION, eni_id, InterfaceChange(group_ids=(world.group("v"),)))
    assert world.groups_of(eni_id) == (second, third)


def test_modify_primary_interface_name_only(world: World) -> None:
    instance = world.instance(world.vswitch(), (world.group(),))
    world.enis.modify(ACCOUNT, REGION, instance.primary_eni_id, InterfaceChange(name="prim"))
    assert world.enis.get(ACCOUNT, REGION, instance.primary_eni_id).name == "prim"
    with _refused("InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc", 404):
        world.enis.modify(
            ACCOUNT, REGION, instance.primary_eni_id, InterfaceChange(group_ids=(world.group(),))
        )


def test_describe_filters(world: World) -> None:
    vswitch = world.vswitch()
    other_vswitch = world.vswitch("vpc-b", cidr="10.1.0.0/24")
    group, other_group = world.group(), world.group("vpc-b")
    instance = world.instance(vswitch, (group,))
    world.instance(None, (world.group(None),))
    free = _secondary(world, vswitch, group)
    elsewhere = _secondary(world, other_vswitch, other_group)
    primary = instance.primary_eni_id

    def ids(**fields: object) -> list[str]:
        query = InterfaceQuery(**fields)
        return [v.eni.eni_id for v in world.enis.describe(ACCOUNT, REGION, query)]

    # the classic instance's interface is not listed
    assert ids() == [primary, free, elsewhere]
    assert ids(vpc_id="vpc-b") == [elsewhere]
    assert ids(vswitch_id=vswitch.vswitch_id) == [primary, free]
    assert ids(primary=True) == [primary]
    assert ids(primary=False) == [free, elsewhere]
    assert ids(status="Available") == [free, elsewhere]
    assert ids(status="InUse") == [primary]
    assert ids(instance_id=instance.instance_id) == [primary]
    assert ids(group_id=other_group) == [elsewhere]
    assert ids(eni_ids=frozenset({free, "eni-x"})) == [free]
    free_ip = world.enis.get(ACCOUNT, REGION, free).primary_ip
    assert ids(primary_ip=free_ip) == [free]
    assert ids(private_ips=frozenset({free_ip})) == [free]
    assert ids(resource_group_id="rg-1") == []
    assert ids(matches_nothing=True) == []
    assert world.enis.describe(OTHER, REGION, InterfaceQuery()) == []


def test_describe_tag_filter_and_device_indexes(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,), instance_type="ecs.g6.xlarge")
    first = world.enis.create(
        ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), tags=(Tag("env", "a"),))
    ).eni.eni_id
    world.clock.advance(1)
    second = _secondary(world, vswitch, group)
    # attached in the other order: indexes follow creation, the primary interface is 0
    world.enis.attach(ACCOUNT, REGION, second, instance.instance_id)
    world.enis.attach(ACCOUNT, REGION, first, instance.instance_id)
    views = world.enis.describe(ACCOUNT, REGION, InterfaceQuery())
    assert {v.eni.eni_id: v.device_index for v in views} == {
        instance.primary_eni_id: 0,
        first: 1,
        second: 2,
    }
    tagged = world.enis.describe(ACCOUNT, REGION, InterfaceQuery(tags={"env": None}))
    assert [(v.eni.eni_id, v.tags) for v in tagged] == [(first, {"env": "a"})]
    assert world.enis.describe(ACCOUNT, REGION, InterfaceQuery(tags={"env": "b"})) == []


def test_primary_interface_shows_its_instance_public_address(
    world: World, store: SqliteStore
) -> None:
    instance = world.instance(world.vswitch(), (world.group(),))
    InstanceRepository(store).save(replace(instance, public_ip="198.18.7.7"))
    view = world.enis.view(ACCOUNT, REGION, instance.primary_eni_id)
    assert (view.public_ip, view.allocation_id) == ("198.18.7.7", "")

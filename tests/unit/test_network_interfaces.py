"""Network interfaces on an in-memory store with a frozen clock: create, attach, detach,
delete, modify and describe.

Instances are saved directly (with their primary interfaces), as RunInstances would leave
them, so these tests need nothing of the instance use cases.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.addresses import Addresses, NewEip
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.network_interface_queries import InterfaceQuery
from ecsim.control.network_interfaces import InterfaceChange, NewInterface
from ecsim.control.network_repositories import VSwitchRepository
from ecsim.ids import IdFactory
from ecsim.model.eip import BoundType, InternetChargeType
from ecsim.model.instance import InstanceStatus
from ecsim.model.network import VSwitch
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION, ZONE
from tests.unit.interface_world import World, refused


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock) -> World:
    return World(store, clock, Limits())


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
    with refused("InvalidPrivateIpAddress.Duplicated", 400):
        world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), chosen))
    outside = ipaddress.IPv4Address("10.0.0.5")
    with refused("InvalidPrivateIpAddress", 400):
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
    with refused(code, status):
        world.enis.create(ACCOUNT, REGION, replace(spec, **spec_fields))
    assert world.enis.describe(ACCOUNT, REGION, InterfaceQuery()) == []


def test_create_needs_an_available_vswitch(world: World, store: SqliteStore) -> None:
    vswitch = world.vswitch()
    later = world.clock.now() + timedelta(seconds=3)
    VSwitchRepository(store).save(replace(vswitch, ready_at=later))
    with refused("IncorrectVSwitchStatus", 400):
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
    with refused("InvalidOperation.InvalidEniState", 400):
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
        with refused(code, status):
            world.enis.attach(ACCOUNT, REGION, eni_id, instance_id)
    with refused("InvalidEniId.NotFound", 404):
        world.enis.attach(ACCOUNT, REGION, "eni-missing", pending.instance_id)
    assert world.enis.get(ACCOUNT, REGION, eni_id).status == "Available"


def test_attach_counts_the_interfaces_the_type_allows(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,))
    world.enis.attach(ACCOUNT, REGION, _secondary(world, vswitch, group), instance.instance_id)
    with refused("EniPerInstanceLimitExceeded", 403):
        world.enis.attach(ACCOUNT, REGION, _secondary(world, vswitch, group), instance.instance_id)


def test_detach_refusals(world: World) -> None:
    vswitch = world.vswitch()
    group = world.group()
    instance = world.instance(vswitch, (group,))
    other = world.instance(vswitch, (group,), instance_type="ecs.g6.large")
    eni_id = _secondary(world, vswitch, group)
    with refused("InvalidParameter.EniNotBelongEcs", 400):
        world.enis.detach(ACCOUNT, REGION, eni_id, instance.instance_id)
    with refused("InvalidOperation.DetachPrimaryEniNotAllowed", 400):
        world.enis.detach(ACCOUNT, REGION, instance.primary_eni_id, instance.instance_id)
    with refused("InvalidParameter.EniNotBelongEcs", 400):
        world.enis.detach(ACCOUNT, REGION, instance.primary_eni_id, other.instance_id)
    with refused("InvalidEcsId.NotFound", 404):
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
    with refused("InvalidEniId.NotFound", 404):
        world.enis.get(ACCOUNT, REGION, eni_id)
    assert world.tags.of("network_interface", eni_id) == {}
    assert addresses.get(ACCOUNT, eip.allocation_id).binding is None
    # the address is free again
    again = world.enis.create(ACCOUNT, REGION, NewInterface(vswitch.vswitch_id, (group,), chosen))
    assert again.eni.primary_ip == chosen


def test_delete_refuses_an_attached_interface(world: World) -> None:
    vswitch = world.vswitch()
    instance = world.instance(vswitch, (world.group(),))
    with refused("InvalidOperation.InvalidEniState", 400):
        world.enis.delete(ACCOUNT, REGION, instance.primary_eni_id)
    with refused("InvalidEniId.NotFound", 404):
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
    with refused("InvalidOperation.VpcMismatch", 403):
        world.enis.modify(ACCOUNT, REGION, eni_id, InterfaceChange(group_ids=(world.group("v"),)))
    assert world.groups_of(eni_id) == (second, third)


def test_modify_primary_interface_name_only(world: World) -> None:
    instance = world.instance(world.vswitch(), (world.group(),))
    world.enis.modify(ACCOUNT, REGION, instance.primary_eni_id, InterfaceChange(name="prim"))
    assert world.enis.get(ACCOUNT, REGION, instance.primary_eni_id).name == "prim"
    with refused("InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc", 404):
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

"""Launch and release through the Instances service, in-process with a frozen clock: names of
a batch, defaults, all-or-nothing, MinAmount, the classic network, what release frees, and
the states a poll sees with --realistic-delays."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pytest

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.control.private_addresses import CLAIM_KIND
from ecsim.control.vpcs import NewVpc
from ecsim.control.vswitches import NewVSwitch
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import InstanceStatus
from ecsim.model.instance_spec import LaunchSpec, default_host_name, expand_name
from ecsim.model.tag import Tag
from ecsim.services import Services
from ecsim.settings import Settings
from ecsim.store.codecs import eips as eip_codec
from ecsim.store.codecs import instances as instance_codec
from ecsim.store.codecs import network_interfaces as eni_codec

ACCOUNT = "1000000000000001"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
TYPE = "ecs.g6.large"


@dataclass
class World:
    services: Services
    clock: FrozenClock
    vswitch_id: str
    group_id: str

    def spec(self, **changes: object) -> LaunchSpec:
        base = LaunchSpec(
            image_id=IMAGE,
            instance_type=TYPE,
            security_group_ids=(self.group_id,),
            vswitch_id=self.vswitch_id,
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def count(self, kind: str) -> int:
        return len(list(self.services.store.list_resources(kind, ACCOUNT, REGION)))


@contextmanager
def opened_world(*, realistic: bool = False, block: str = "10.0.1.0/24") -> Iterator[World]:
    clock = FrozenClock()
    settings = Settings(
        in_memory=True, verify_signatures=False, dataplane="none", realistic_delays=realistic
    )
    app: Application = build_app(settings, clock=clock, ids=IdFactory(seed=7))
    services = app.services
    vpc = services.networks.vpcs.create(
        ACCOUNT, REGION, NewVpc(ipaddress.IPv4Network("10.0.0.0/16"))
    )
    clock.advance(60)
    vswitch = services.networks.vswitches.create(
        ACCOUNT, REGION, NewVSwitch(vpc.vpc_id, ZONE, ipaddress.IPv4Network(block))
    )
    clock.advance(60)
    group = services.security_groups.create(ACCOUNT, REGION, vpc_id=vpc.vpc_id)
    try:
        yield World(services, clock, vswitch.vswitch_id, group.group_id)
    finally:
        app.close()


@pytest.fixture
def world() -> Iterator[World]:
    with opened_world() as opened:
        yield opened


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(EcsError) as caught:
        call()
    return caught.value.code


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "index", "unique", "expected"),
    [
        ("web", 0, False, "web"),
        ("web", 1, True, "web002"),
        ("k8s-node-[1,4]-ali", 2, False, "k8s-node-0003-ali"),
        ("n[]", 5, False, "n000005"),
        ("n[10,]", 0, False, "n000010"),
        ("n[,2]", 3, False, "n03"),
        ("host-${instance_id}", 0, False, "host-i-abc"),
    ],
)
def test_expand_name(template: str, index: int, unique: bool, expected: str) -> None:
    assert expand_name(template, index, "i-abc", unique_suffix=unique) == expected


@pytest.mark.parametrize("template", ["a[x]", "a[1,9]", "a[1][2]", "a]"])
def test_expand_name_refuses_malformed_ordered_parts(template: str) -> None:
    with pytest.raises(ValueError):
        expand_name(template, 0, "i-abc", unique_suffix=False)


def test_default_host_names() -> None:
    instance_id = "i-bp1f4f7t9b1e0s2e2xz1"
    assert default_host_name(instance_id, windows=False) == "iZbp1f4f7t9b1e0s2e2xz1Z"
    assert default_host_name(instance_id, windows=True) == "iZbp1f4f7t9b1eZ"


# -- launch ----------------------------------------------------------------------------------


def test_run_creates_instance_and_primary_interface(world: World) -> None:
    (instance,) = world.services.instances.run(
        ACCOUNT, REGION, world.spec(tags=(Tag("env", "dev"),), internet_max_bandwidth_out=3)
    )
    interfaces = world.services.store.list_resources(eni_codec.KIND, ACCOUNT, REGION)
    (record,) = list(interfaces)
    eni = eni_codec.decode_network_interface(record)
    assert eni.eni_id == instance.primary_eni_id and eni.primary
    assert eni.security_group_ids == (world.group_id,)
    assert (eni.instance_id, eni.zone_id, eni.vswitch_id) == (
        instance.instance_id,
        ZONE,
        world.vswitch_id,
    )
    assert eni.primary_ip in ipaddress.IPv4Network("10.0.1.0/24")
    tags = world.services.tags
    assert tags.of(instance_codec.KIND, instance.instance_id) == {"env": "dev"}
    assert tags.of(eni_codec.KIND, eni.eni_id) == {"env": "dev"}
    assert world.services.store.get_resource(eip_codec.KIND_ADDRESS, instance.public_ip)
    assert (instance.system_disk_category, instance.system_disk_size) == ("cloud_efficiency", 20)


def test_failed_batch_writes_nothing(world: World) -> None:
    instances = world.services.instances
    (taken,) = instances.run(
        ACCOUNT, REGION, world.spec(private_ip=ipaddress.IPv4Address("10.0.1.12"))
    )
    before = {kind: world.count(kind) for kind in (instance_codec.KIND, eni_codec.KIND, CLAIM_KIND)}
    spec = world.spec(
        private_ip=ipaddress.IPv4Address("10.0.1.10"),
        internet_max_bandwidth_out=1,
        tags=(Tag("batch", "x"),),
    )
    assert _code(lambda: instances.run(ACCOUNT, REGION, spec, amount=5)) == (
        "InvalidPrivateIpAddress.Duplicated"
    )
    after = {kind: world.count(kind) for kind in before}
    assert after == before
    assert (
        world.services.tags.matching(ACCOUNT, REGION, instance_codec.KIND, {"batch": None}) == set()
    )
    public_claims = list(
        world.services.store.list_resources(eip_codec.KIND_ADDRESS, ACCOUNT, REGION)
    )
    assert public_claims == []
    assert taken.instance_id


def test_min_amount_stops_when_the_vswitch_is_full() -> None:
    with opened_world(block="10.0.2.0/29") as world:
        created = world.services.instances.run(
            ACCOUNT, REGION, world.spec(), amount=6, min_amount=3
        )
        assert len(created) == 4
        assert _code(
            lambda: world.services.instances.run(ACCOUNT, REGION, world.spec(), min_amount=1)
        ) == ("InvalidVSwitchId.IpNotEnough")


def test_checks_come_before_any_lookup(world: World) -> None:
    """A bad value is reported before an unknown image or group."""
    spec = world.spec(image_id="nope.vhd", security_group_ids=("sg-nope",), password="short")
    assert _code(lambda: world.services.instances.run(ACCOUNT, REGION, spec)) == (
        "InvalidPassword.Malformed"
    )
    spec = world.spec(image_id="nope.vhd", instance_type="ecs.nope", security_group_ids=("sg-x",))
    assert _code(lambda: world.services.instances.run(ACCOUNT, REGION, spec)) == (
        "InvalidImageId.NotFound"
    )
    spec = world.spec(instance_type="ecs.nope", security_group_ids=("sg-x",))
    assert _code(lambda: world.services.instances.run(ACCOUNT, REGION, spec)) == (
        "InvalidInstanceType.ValueNotSupported"
    )


def test_arm_image_needs_an_arm_type(world: World) -> None:
    spec = world.spec(image_id="ubuntu_22_04_arm64_20G_alibase_20240130.vhd")
    assert _code(lambda: world.services.instances.run(ACCOUNT, REGION, spec)) == (
        "ImageNotSupportInstanceType"
    )


def test_windows_refuses_key_pairs(world: World) -> None:
    spec = world.spec(
        image_id="win2022_21H2_x64_dtc_en-us_40G_alibase_20240613.vhd", key_pair_name="k"
    )
    assert _code(lambda: world.services.instances.run(ACCOUNT, REGION, spec)) == (
        "DependencyViolation.WindowsInstance"
    )


def test_classic_launch_picks_the_classic_zone(world: World) -> None:
    services = world.services
    group = services.security_groups.create(ACCOUNT, REGION)
    spec = world.spec(security_group_ids=(group.group_id,), vswitch_id=None)
    (instance,) = services.instances.run(ACCOUNT, REGION, spec)
    assert (instance.zone_id, instance.vpc_id, instance.vswitch_id) == ("cn-hangzhou-h", None, None)
    claims = list(services.store.list_resources(CLAIM_KIND, ACCOUNT, REGION))
    assert any(r.resource_id.startswith(f"classic:{REGION}/") for r in claims)


def test_release_frees_what_the_instance_held(world: World) -> None:
    instances = world.services.instances
    spec = world.spec(internet_max_bandwidth_out=1, tags=(Tag("a", "b"),))
    (instance,) = instances.run(ACCOUNT, REGION, spec)
    instances.delete(ACCOUNT, None, instance.instance_id, force=True)
    for kind in (instance_codec.KIND, eni_codec.KIND, CLAIM_KIND, eip_codec.KIND_ADDRESS):
        assert world.count(kind) == 0, kind
    assert world.services.tags.of(instance_codec.KIND, instance.instance_id) == {}
    assert world.services.tags.of(eni_codec.KIND, instance.primary_eni_id) == {}
    assert _code(lambda: instances.get(ACCOUNT, instance.instance_id)) == (
        "InvalidInstanceId.NotFound"
    )


# -- realistic delays ------------------------------------------------------------------------


def test_polls_see_each_state_with_realistic_delays() -> None:
    with opened_world(realistic=True) as world:
        instances = world.services.instances
        (instance,) = instances.run(ACCOUNT, REGION, world.spec())
        seen = []
        for _ in range(3):
            seen.append(instances.get(ACCOUNT, instance.instance_id).status_at(world.clock.now()))
            world.clock.advance(5)
        assert seen == [InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.RUNNING]
        transition = instances.stop(ACCOUNT, None, instance.instance_id)
        assert (transition.previous, transition.current) == (
            InstanceStatus.RUNNING,
            InstanceStatus.STOPPING,
        )
        assert _code(lambda: instances.start(ACCOUNT, None, instance.instance_id)) == (
            "IncorrectInstanceStatus"
        )
        world.clock.advance(5)
        instances.start(ACCOUNT, None, instance.instance_id)


def test_release_while_creating_is_initializing() -> None:
    with opened_world(realistic=True) as world:
        instances = world.services.instances
        created = instances.create(ACCOUNT, REGION, world.spec())
        assert _code(lambda: instances.delete(ACCOUNT, None, created.instance_id, force=True)) == (
            "IncorrectInstanceStatus.Initializing"
        )
        world.clock.advance(5)
        assert instances.get(ACCOUNT, created.instance_id).status_at(world.clock.now()) is (
            InstanceStatus.STOPPED
        )
        instances.delete(ACCOUNT, None, created.instance_id)

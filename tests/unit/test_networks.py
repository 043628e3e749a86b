"""VPC and vSwitch use cases on an in-memory store with a frozen clock: Pending ->
Available, dependency checks that need other families' resources, quotas and the CIDR model."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.network_rules import user_cidrs, vpc_block, vswitch_block
from ecsim.control.networks import Networks
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.tags import Tags
from ecsim.control.vpcs import NewVpc, VpcQuery
from ecsim.control.vswitches import NewVSwitch, VSwitchQuery
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.network import NetworkStatus, VSwitch, is_reserved, parse_block
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupType, SecurityGroup
from ecsim.model.tag import Tag
from ecsim.model.values import Policy
from ecsim.settings import Limits
from ecsim.store.codecs import networks as codec
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1000000000000042"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
DELAY = timedelta(seconds=3)


def _networks(store: SqliteStore, clock: FrozenClock, limits: Limits | None = None) -> Networks:
    return Networks(
        store,
        IdFactory(seed=7),
        clock,
        load_catalog(),
        limits or Limits(),
        Tags(store),
        ready_delay=DELAY,
    )


@pytest.fixture
def networks(store: SqliteStore, clock: FrozenClock) -> Networks:
    return _networks(store, clock)


def _block(text: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(text)


def _vpc_id(networks: Networks, clock: FrozenClock, cidr: str = "10.0.0.0/16") -> str:
    vpc = networks.vpcs.create(ACCOUNT, REGION, NewVpc(_block(cidr)))
    clock.advance(DELAY.total_seconds())
    return vpc.vpc_id


def _vswitch(
    networks: Networks, clock: FrozenClock, vpc_id: str, cidr: str = "10.0.1.0/24"
) -> VSwitch:
    vswitch = networks.vswitches.create(ACCOUNT, None, NewVSwitch(vpc_id, ZONE, _block(cidr)))
    clock.advance(DELAY.total_seconds())
    return vswitch


def _code(error: pytest.ExceptionInfo[EcsError]) -> tuple[str, int]:
    return error.value.code, error.value.http_status


def _interface(vpc_id: str, vswitch_id: str, n: int = 1) -> NetworkInterface:
    return NetworkInterface(
        eni_id=f"eni-{n}",
        account_id=ACCOUNT,
        region_id=REGION,
        vpc_id=vpc_id,
        vswitch_id=vswitch_id,
        primary_ip=ipaddress.IPv4Address(f"10.0.1.{10 + n}"),
        security_group_ids=(),
        instance_id=f"i-{n}",
    )


# -- status --------------------------------------------------------------------------------


def test_vpc_is_pending_until_its_ready_time(networks: Networks, clock: FrozenClock) -> None:
    vpc = networks.vpcs.create(ACCOUNT, REGION, NewVpc(_block("10.0.0.0/16")))
    (view,) = networks.vpcs.describe(ACCOUNT, REGION, VpcQuery())
    assert view.status is NetworkStatus.PENDING
    # a Pending VPC takes no vSwitch and cannot be deleted yet
    with pytest.raises(EcsError) as caught:
        networks.vswitches.create(
            ACCOUNT, REGION, NewVSwitch(vpc.vpc_id, ZONE, _block("10.0.0.0/24"))
        )
    assert _code(caught) == ("IncorrectVpcStatus", 400)
    with pytest.raises(EcsError) as caught:
        networks.vpcs.delete(ACCOUNT, REGION, vpc.vpc_id)
    assert _code(caught) == ("IncorrectVpcStatus", 400)
    clock.advance(DELAY.total_seconds())
    (view,) = networks.vpcs.describe(ACCOUNT, REGION, VpcQuery())
    assert view.status is NetworkStatus.AVAILABLE


def test_vswitch_is_pending_until_its_ready_time(networks: Networks, clock: FrozenClock) -> None:
    vpc_id = _vpc_id(networks, clock)
    created = networks.vswitches.create(
        ACCOUNT, REGION, NewVSwitch(vpc_id, ZONE, _block("10.0.1.0/24"))
    )
    (view,) = networks.vswitches.describe(ACCOUNT, REGION, VSwitchQuery())
    assert view.status is NetworkStatus.PENDING
    with pytest.raises(EcsError) as caught:
        networks.vswitches.delete(ACCOUNT, REGION, created.vswitch_id)
    assert _code(caught) == ("IncorrectVSwitchStatus", 400)
    clock.advance(DELAY.total_seconds())
    networks.vswitches.delete(ACCOUNT, REGION, created.vswitch_id)


def test_default_delay_makes_new_networks_available_at_once(
    store: SqliteStore, clock: FrozenClock
) -> None:
    networks = Networks(store, IdFactory(seed=1), clock, load_catalog(), Limits(), Tags(store))
    vpc = networks.vpcs.create(ACCOUNT, REGION, NewVpc(_block("10.0.0.0/16")))
    assert vpc.status(clock.now()) is NetworkStatus.AVAILABLE
    vswitch = networks.vswitches.create(
        ACCOUNT, None, NewVSwitch(vpc.vpc_id, ZONE, _block("10.0.0.0/24"))
    )
    assert vswitch.status(clock.now()) is NetworkStatus.AVAILABLE


# -- dependencies --------------------------------------------------------------------------


def test_delete_vpc_refuses_while_interfaces_vswitches_or_groups_remain(
    store: SqliteStore, networks: Networks, clock: FrozenClock
) -> None:
    vpc_id = _vpc_id(networks, clock)
    vswitch = _vswitch(networks, clock, vpc_id)
    interfaces = NetworkInterfaceRepository(store)
    interfaces.save(_interface(vpc_id, vswitch.vswitch_id))
    groups = SecurityGroupRepository(store)
    groups.save(
        SecurityGroup(
            group_id="sg-1",
            account_id=ACCOUNT,
            region_id=REGION,
            vpc_id=vpc_id,
            name="",
            description="",
            group_type=GroupType.NORMAL,
            inner_access_policy=Policy.ACCEPT,
            rules=(),
            created_at=clock.now(),
        )
    )

    def refusal() -> tuple[str, int]:
        with pytest.raises(EcsError) as caught:
            networks.vpcs.delete(ACCOUNT, REGION, vpc_id)
        return _code(caught)

    assert refusal() == ("DependencyViolation.Instance", 400)
    with pytest.raises(EcsError) as caught:
        networks.vswitches.delete(ACCOUNT, REGION, vswitch.vswitch_id)
    assert _code(caught) == ("DependencyViolation", 400)
    store.delete_resource("network_interface", "eni-1")
    assert refusal() == ("DependencyViolation.VSwitch", 400)
    networks.vswitches.delete(ACCOUNT, REGION, vswitch.vswitch_id)
    assert refusal() == ("DependencyViolation.SecurityGroup", 400)
    groups.delete("sg-1")
    networks.vpcs.delete(ACCOUNT, REGION, vpc_id)
    assert networks.vpcs.describe(ACCOUNT, REGION, VpcQuery()) == []


def test_available_addresses_count_the_interfaces_in_the_vswitch(
    store: SqliteStore, networks: Networks, clock: FrozenClock
) -> None:
    vpc_id = _vpc_id(networks, clock)
    vswitch = _vswitch(networks, clock, vpc_id, "10.0.1.0/28")
    interfaces = NetworkInterfaceRepository(store)
    for n in (1, 2, 3):
        interfaces.save(_interface(vpc_id, vswitch.vswitch_id, n))
    (view,) = networks.vswitches.describe(ACCOUNT, REGION, VSwitchQuery(vpc_id=vpc_id))
    assert view.available_ip_count == 16 - 4 - 3


def test_vswitch_quota_per_vpc(store: SqliteStore, clock: FrozenClock) -> None:
    networks = _networks(store, clock, Limits(vswitches_per_vpc=2))
    vpc_id = _vpc_id(networks, clock)
    _vswitch(networks, clock, vpc_id, "10.0.1.0/24")
    _vswitch(networks, clock, vpc_id, "10.0.2.0/24")
    with pytest.raises(EcsError) as caught:
        _vswitch(networks, clock, vpc_id, "10.0.3.0/24")
    assert _code(caught) == ("QuotaExceeded.VSwitch", 400)
    # the quota is per VPC
    _vswitch(networks, clock, _vpc_id(networks, clock, "192.168.0.0/16"), "192.168.0.0/24")


def test_delete_forgets_tags(store: SqliteStore, networks: Networks, clock: FrozenClock) -> None:
    vpc = networks.vpcs.create(
        ACCOUNT, REGION, NewVpc(_block("10.0.0.0/16"), tags=(Tag("env", "ci"),))
    )
    clock.advance(DELAY.total_seconds())
    vswitch = networks.vswitches.create(
        ACCOUNT, REGION, NewVSwitch(vpc.vpc_id, ZONE, _block("10.0.0.0/24"), tags=(Tag("a", "b"),))
    )
    clock.advance(DELAY.total_seconds())
    assert store.get_tags("vswitch", vswitch.vswitch_id) == {"a": "b"}
    networks.vswitches.delete(ACCOUNT, REGION, vswitch.vswitch_id)
    networks.vpcs.delete(ACCOUNT, REGION, vpc.vpc_id)
    assert store.get_tags("vpc", vpc.vpc_id) == {}
    assert store.get_tags("vswitch", vswitch.vswitch_id) == {}


# -- values and codecs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("10.0.0.0/8", True),
        ("192.168.0.0/28", True),
        ("10.0.0.0/7", False),
        ("192.168.0.0/29", False),
        ("10.0.0.1/8", False),
        ("10.0.0.0", False),
        ("10.0.0.0/255.0.0.0", False),
        (" 10.0.0.0/8", False),
        ("10.0.0.0/8\n", False),
        ("100.64.0.0/10", False),
        ("100.127.0.0/16", False),
        ("96.0.0.0/3", False),
        ("169.254.0.0/24", False),
        ("11.0.0.0/8", True),
    ],
)
def test_vpc_block_rules(text: str, valid: bool) -> None:
    if valid:
        assert str(vpc_block(text)) == text
    else:
        with pytest.raises(EcsError) as caught:
            vpc_block(text)
        assert _code(caught) == ("InvalidCidrBlock.Malformed", 400)


def test_vswitch_block_mask_range() -> None:
    assert vswitch_block("10.0.0.0/16").prefixlen == 16
    assert vswitch_block("10.0.0.8/29").prefixlen == 29
    for text in ("10.0.0.0/15", "10.0.0.0/30"):
        with pytest.raises(EcsError) as caught:
            vswitch_block(text)
        assert _code(caught) == ("InvalidCirdrBlock.MaskLength", 400)


def test_user_cidrs_are_split_and_checked() -> None:
    assert user_cidrs(None) == ()
    assert user_cidrs("10.0.0.0/8, 172.16.0.0/12") == (
        _block("10.0.0.0/8"),
        _block("172.16.0.0/12"),
    )


def test_reserved_ranges() -> None:
    assert is_reserved(parse_block("127.1.0.0/16"))
    assert is_reserved(parse_block("0.0.0.0/0"))
    assert not is_reserved(parse_block("172.16.0.0/12"))


def test_codecs_round_trip(networks: Networks, clock: FrozenClock) -> None:
    vpc = networks.vpcs.create(
        ACCOUNT,
        REGION,
        NewVpc(
            _block("10.0.0.0/16"),
            name="n",
            description="d",
            user_cidrs=(_block("192.168.0.0/16"),),
            resource_group_id="rg-1",
        ),
    )
    assert codec.decode_vpc(codec.encode_vpc(vpc)) == vpc
    clock.advance(DELAY.total_seconds())
    vswitch = _vswitch(networks, clock, vpc.vpc_id, "10.0.5.0/24")
    assert codec.decode_vswitch(codec.encode_vswitch(vswitch)) == vswitch
    assert vswitch.resource_group_id == "rg-1"

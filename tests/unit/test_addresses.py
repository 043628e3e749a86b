"""EIP use cases on an in-memory store with a frozen clock: association with interfaces saved
directly (instances do not exist yet), the status cycle, and the host's address pool."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.addresses import Addresses, EipQuery, NewEip
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.eip import BoundType, Eip, EipStatus, InternetChargeType, pool_address
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import TagOwner
from ecsim.store.codecs import eips as codec
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1000000000000042"
OTHER = "1000000000000043"
REGION = "cn-hangzhou"
DELAY = timedelta(seconds=2)
SPEC = NewEip(bandwidth=5, internet_charge_type=InternetChargeType.PAY_BY_BANDWIDTH)


def _addresses(
    store: SqliteStore,
    clock: FrozenClock,
    *,
    pool: str = "198.18.0.0/15",
    limits: Limits | None = None,
    delay: timedelta = DELAY,
) -> Addresses:
    return Addresses(
        store,
        IdFactory(seed=3),
        clock,
        limits or Limits(),
        Tags(store),
        transition_delay=delay,
        pool=ipaddress.IPv4Network(pool),
    )


@pytest.fixture
def addresses(store: SqliteStore, clock: FrozenClock) -> Addresses:
    return _addresses(store, clock)


def _interface(
    store: SqliteStore,
    eni_id: str,
    instance_id: str | None = "i-1",
    *,
    account: str = ACCOUNT,
    region: str = REGION,
    vpc_id: str | None = "vpc-1",
    last_octet: int = 10,
) -> NetworkInterface:
    eni = NetworkInterface(
        eni_id=eni_id,
        account_id=account,
        region_id=region,
        vpc_id=vpc_id,
        vswitch_id="vsw-1" if vpc_id else None,
        primary_ip=ipaddress.IPv4Address(f"10.0.0.{last_octet}"),
        security_group_ids=(),
        instance_id=instance_id,
    )
    NetworkInterfaceRepository(store).save(eni)
    return eni


def _code(error: pytest.ExceptionInfo[EcsError]) -> tuple[str, int]:
    return error.value.code, error.value.http_status


def _status(addresses: Addresses, clock: FrozenClock, eip: Eip) -> EipStatus:
    return addresses.get(ACCOUNT, eip.allocation_id).status(clock.now())


# -- association -------------------------------------------------------------------------


def test_associate_an_instance_binds_its_primary_interface(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock
) -> None:
    _interface(store, "eni-primary", "i-1", last_octet=10)
    _interface(store, "eni-secondary", "i-1", last_octet=11)
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    assert _status(addresses, clock, eip) is EipStatus.AVAILABLE
    addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-1")
    assert _status(addresses, clock, eip) is EipStatus.ASSOCIATING
    clock.advance(DELAY.total_seconds())
    bound = addresses.get(ACCOUNT, eip.allocation_id)
    assert bound.status(clock.now()) is EipStatus.IN_USE
    assert bound.binding is not None
    assert (bound.binding.eni_id, bound.binding.target_id) == ("eni-primary", "i-1")
    assert bound.binding.private_ip == ipaddress.IPv4Address("10.0.0.10")
    assert addresses.bound_to(ACCOUNT, REGION, "eni-primary") == bound
    assert addresses.bound_to(ACCOUNT, REGION, "eni-secondary") is None
    (view,) = addresses.describe(
        ACCOUNT, REGION, EipQuery(bound_type=BoundType.ECS_INSTANCE, bound_id="i-1")
    )
    assert view.status is EipStatus.IN_USE


def test_associate_a_network_interface(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock
) -> None:
    _interface(store, "eni-free", instance_id=None)
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    addresses.associate(ACCOUNT, None, eip.allocation_id, BoundType.NETWORK_INTERFACE, "eni-free")
    bound = addresses.get(ACCOUNT, eip.allocation_id)
    assert bound.binding is not None
    assert (bound.binding.bound_type, bound.binding.target_id) == (
        BoundType.NETWORK_INTERFACE,
        "eni-free",
    )


def test_unassociate_and_release_follow_the_status_cycle(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock
) -> None:
    _interface(store, "eni-1", "i-1")
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-1")

    def refused(call: object) -> tuple[str, int]:
        assert callable(call)
        with pytest.raises(EcsError) as caught:
            call()
        return _code(caught)

    def unassociate() -> None:
        addresses.unassociate(ACCOUNT, REGION, eip.allocation_id, None)

    def release() -> None:
        addresses.release(ACCOUNT, REGION, eip.allocation_id)

    # Associating: only queries are allowed
    assert refused(unassociate) == ("IncorrectEipStatus", 400)
    assert refused(release) == ("IncorrectEipStatus", 400)
    clock.advance(DELAY.total_seconds())
    # InUse: release waits for the unassociation; the wrong instance is refused
    assert refused(release) == ("IncorrectEipStatus", 400)
    assert refused(lambda: addresses.unassociate(ACCOUNT, REGION, eip.allocation_id, "i-2")) == (
        "InvalidInstanceId.NotFound",
        400,
    )
    addresses.unassociate(ACCOUNT, REGION, eip.allocation_id, "i-1")
    assert _status(addresses, clock, eip) is EipStatus.UNASSOCIATING
    assert refused(release) == ("IncorrectEipStatus", 400)
    clock.advance(DELAY.total_seconds())
    assert _status(addresses, clock, eip) is EipStatus.AVAILABLE
    addresses.release(ACCOUNT, REGION, eip.allocation_id)
    assert addresses.owned_by(ACCOUNT) == []
    assert store.get_resource(codec.KIND_ADDRESS, str(eip.address)) is None


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("missing", ("InvalidInstanId.NotFound", 404)),
        ("other-account", ("InvalidInstanId.NotFound", 404)),
        ("other-region", ("InvalidParameter.Mismatch", 400)),
        ("classic", ("OperationDenied", 400)),
        ("taken", ("InvalidAssociation.Duplicated", 400)),
    ],
)
def test_associate_refusals_write_nothing(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock, setup: str, code: tuple[str, int]
) -> None:
    if setup == "other-account":
        _interface(store, "eni-1", "i-1", account=OTHER)
    elif setup == "other-region":
        _interface(store, "eni-1", "i-1", region="cn-beijing")
    elif setup == "classic":
        _interface(store, "eni-1", "i-1", vpc_id=None)
    elif setup == "taken":
        _interface(store, "eni-1", "i-1")
        first = addresses.allocate(ACCOUNT, REGION, SPEC)
        addresses.associate(ACCOUNT, REGION, first.allocation_id, BoundType.ECS_INSTANCE, "i-1")
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    with pytest.raises(EcsError) as caught:
        addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-1")
    assert _code(caught) == code
    assert addresses.get(ACCOUNT, eip.allocation_id).binding is None


def test_forget_interface_frees_its_eip(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock
) -> None:
    _interface(store, "eni-1", "i-1")
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-1")
    addresses.forget_interface(ACCOUNT, REGION, "eni-1")
    assert _status(addresses, clock, eip) is EipStatus.AVAILABLE
    addresses.forget_interface(ACCOUNT, REGION, "eni-unknown")


def test_eips_are_private_to_their_account_and_region(addresses: Addresses) -> None:
    eip = addresses.allocate(ACCOUNT, REGION, SPEC)
    for account, region in ((OTHER, None), (ACCOUNT, "cn-beijing")):
        with pytest.raises(EcsError) as caught:
            addresses.get(account, eip.allocation_id, region)
        assert _code(caught) == ("InvalidAllocationId.NotFound", 404)


# -- the pool ------------------------------------------------------------------------------


def test_pool_hands_out_in_order_and_reuses_only_after_wrapping(
    store: SqliteStore, clock: FrozenClock
) -> None:
    # a /29 hands out its six inner addresses, .1 to .6, in order from a random first one
    addresses = _addresses(store, clock, pool="198.18.0.0/29", limits=Limits(eips_per_region=50))
    first = addresses.allocate(ACCOUNT, REGION, SPEC)
    second = addresses.allocate(OTHER, "cn-beijing", SPEC)
    start = int(str(first.address).rsplit(".", 1)[1]) - 1

    def nth(step: int) -> str:
        return f"198.18.0.{(start + step) % 6 + 1}"

    assert (str(first.address), str(second.address)) == (nth(0), nth(1))
    addresses.release(ACCOUNT, REGION, first.allocation_id)
    rest = [addresses.allocate(ACCOUNT, REGION, SPEC) for _ in range(5)]
    # the first comes back only once the four after the second have been handed out
    assert [str(e.address) for e in rest] == [nth(2), nth(3), nth(4), nth(5), nth(0)]
    with pytest.raises(EcsError) as caught:
        addresses.allocate(ACCOUNT, REGION, SPEC)
    assert _code(caught) == ("InsufficientEipCapacity", 500)
    # the failed allocation left nothing behind
    assert len(addresses.owned_by(ACCOUNT)) == 5


def test_two_data_directories_start_the_pool_at_different_addresses(clock: FrozenClock) -> None:
    firsts = set()
    for _ in range(4):
        store = SqliteStore(":memory:")
        firsts.add(str(_addresses(store, clock).allocate(ACCOUNT, REGION, SPEC).address))
        store.close()
    assert len(firsts) > 1  # 4 draws from 131,070 addresses


def test_pool_address_skips_the_first_and_last() -> None:
    pool = ipaddress.IPv4Network("198.18.0.0/15")
    assert pool_address(pool, 0) == ipaddress.IPv4Address("198.18.0.1")
    assert pool_address(pool, pool.num_addresses - 3) == ipaddress.IPv4Address("198.19.255.254")
    assert pool_address(pool, pool.num_addresses - 2) == ipaddress.IPv4Address("198.18.0.1")


def test_eip_quota_per_region(store: SqliteStore, clock: FrozenClock) -> None:
    addresses = _addresses(store, clock, limits=Limits(eips_per_region=1))
    addresses.allocate(ACCOUNT, REGION, SPEC)
    with pytest.raises(EcsError) as caught:
        addresses.allocate(ACCOUNT, REGION, SPEC)
    assert _code(caught) == ("QuotaExceeded.Eip", 400)
    addresses.allocate(ACCOUNT, "cn-beijing", SPEC)


# -- describe and codecs -------------------------------------------------------------------


def test_describe_filters_by_tags_status_and_time(
    store: SqliteStore, addresses: Addresses, clock: FrozenClock
) -> None:
    tags = Tags(store)
    first = addresses.allocate(ACCOUNT, REGION, SPEC)
    clock.advance(60)
    second = addresses.allocate(ACCOUNT, REGION, SPEC)
    tags.attach(TagOwner(ACCOUNT, REGION, codec.KIND, second.allocation_id), [Tag("env", "ci")])

    def ids(query: EipQuery) -> list[str]:
        return [v.eip.allocation_id for v in addresses.describe(ACCOUNT, REGION, query)]

    assert ids(EipQuery(tags={"env": None})) == [second.allocation_id]
    (view,) = addresses.describe(ACCOUNT, REGION, EipQuery(tags={"env": "ci"}))
    assert view.tags == {"env": "ci"}
    assert ids(EipQuery(allocated_from=second.allocated_at)) == [second.allocation_id]
    assert ids(EipQuery(allocated_until=first.allocated_at)) == [first.allocation_id]
    assert ids(EipQuery(status=EipStatus.IN_USE)) == []
    assert ids(EipQuery(matches_nothing=True)) == []
    addresses.release(ACCOUNT, REGION, second.allocation_id)
    assert store.get_tags(codec.KIND, second.allocation_id) == {}


def test_codec_round_trip(store: SqliteStore, addresses: Addresses) -> None:
    _interface(store, "eni-1", "i-1")
    eip = addresses.allocate(
        ACCOUNT, REGION, NewEip(7, InternetChargeType.PAY_BY_TRAFFIC, name="x")
    )
    bound = addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-1")
    assert codec.decode_eip(codec.encode_eip(eip)) == eip
    assert codec.decode_eip(codec.encode_eip(bound)) == bound

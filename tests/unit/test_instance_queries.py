"""The instance read side on an in-memory store with a frozen clock: instances and their
interfaces are saved directly through the repositories, so the filters and views are tested
without the launch use cases."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.addresses import Addresses, NewEip
from ecsim.control.catalog import Catalog, load_catalog
from ecsim.control.images import Images
from ecsim.control.instance_filters import POSTPAID_EXPIRY, InstanceQuery
from ecsim.control.instance_queries import InstanceQueries, family_of
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.eip import BoundType, InternetChargeType
from ecsim.model.instance import (
    InstanceNetworkType,
    InstanceStatus,
    ScheduledStatus,
)
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import TagOwner
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION, WINDOWS, save_instance


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def addresses(store: SqliteStore, clock: FrozenClock) -> Addresses:
    return Addresses(store, IdFactory(seed=5), clock, Limits(), Tags(store))


@pytest.fixture
def queries(
    store: SqliteStore, clock: FrozenClock, catalog: Catalog, addresses: Addresses
) -> InstanceQueries:
    tags = Tags(store)
    return InstanceQueries(store, clock, tags, catalog, Images(store, clock, tags), addresses)


def ids(queries: InstanceQueries, query: InstanceQuery, region: str = REGION) -> list[str]:
    return [i.instance_id for i in queries.describe(ACCOUNT, region, query).instances]


# -- filters ----------------------------------------------------------------------------------


def test_describe_lists_the_account_region_instances_in_creation_order(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    for name in ("i-b", "i-a", "i-c"):
        save_instance(store, clock, name)
    save_instance(store, clock, "i-other-account", account=OTHER)
    save_instance(store, clock, "i-other-region", region="cn-beijing")
    assert ids(queries, InstanceQuery()) == ["i-b", "i-a", "i-c"]
    assert ids(queries, InstanceQuery(), "cn-beijing") == ["i-other-region"]


def test_instance_ids_keep_the_order_asked_and_skip_strangers(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    for name in ("i-1", "i-2", "i-3"):
        save_instance(store, clock, name)
    save_instance(store, clock, "i-foreign", account=OTHER)
    query = InstanceQuery(instance_ids=("i-3", "i-1", "i-3", "i-foreign", "i-missing"))
    assert ids(queries, query) == ["i-3", "i-1"]
    assert ids(queries, InstanceQuery(instance_ids=())) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (InstanceQuery(name="web*"), ["i-1", "i-2"]),
        (InstanceQuery(name="*-db"), ["i-3"]),
        (InstanceQuery(name="web-1"), ["i-1"]),
        (InstanceQuery(name="web"), []),
        (InstanceQuery(vpc_id="vpc-1"), ["i-1", "i-2"]),
        (InstanceQuery(vswitch_id="vsw-1"), ["i-1", "i-2"]),
        (InstanceQuery(network_type=InstanceNetworkType.CLASSIC), ["i-3"]),
        (InstanceQuery(security_group_id="sg-db"), ["i-2", "i-3"]),
        (InstanceQuery(instance_type="ecs.c6.large"), ["i-2"]),
        (InstanceQuery(instance_type_family="ecs.g6"), ["i-1", "i-3"]),
        (InstanceQuery(image_id=WINDOWS), ["i-3"]),
        (InstanceQuery(private_ips=frozenset({"192.168.0.11", "10.96.0.12"})), ["i-2"]),
        (InstanceQuery(inner_ips=frozenset({"10.96.0.12", "192.168.0.11"})), ["i-3"]),
        (InstanceQuery(public_ips=frozenset({"198.18.0.99"})), ["i-1"]),
        (InstanceQuery(key_pair_name="ops"), ["i-2"]),
        (InstanceQuery(resource_group_id="rg-1"), ["i-3"]),
        (InstanceQuery(lock_reason="security"), ["i-3"]),
        (InstanceQuery(io_optimized=False), ["i-2"]),
        (InstanceQuery(instance_charge_type="PrePaid"), ["i-2"]),
        (InstanceQuery(internet_charge_type="PayByBandwidth"), ["i-1"]),
        (InstanceQuery(zone_id="cn-hangzhou-i"), ["i-1", "i-2", "i-3"]),
        (InstanceQuery(zone_id="cn-hangzhou-h"), []),
        (InstanceQuery(vpc_id="vpc-1", security_group_id="sg-db"), ["i-2"]),
    ],
)
def test_each_filter(
    store: SqliteStore,
    clock: FrozenClock,
    queries: InstanceQueries,
    query: InstanceQuery,
    expected: list[str],
) -> None:
    save_instance(
        store,
        clock,
        "i-1",
        octet=10,
        name="web-1",
        public_ip="198.18.0.99",
        internet_charge_type="PayByBandwidth",
    )
    save_instance(
        store,
        clock,
        "i-2",
        octet=11,
        name="web-2",
        groups=("sg-web", "sg-db"),
        instance_type="ecs.c6.large",
        key_pair_name="ops",
        io_optimized=False,
        instance_charge_type="PrePaid",
    )
    save_instance(
        store,
        clock,
        "i-3",
        octet=12,
        classic=True,
        name="cache-db",
        groups=("sg-db",),
        image_id=WINDOWS,
        resource_group_id="rg-1",
        locks=("security",),
    )
    assert ids(queries, query) == expected


def test_status_filter_reads_the_status_now(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    later = clock.now() + timedelta(seconds=5)
    save_instance(
        store,
        clock,
        "i-booting",
        status=InstanceStatus.PENDING,
        scheduled=(ScheduledStatus(InstanceStatus.RUNNING, later),),
    )
    assert ids(queries, InstanceQuery(status=InstanceStatus.PENDING)) == ["i-booting"]
    assert ids(queries, InstanceQuery(status=InstanceStatus.RUNNING)) == []
    clock.advance(5)
    assert ids(queries, InstanceQuery(status=InstanceStatus.RUNNING)) == ["i-booting"]


def test_tag_filter(store: SqliteStore, clock: FrozenClock, queries: InstanceQueries) -> None:
    save_instance(store, clock, "i-1")
    save_instance(store, clock, "i-2")
    tags = Tags(store)
    tags.attach(TagOwner(ACCOUNT, REGION, "instance", "i-1"), (Tag("env", "prod"),))
    tags.attach(TagOwner(ACCOUNT, REGION, "instance", "i-2"), (Tag("env", "dev"),))
    assert ids(queries, InstanceQuery(tags={"env": "prod"})) == ["i-1"]
    assert ids(queries, InstanceQuery(tags={"env": None})) == ["i-1", "i-2"]
    assert ids(queries, InstanceQuery(tags={"team": None})) == []


def test_creation_window_compares_minutes(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    # created at 03:04:05; the window's minute 03:04 includes it at both ends
    save_instance(store, clock, "i-1")
    minute = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
    assert ids(queries, InstanceQuery(created_from=minute)) == ["i-1"]
    assert ids(queries, InstanceQuery(created_until=minute)) == ["i-1"]
    assert ids(queries, InstanceQuery(created_from=minute + timedelta(minutes=1))) == []
    assert ids(queries, InstanceQuery(created_until=minute - timedelta(minutes=1))) == []
    assert ids(queries, InstanceQuery(expires_from=POSTPAID_EXPIRY)) == ["i-1"]
    assert ids(queries, InstanceQuery(expires_until=minute)) == []


def test_eip_filter_and_view(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries, addresses: Addresses
) -> None:
    save_instance(store, clock, "i-1")
    save_instance(store, clock, "i-2", octet=11)
    eip = addresses.allocate(
        ACCOUNT, REGION, NewEip(bandwidth=5, internet_charge_type=InternetChargeType.PAY_BY_TRAFFIC)
    )
    addresses.associate(ACCOUNT, REGION, eip.allocation_id, BoundType.ECS_INSTANCE, "i-2")
    assert ids(queries, InstanceQuery(eip_addresses=frozenset({str(eip.address)}))) == ["i-2"]
    listing = queries.describe(ACCOUNT, REGION, InstanceQuery())
    first, second = listing.views(listing.instances)
    assert first.eip is None
    assert second.eip is not None and second.eip.address == eip.address


# -- views ------------------------------------------------------------------------------------


def test_view_of_a_vpc_instance(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    save_instance(store, clock, "i-1", groups=("sg-a", "sg-b"))
    NetworkInterfaceRepository(store).save(
        NetworkInterface(
            eni_id="eni-second",
            account_id=ACCOUNT,
            region_id=REGION,
            vpc_id="vpc-1",
            vswitch_id="vsw-1",
            primary_ip=ipaddress.IPv4Address("192.168.0.50"),
            security_group_ids=("sg-c",),
            instance_id="i-1",
            primary=False,
        )
    )
    view = queries.attribute(ACCOUNT, "i-1")
    assert view.status is InstanceStatus.RUNNING
    assert view.instance_type is not None and view.instance_type.cpu_core_count == 2
    assert view.family_id == "ecs.g6"
    assert (view.os.os_type, view.os.os_name_en) == ("linux", "Ubuntu  22.04 64 bit")
    assert [eni.eni_id for eni in view.interfaces] == ["eni-i-1", "eni-second"]
    assert view.security_group_ids == ("sg-a", "sg-b")
    assert view.private_ips == ("192.168.0.10",)
    assert view.inner_ips == ()


def test_view_of_a_classic_windows_instance(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    save_instance(store, clock, "i-1", classic=True, image_id=WINDOWS)
    view = queries.attribute(ACCOUNT, "i-1")
    assert view.os.windows
    assert view.private_ips == ()
    assert view.inner_ips == ("10.96.0.10",)


def test_unknown_types_and_images_still_render(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    save_instance(store, clock, "i-1", instance_type="ecs.gone.large", image_id="m-deleted")
    view = queries.attribute(ACCOUNT, "i-1")
    assert view.instance_type is None
    assert view.family_id == "ecs.gone"
    assert view.os.os_type == "linux"
    assert family_of("custom") == "custom"


def test_attribute_finds_the_instance_in_any_region_of_its_account(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    save_instance(store, clock, "i-north", region="cn-beijing")
    assert queries.attribute(ACCOUNT, "i-north").instance.region_id == "cn-beijing"
    save_instance(store, clock, "i-foreign", account=OTHER)
    with pytest.raises(EcsError) as caught:
        queries.attribute(ACCOUNT, "i-foreign")
    assert (caught.value.code, caught.value.http_status) == ("InvalidInstanceId.NotFound", 404)


# -- statuses ---------------------------------------------------------------------------------


def test_statuses_by_id_and_zone(
    store: SqliteStore, clock: FrozenClock, queries: InstanceQueries
) -> None:
    save_instance(store, clock, "i-1")
    save_instance(store, clock, "i-2", status=InstanceStatus.STOPPED, zone_id="cn-hangzhou-h")
    assert queries.statuses(ACCOUNT, REGION, None, None) == [
        ("i-1", InstanceStatus.RUNNING),
        ("i-2", InstanceStatus.STOPPED),
    ]
    assert queries.statuses(ACCOUNT, REGION, ["i-2", "i-9"], None) == [
        ("i-2", InstanceStatus.STOPPED)
    ]
    assert queries.statuses(ACCOUNT, REGION, None, "cn-hangzhou-h") == [
        ("i-2", InstanceStatus.STOPPED)
    ]
    with pytest.raises(EcsError) as caught:
        queries.statuses(ACCOUNT, REGION, None, "cn-beijing-a")
    assert (caught.value.code, caught.value.http_status) == ("InvalidZoneId.NotFound", 404)

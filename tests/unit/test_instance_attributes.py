"""Instance attributes: the value rules (name, host name, password, user data) and the write
use cases (ModifyInstanceAttribute, AllocatePublicIpAddress) on an in-memory store."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import load_catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.eip_pool import AddressPool
from ecsim.control.images import Images
from ecsim.control.instance_attributes import AttributeChanges, InstanceAttributes
from ecsim.control.instance_queries import InstanceQueries
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import InstanceStatus, ScheduledStatus
from ecsim.model.instance_attributes import (
    parse_description,
    parse_host_name,
    parse_instance_name,
    parse_password,
    parse_user_data,
)
from ecsim.model.security_group import GroupType, SecurityGroup
from ecsim.model.values import Policy
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, WINDOWS, save_instance

# -- value rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ab", "web-1", "数据库:01_a.b", "a" * 128])
def test_instance_names_accepted(name: str) -> None:
    assert parse_instance_name(name) == name


@pytest.mark.parametrize("name", ["a", "1web", "-web", "http://x", "a" * 129, "web 1", "web/1"])
def test_instance_names_refused(name: str) -> None:
    with pytest.raises(EcsError) as caught:
        parse_instance_name(name)
    assert (caught.value.code, caught.value.http_status) == ("InvalidInstanceName.Malformed", 400)


def test_descriptions() -> None:
    assert parse_description("a web server") == "a web server"
    for bad in ("a", "https://example.com is mine", "x" * 257):
        with pytest.raises(EcsError) as caught:
            parse_description(bad)
        assert caught.value.code == "InvalidDescription.Malformed"


@pytest.mark.parametrize(
    ("name", "windows", "valid"),
    [
        ("web-01", False, True),
        ("web.internal.example", False, True),
        ("a" * 64, False, True),
        ("a" * 65, False, False),
        ("web..x", False, False),
        ("-web", False, False),
        ("web-", False, False),
        ("web--x", False, False),
        ("web_x", False, False),
        ("WIN-01", True, True),
        ("a" * 16, True, False),
        ("win.x", True, False),
        ("12345", True, False),
        ("x", True, False),
    ],
)
def test_host_names(name: str, windows: bool, valid: bool) -> None:
    if valid:
        assert parse_host_name(name, windows=windows) == name
    else:
        with pytest.raises(EcsError) as caught:
            parse_host_name(name, windows=windows)
        assert (caught.value.code, caught.value.http_status) == ("InvalidHostName.Malformed", 400)


@pytest.mark.parametrize(
    ("password", "windows", "valid"),
    [
        ("Abcdefg1", False, True),
        ("abcdef1!", False, True),
        ("ABCDEF1(", False, True),
        ("abcdefgh", False, False),
        ("abcdefg1", False, False),
        ("Abc1!", False, False),
        ("Abcdefg1" * 4, False, False),
        ("Abcdefg1 ", False, False),
        ("Ábcdefg1", False, False),
        ("/Abcdefg1", False, True),
        ("/Abcdefg1", True, False),
    ],
)
def test_passwords(password: str, windows: bool, valid: bool) -> None:
    if valid:
        assert parse_password(password, windows=windows) == password
    else:
        with pytest.raises(EcsError) as caught:
            parse_password(password, windows=windows)
        assert (caught.value.code, caught.value.http_status) == ("InvalidPassword.Malformed", 400)


def test_user_data() -> None:
    script = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    assert parse_user_data(script) == script
    largest = base64.b64encode(b"x" * 32 * 1024).decode()
    assert parse_user_data(largest) == largest
    with pytest.raises(EcsError) as caught:
        parse_user_data(base64.b64encode(b"x" * (32 * 1024 + 1)).decode())
    assert (caught.value.code, caught.value.http_status) == ("InvalidUserData.SizeExceeded", 400)
    for bad in ("not base64!", "abc", "YWJj=YWJj"):
        with pytest.raises(EcsError) as caught:
            parse_user_data(bad)
        assert (caught.value.code, caught.value.http_status) == (
            "InvalidUserData.Base64FormatInvalid",
            403,
        )


# -- ModifyInstanceAttribute ------------------------------------------------------------------


@pytest.fixture
def attributes(store: SqliteStore, clock: FrozenClock) -> InstanceAttributes:
    tags = Tags(store)
    addresses = Addresses(store, IdFactory(seed=9), clock, Limits(), tags)
    queries = InstanceQueries(
        store, clock, tags, load_catalog(), Images(store, clock, tags), addresses
    )
    return InstanceAttributes(store, clock, Limits(), queries.os_of)


def _group(
    store: SqliteStore,
    clock: FrozenClock,
    group_id: str,
    *,
    vpc_id: str | None = "vpc-1",
    group_type: GroupType = GroupType.NORMAL,
) -> None:
    SecurityGroupRepository(store).save(
        SecurityGroup(
            group_id=group_id,
            account_id=ACCOUNT,
            region_id=REGION,
            vpc_id=vpc_id,
            name=group_id,
            description="",
            group_type=group_type,
            inner_access_policy=Policy.ACCEPT,
            rules=(),
            created_at=clock.now(),
        )
    )


def _refused(call: Callable[..., object], *args: object) -> tuple[str, int]:
    with pytest.raises(EcsError) as caught:
        call(*args)
    return caught.value.code, caught.value.http_status


def test_modify_changes_the_named_attributes_only(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-1", description="before")
    data = base64.b64encode(b"echo hi").decode()
    attributes.modify(
        ACCOUNT,
        "i-1",
        AttributeChanges(
            name="renamed", host_name="new-host", password="Passw0rd!", user_data=data
        ),
    )
    saved = InstanceRepository(store).get(ACCOUNT, "i-1")
    assert (saved.name, saved.host_name, saved.password, saved.user_data) == (
        "renamed",
        "new-host",
        "Passw0rd!",
        data,
    )
    assert saved.description == "before"
    attributes.modify(ACCOUNT, "i-1", AttributeChanges(deletion_protection=True))
    assert InstanceRepository(store).get(ACCOUNT, "i-1").deletion_protection


def test_modify_refusals(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-win", image_id=WINDOWS)
    save_instance(store, clock, "i-prepaid", instance_charge_type="PrePaid")
    save_instance(store, clock, "i-locked", locks=("security",))
    later = clock.now() + timedelta(seconds=5)
    save_instance(
        store,
        clock,
        "i-starting",
        status=InstanceStatus.STARTING,
        scheduled=(ScheduledStatus(InstanceStatus.RUNNING, later),),
    )
    cases = [
        ("i-missing", AttributeChanges(name="x1"), ("InvalidInstanceId.NotFound", 404)),
        ("i-win", AttributeChanges(host_name="a.b"), ("InvalidHostName.Malformed", 400)),
        ("i-win", AttributeChanges(password="/Passw0rd"), ("InvalidPassword.Malformed", 400)),
        (
            "i-prepaid",
            AttributeChanges(deletion_protection=True),
            ("InvalidChargeType.ValueNotSupported", 403),
        ),
        ("i-locked", AttributeChanges(name="ok-name"), ("InstanceLockedForSecurity", 403)),
        ("i-starting", AttributeChanges(password="Passw0rd!"), ("IncorrectInstanceStatus", 403)),
        ("i-starting", AttributeChanges(host_name="hosty"), ("IncorrectInstanceStatus", 403)),
    ]
    for instance_id, changes, expected in cases:
        assert _refused(attributes.modify, ACCOUNT, instance_id, changes) == expected
    # the name is checked (and refused) before anything is written
    assert InstanceRepository(store).get(ACCOUNT, "i-starting").name == "i-starting"
    attributes.modify(ACCOUNT, "i-starting", AttributeChanges(name="renamed"))
    attributes.modify(ACCOUNT, "i-prepaid", AttributeChanges(deletion_protection=False))
    clock.advance(5)
    attributes.modify(ACCOUNT, "i-starting", AttributeChanges(password="Passw0rd!"))


def test_security_groups_replace_the_primary_interface_membership(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-1", groups=("sg-a",))
    for group_id in ("sg-a", "sg-b", "sg-c"):
        _group(store, clock, group_id)
    attributes.modify(ACCOUNT, "i-1", AttributeChanges(security_group_ids=["sg-c", "sg-b"]))
    eni = NetworkInterfaceRepository(store).find("eni-i-1")
    assert eni is not None and eni.security_group_ids == ("sg-c", "sg-b")


def test_security_group_refusals(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-1", groups=("sg-a",))
    save_instance(store, clock, "i-classic", classic=True, groups=("sg-classic",))
    save_instance(store, clock, "i-pending", status=InstanceStatus.PENDING)
    for group_id in ("sg-a", "sg-b", "sg-c", "sg-d", "sg-e", "sg-f"):
        _group(store, clock, group_id)
    _group(store, clock, "sg-classic", vpc_id=None)
    _group(store, clock, "sg-elsewhere", vpc_id="vpc-2")
    _group(store, clock, "sg-enterprise", group_type=GroupType.ENTERPRISE)
    six = ["sg-a", "sg-b", "sg-c", "sg-d", "sg-e", "sg-f"]
    cases = [
        ("i-1", ["sg-a", "sg-a"], ("InvalidParameter.SecurityGroupIdRepeated", 404)),
        ("i-1", six, ("JoinedGroupLimitExceed", 400)),
        ("i-1", ["sg-a", "sg-missing"], ("InvalidSecurityGroupId.NotFound", 404)),
        ("i-1", ["sg-classic"], ("InvalidSecurityGroupType.NotSupportClassic", 404)),
        ("i-1", ["sg-a", "sg-elsewhere"], ("InvalidSecurityGroupVpc.NotBelongToOneVpc", 404)),
        ("i-1", ["sg-a", "sg-enterprise"], ("EnterpriseGroupLimited.MutliGroupType", 403)),
        ("i-classic", ["sg-classic"], ("InvalidNetworkType.NotSupported", 400)),
        ("i-pending", ["sg-a"], ("IncorrectInstanceStatus", 403)),
    ]
    for instance_id, groups, expected in cases:
        changes = AttributeChanges(security_group_ids=groups)
        assert _refused(attributes.modify, ACCOUNT, instance_id, changes) == expected
    eni = NetworkInterfaceRepository(store).find("eni-i-1")
    assert eni is not None and eni.security_group_ids == ("sg-a",)
    # a type change is allowed when the new groups are all of one type
    attributes.modify(ACCOUNT, "i-1", AttributeChanges(security_group_ids=["sg-enterprise"]))


# -- AllocatePublicIpAddress ------------------------------------------------------------------


def test_allocate_public_ip_claims_a_pool_address(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-1", internet_max_bandwidth_out=5)
    save_instance(store, clock, "i-2", internet_max_bandwidth_out=5, classic=True)
    first = attributes.allocate_public_ip(ACCOUNT, "i-1")
    second = attributes.allocate_public_ip(ACCOUNT, "i-2")
    assert first != second
    pool = AddressPool(store)
    assert pool.contains(first) and not pool.is_free(first) and not pool.is_free(second)
    assert InstanceRepository(store).get(ACCOUNT, "i-1").public_ip == str(first)


def test_allocate_public_ip_refusals(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-no-bandwidth")
    save_instance(store, clock, "i-1", internet_max_bandwidth_out=5)
    save_instance(store, clock, "i-2", internet_max_bandwidth_out=5)
    save_instance(store, clock, "i-3", internet_max_bandwidth_out=5, status=InstanceStatus.PENDING)
    taken = attributes.allocate_public_ip(ACCOUNT, "i-1", ipaddress.IPv4Address("198.18.3.3"))
    assert str(taken) == "198.18.3.3"
    cases = [
        ("i-no-bandwidth", None, ("AllocateIpInvalidInstanceBandwidth", 400)),
        ("i-1", None, ("AllocatedAlready", 403)),
        ("i-2", "198.18.3.3", ("IpInUse", 403)),
        ("i-2", "10.0.0.1", ("InvalidIpAddress.NotPublic", 403)),
        ("i-2", "8.8.8.8", ("InvalidIpAddress.NotFound", 404)),
        ("i-3", None, ("IncorrectInstanceStatus", 403)),
        ("i-missing", None, ("InvalidInstanceId.NotFound", 404)),
    ]
    for instance_id, text, expected in cases:
        requested = ipaddress.IPv4Address(text) if text else None
        refusal = _refused(attributes.allocate_public_ip, ACCOUNT, instance_id, requested)
        assert refusal == expected
    assert InstanceRepository(store).get(ACCOUNT, "i-2").public_ip == ""

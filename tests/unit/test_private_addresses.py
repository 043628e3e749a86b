"""Private addresses: vSwitch allocation with reserved addresses, requests, the classic pool."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from ecsim.control.private_addresses import CLASSIC_BLOCK, PrivateAddresses, mac_address
from ecsim.errors import EcsError
from ecsim.model.network import VSwitch
from ecsim.store.sqlite import SqliteStore

NOW = datetime(2024, 1, 2, tzinfo=UTC)


def _vswitch(cidr: str = "192.168.1.0/29") -> VSwitch:
    return VSwitch(
        vswitch_id="vsw-1",
        account_id="1",
        region_id="cn-hangzhou",
        vpc_id="vpc-1",
        zone_id="cn-hangzhou-h",
        cidr_block=ipaddress.IPv4Network(cidr),
        name="",
        description="",
        created_at=NOW,
        ready_at=NOW,
    )


def test_allocates_in_order_skipping_reserved_and_running_out() -> None:
    addresses = PrivateAddresses(SqliteStore(":memory:"))
    vswitch = _vswitch()  # .0 and .5-.7 are the system's: .1-.4 are usable
    got = [str(addresses.allocate(vswitch, f"eni-{i}")) for i in range(4)]
    assert got == ["192.168.1.1", "192.168.1.2", "192.168.1.3", "192.168.1.4"]
    with pytest.raises(EcsError) as caught:
        addresses.allocate(vswitch, "eni-x")
    assert caught.value.code == "InvalidVSwitchId.IpNotEnough"


def test_released_address_is_reused_after_wrap() -> None:
    addresses = PrivateAddresses(SqliteStore(":memory:"))
    vswitch = _vswitch()
    for i in range(4):
        addresses.allocate(vswitch, f"eni-{i}")
    addresses.release("vsw-1", "cn-hangzhou", ipaddress.IPv4Address("192.168.1.2"))
    assert str(addresses.allocate(vswitch, "eni-new")) == "192.168.1.2"
    assert addresses.holder("vsw-1", ipaddress.IPv4Address("192.168.1.2")) == "eni-new"


@pytest.mark.parametrize(
    ("requested", "code"),
    [
        ("192.168.1.0", "InvalidPrivateIpAddress"),
        ("192.168.1.6", "InvalidPrivateIpAddress"),
        ("10.0.0.1", "InvalidPrivateIpAddress"),
        ("192.168.1.3", "InvalidPrivateIpAddress.Duplicated"),
    ],
)
def test_requested_addresses_are_checked(requested: str, code: str) -> None:
    addresses = PrivateAddresses(SqliteStore(":memory:"))
    vswitch = _vswitch()
    addresses.allocate(vswitch, "eni-a", ipaddress.IPv4Address("192.168.1.3"))
    with pytest.raises(EcsError) as caught:
        addresses.allocate(vswitch, "eni-b", ipaddress.IPv4Address(requested))
    assert caught.value.code == code


def test_classic_addresses_are_shared_by_accounts_and_unique() -> None:
    addresses = PrivateAddresses(SqliteStore(":memory:"))
    first = addresses.allocate_classic("cn-qingdao", "1", "eni-a")
    second = addresses.allocate_classic("cn-qingdao", "2", "eni-b")
    assert first != second
    assert first in CLASSIC_BLOCK and second in CLASSIC_BLOCK


def test_mac_addresses_use_alibabas_oui_and_are_stable() -> None:
    assert mac_address("eni-1").startswith("00:16:3e:")
    assert mac_address("eni-1") == mac_address("eni-1")
    assert mac_address("eni-1") != mac_address("eni-2")

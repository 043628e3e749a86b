"""EIPs through the official SDKs: the ECS-version copies Packer calls (tea V3, tea v2 and the
old aliyunsdkecs) and the VPC product (alibabacloud_vpc20160428).

Association with a real interface is covered by tests/unit/test_addresses.py (instances do
not exist yet); here the API answers for unknown targets and the wrong states.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428 import models as vpc_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.AllocateEipAddressRequest import AllocateEipAddressRequest
from aliyunsdkecs.request.v20140526.AssociateEipAddressRequest import AssociateEipAddressRequest
from aliyunsdkecs.request.v20140526.DescribeEipAddressesRequest import (
    DescribeEipAddressesRequest,
)
from aliyunsdkecs.request.v20140526.ReleaseEipAddressRequest import ReleaseEipAddressRequest

from tests.support.cli import create_account
from tests.support.clients import acs_client, assert_refused, tea_ecs, tea_vpc
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
POOL = ipaddress.IPv4Network("198.18.0.0/15")


@pytest.fixture
def key(server: RunningServer) -> tuple[str, str]:
    account = create_account(server.url)
    return account["AccessKeyId"], account["AccessKeySecret"]


def _allocate(client: EcsClient, **fields: object) -> tuple[str, str]:
    request = ecs_models.AllocateEipAddressRequest(**({"region_id": REGION} | fields))
    body = client.allocate_eip_address(request).body
    return str(body.allocation_id), str(body.eip_address)


def _listed(client: EcsClient, **fields: object) -> list[str]:
    request = ecs_models.DescribeEipAddressesRequest(**({"region_id": REGION} | fields))
    body = client.describe_eip_addresses(request).body
    return [e.allocation_id for e in body.eip_addresses.eip_address]


# -- allocate and describe ---------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_allocate_eip_packer_style(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    allocation_id, address = _allocate(
        client, client_token=uuid.uuid4().hex, internet_charge_type="PayByTraffic"
    )
    assert allocation_id.startswith("eip-")
    assert ipaddress.IPv4Address(address) in POOL
    body = client.describe_eip_addresses(
        ecs_models.DescribeEipAddressesRequest(region_id=REGION, allocation_id=allocation_id)
    ).body
    (eip,) = body.eip_addresses.eip_address
    assert (eip.status, eip.ip_address, eip.region_id) == ("Available", address, REGION)
    assert (eip.bandwidth, eip.internet_charge_type, eip.charge_type) == (
        "5",
        "PayByTraffic",
        "PostPaid",
    )
    assert (eip.instance_id, eip.instance_type) == ("", "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", eip.allocation_time)


def test_allocate_eip_client_token_returns_the_first(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    token = uuid.uuid4().hex
    first = _allocate(client, client_token=token, bandwidth="10")
    assert _allocate(client, client_token=token, bandwidth="10") == first
    assert _listed(client) == [first[0]]


def test_addresses_are_unique_across_accounts_and_never_reused_soon(
    server: RunningServer, key: tuple[str, str]
) -> None:
    mine = tea_ecs(server.endpoint, key)
    other = create_account(server.url)
    theirs = tea_ecs(server.endpoint, (other["AccessKeyId"], other["AccessKeySecret"]))
    first_id, first = _allocate(mine)
    _, second = _allocate(theirs)
    _, third = _allocate(mine, region_id="cn-beijing")
    assert len({first, second, third}) == 3
    mine.release_eip_address(ecs_models.ReleaseEipAddressRequest(allocation_id=first_id))
    _, fourth = _allocate(mine)
    assert fourth not in (first, second, third)
    # another account cannot see or release mine
    assert _listed(theirs, eip_address=fourth) == []


def test_vpc_product_allocate_with_name_and_chosen_address(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_vpc(server.endpoint, key)
    chosen = "198.19.200.7"
    body = client.allocate_eip_address(
        vpc_models.AllocateEipAddressRequest(
            region_id=REGION,
            ip_address=chosen,
            name="build-ip",
            description="for the builder",
            bandwidth="200",
            isp="BGP_PRO",
        )
    ).body
    assert body.eip_address == chosen
    listed = client.describe_eip_addresses(
        vpc_models.DescribeEipAddressesRequest(region_id=REGION, eip_name="build-ip")
    ).body
    (eip,) = listed.eip_addresses.eip_address
    assert (eip.allocation_id, eip.ip_address, eip.name) == (body.allocation_id, chosen, "build-ip")
    assert (eip.description, eip.isp, eip.bandwidth, eip.netmode) == (
        "for the builder",
        "BGP_PRO",
        "200",
        "public",
    )
    assert eip.tags.tag == []

    def allocate(address: str) -> None:
        client.allocate_eip_address(
            vpc_models.AllocateEipAddressRequest(region_id=REGION, ip_address=address)
        )

    assert_refused(lambda: allocate(chosen), "Ip.Allocated", 400)
    assert_refused(lambda: allocate("8.8.8.8"), "ResourceNotFound.Ip", 400)
    assert_refused(lambda: allocate("198.18.0.0"), "ResourceNotFound.Ip", 400)
    assert_refused(lambda: allocate("not-an-ip"), "ResourceNotFound.Ip", 400)


def test_old_sdk_allocate_describe_release(server: RunningServer, key: tuple[str, str]) -> None:
    client = acs_client(server.endpoint, key)
    allocate = AllocateEipAddressRequest()
    allocate.set_Bandwidth("1")
    allocate.set_ClientToken(uuid.uuid4().hex)
    allocation_id = json.loads(client.do_action_with_exception(allocate))["AllocationId"]
    describe = DescribeEipAddressesRequest()
    describe.set_AllocationId(allocation_id)
    (eip,) = json.loads(client.do_action_with_exception(describe))["EipAddresses"]["EipAddress"]
    assert (eip["Status"], eip["Bandwidth"]) == ("Available", "1")
    assert eip["OperationLocks"] == {"LockReason": []}
    associate = AssociateEipAddressRequest()
    associate.set_AllocationId(allocation_id)
    associate.set_InstanceId("i-missing")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(associate)
    # misspelled exactly so in Alibaba's documentation
    assert caught.value.get_error_code() == "InvalidInstanId.NotFound"
    assert caught.value.get_http_status() == 404
    release = ReleaseEipAddressRequest()
    release.set_AllocationId(allocation_id)
    client.do_action_with_exception(release)
    assert json.loads(client.do_action_with_exception(describe))["TotalCount"] == 0


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"bandwidth": "0"}, "InvalidBandwidth.Malformed"),
        ({"bandwidth": "501"}, "InvalidBandwidth.Malformed"),
        (
            {"bandwidth": "201", "internet_charge_type": "PayByTraffic"},
            "InvalidBandwidth.Malformed",
        ),
        ({"bandwidth": "ten"}, "InvalidBandwidth.Malformed"),
        ({"bandwidth": "-5"}, "InvalidBandwidth.Malformed"),
        ({"internet_charge_type": "PayByHour"}, "InvalidParameter"),
        ({"isp": "Carrier"}, "IllegalParam.Isp"),
    ],
)
@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_allocate_eip_refuses_bad_input(
    server: RunningServer, key: tuple[str, str], fields: dict[str, str], code: str, signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    assert_refused(lambda: _allocate(client, **fields), code, 400)
    assert _listed(client) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "1starts-with-a-digit"}, "InvalidEipAddressName.Malformed"),
        ({"name": "has space"}, "InvalidEipAddressName.Malformed"),
        ({"name": "n" * 129}, "InvalidEipAddressName.Malformed"),
        ({"description": "x"}, "InvalidDescription.Malformed"),
        ({"description": "http://example.com"}, "InvalidDescription.Malformed"),
        ({"instance_charge_type": "PrePaid"}, "InvalidParameter"),
    ],
)
def test_vpc_product_allocate_refuses_bad_input(
    server: RunningServer, key: tuple[str, str], fields: dict[str, str], code: str
) -> None:
    client = tea_vpc(server.endpoint, key)
    assert_refused(
        lambda: client.allocate_eip_address(
            vpc_models.AllocateEipAddressRequest(region_id=REGION, **fields)
        ),
        code,
        400,
    )
    assert _listed(tea_ecs(server.endpoint, key)) == []


def test_allocate_eip_quota_is_twenty_per_region(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    for _ in range(20):
        _allocate(client)
    assert_refused(lambda: _allocate(client), "QuotaExceeded.Eip", 400)
    assert len(_listed(client, page_size=100)) == 20
    assert _allocate(client, region_id="cn-shanghai")


# -- associate, unassociate, release -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"instance_id": "i-missing"}, "InvalidInstanId.NotFound", 404),
        (
            {"instance_id": "eni-missing", "instance_type": "NetworkInterface"},
            "InvalidInstanId.NotFound",
            404,
        ),
        (
            {"instance_id": "ngw-1", "instance_type": "Nat"},
            "InvalidInstanceType.ValueNotSupported",
            400,
        ),
        (
            {"allocation_id": "eip-missing", "instance_id": "i-1"},
            "InvalidAllocationId.NotFound",
            404,
        ),
        ({"region_id": "cn-beijing", "instance_id": "i-1"}, "InvalidAllocationId.NotFound", 404),
    ],
)
@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_associate_eip_refuses(
    server: RunningServer,
    key: tuple[str, str],
    fields: dict[str, str],
    code: str,
    status: int,
    signature: str,
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    allocation_id, _ = _allocate(client)
    request = {"allocation_id": allocation_id} | fields
    assert_refused(
        lambda: client.associate_eip_address(ecs_models.AssociateEipAddressRequest(**request)),
        code,
        status,
    )
    assert _listed(client, status="Available") == [allocation_id]


def test_unassociate_an_available_eip_is_refused(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    allocation_id, _ = _allocate(client)
    assert_refused(
        lambda: client.unassociate_eip_address(
            ecs_models.UnassociateEipAddressRequest(allocation_id=allocation_id, instance_id="i-1")
        ),
        "IncorrectEipStatus",
        400,
    )
    vpc_client = tea_vpc(server.endpoint, key)
    assert_refused(
        lambda: vpc_client.unassociate_eip_address(
            vpc_models.UnassociateEipAddressRequest(allocation_id=allocation_id)
        ),
        "IncorrectEipStatus",
        400,
    )


def test_release_eip_twice_is_not_found(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_vpc(server.endpoint, key, signature="v2")
    allocation_id = client.allocate_eip_address(
        vpc_models.AllocateEipAddressRequest(region_id=REGION)
    ).body.allocation_id
    release = vpc_models.ReleaseEipAddressRequest(allocation_id=allocation_id, region_id=REGION)
    client.release_eip_address(release)
    assert_refused(lambda: client.release_eip_address(release), "InvalidAllocationId.NotFound", 404)


# -- describe filters --------------------------------------------------------------------------


def test_describe_eip_addresses_filters(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    (a, a_ip), (b, b_ip), (c, _) = (_allocate(client) for _ in range(3))
    assert _listed(client) == [a, b, c]
    assert _listed(client, allocation_id=f"{c},{a}") == [a, c]
    assert _listed(client, eip_address=b_ip) == [b]
    assert _listed(client, eip_address=f"{a_ip},{b_ip}") == [a, b]
    assert _listed(client, status="Available") == [a, b, c]
    assert _listed(client, status="InUse") == []
    assert _listed(client, associated_instance_type="EcsInstance") == []
    assert _listed(client, associated_instance_type="Nat") == []
    assert _listed(client, charge_type="PostPaid") == [a, b, c]
    assert _listed(client, charge_type="PrePaid") == []
    assert _listed(client, lock_reason="financial") == []
    assert _listed(client, isp="BGP") == [a, b, c]
    assert _listed(client, page_size=2, page_number=2) == [c]
    window = [
        ecs_models.DescribeEipAddressesRequestFilter(
            key="CreationStartTime", value="2000-01-01T00:00Z"
        ),
        ecs_models.DescribeEipAddressesRequestFilter(
            key="CreationEndTime", value="2999-01-01T00:00Z"
        ),
    ]
    assert _listed(client, filter=window) == [a, b, c]
    future = [
        ecs_models.DescribeEipAddressesRequestFilter(
            key="CreationStartTime", value="2999-01-01T00:00Z"
        )
    ]
    assert _listed(client, filter=future) == []


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"status": "Broken"}, "InvalidParameter", 400),
        (
            {"associated_instance_type": "Router"},
            "InvalidIAssociatedInstanceType.ValueNotSupported",
            400,
        ),
        ({"charge_type": "Monthly"}, "InvalidChargeType.ValueNotSupported", 400),
        ({"lock_reason": "fun"}, "InvalidLockReason.NotFound", 404),
        ({"allocation_id": ",".join(f"eip-{n}" for n in range(51))}, "InvalidParameter", 400),
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
    ],
)
def test_describe_eip_addresses_refuses_bad_filters(
    server: RunningServer, key: tuple[str, str], fields: dict[str, str], code: str, status: int
) -> None:
    client = tea_ecs(server.endpoint, key)
    assert_refused(lambda: _listed(client, **fields), code, status)


@pytest.mark.parametrize(
    ("filter_key", "value", "code"),
    [
        ("CreationTime", "2020-01-01T00:00Z", "InvalidFilterKey.NotFound"),
        ("CreationStartTime", "2020-01-01", "InvalidFilterValue"),
        ("CreationEndTime", "2020-13-01T00:00Z", "InvalidFilterValue"),
    ],
)
def test_describe_eip_addresses_refuses_bad_filter_pairs(
    server: RunningServer, key: tuple[str, str], filter_key: str, value: str, code: str
) -> None:
    client = tea_vpc(server.endpoint, key)
    request = vpc_models.DescribeEipAddressesRequest(
        region_id=REGION,
        filter=[vpc_models.DescribeEipAddressesRequestFilter(key=filter_key, value=value)],
    )
    assert_refused(lambda: client.describe_eip_addresses(request), code, 404)

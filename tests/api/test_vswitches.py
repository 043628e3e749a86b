"""vSwitches through the official SDKs: the ECS-version copies Packer calls (tea V3, tea v2
and the old aliyunsdkecs) and the VPC product (alibabacloud_vpc20160428).

Every test works in an account of its own.
"""

from __future__ import annotations

import json
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428 import models as vpc_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateVSwitchRequest import CreateVSwitchRequest
from aliyunsdkecs.request.v20140526.DeleteVSwitchRequest import DeleteVSwitchRequest
from aliyunsdkecs.request.v20140526.DescribeVSwitchesRequest import DescribeVSwitchesRequest

from tests.support.cli import create_account
from tests.support.clients import acs_client, assert_refused, tea_ecs, tea_vpc
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"


@pytest.fixture
def account(server: RunningServer) -> dict[str, str]:
    return create_account(server.url)


@pytest.fixture
def key(account: dict[str, str]) -> tuple[str, str]:
    return account["AccessKeyId"], account["AccessKeySecret"]


def _vpc(client: EcsClient, cidr: str = "172.16.0.0/12", region: str = REGION) -> str:
    request = ecs_models.CreateVpcRequest(region_id=region, cidr_block=cidr)
    return str(client.create_vpc(request).body.vpc_id)


def _vswitch(client: EcsClient, vpc_id: str, cidr: str, zone: str = ZONE, **fields: object) -> str:
    request = ecs_models.CreateVSwitchRequest(
        vpc_id=vpc_id, zone_id=zone, cidr_block=cidr, **fields
    )
    return str(client.create_vswitch(request).body.v_switch_id)


def _listed(client: EcsClient, **fields: object) -> list[str]:
    request = ecs_models.DescribeVSwitchesRequest(**({"region_id": REGION} | fields))
    return [s.v_switch_id for s in client.describe_vswitches(request).body.v_switches.v_switch]


# -- create and describe ---------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_vswitch_packer_style_is_available_at_once(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    vpc_id = _vpc(client)
    vswitch_id = _vswitch(client, vpc_id, "172.16.0.0/24", client_token=uuid.uuid4().hex)
    assert vswitch_id.startswith("vsw-")
    body = client.describe_vswitches(
        ecs_models.DescribeVSwitchesRequest(region_id=REGION, vpc_id=vpc_id, v_switch_id=vswitch_id)
    ).body
    assert body.total_count == 1
    (vswitch,) = body.v_switches.v_switch
    assert vswitch.status == "Available"
    assert (vswitch.vpc_id, vswitch.zone_id, vswitch.cidr_block) == (
        vpc_id,
        ZONE,
        "172.16.0.0/24",
    )
    # 256 addresses less the first and the last three
    assert vswitch.available_ip_address_count == 252
    assert vswitch.is_default is False
    (vpc,) = client.describe_vpcs(
        ecs_models.DescribeVpcsRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.vpcs.vpc
    assert vpc.v_switch_ids.v_switch_id == [vswitch_id]


def test_create_vswitch_client_token_returns_the_first(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    vpc_id = _vpc(client)
    token = uuid.uuid4().hex
    first = _vswitch(client, vpc_id, "172.16.0.0/24", client_token=token)
    assert _vswitch(client, vpc_id, "172.16.0.0/24", client_token=token) == first
    assert _listed(client) == [first]


def test_vpc_product_vswitch_with_tags_route_table_and_owner(
    server: RunningServer, account: dict[str, str], key: tuple[str, str]
) -> None:
    client = tea_vpc(server.endpoint, key)
    vpc = client.create_vpc(
        vpc_models.CreateVpcRequest(region_id=REGION, cidr_block="192.168.0.0/16")
    ).body
    vswitch_id = client.create_vswitch(
        vpc_models.CreateVSwitchRequest(
            vpc_id=vpc.vpc_id,
            zone_id=ZONE,
            cidr_block="192.168.1.0/29",
            v_switch_name="tiny",
            description="eight addresses",
            tag=[vpc_models.CreateVSwitchRequestTag(key="team", value="net")],
        )
    ).body.v_switch_id
    client.create_vswitch(
        vpc_models.CreateVSwitchRequest(
            vpc_id=vpc.vpc_id, zone_id="cn-hangzhou-j", cidr_block="192.168.2.0/24"
        )
    )
    # VpcId alone names the region
    body = client.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(
            vpc_id=vpc.vpc_id, tag=[vpc_models.DescribeVSwitchesRequestTag(key="team", value="net")]
        )
    ).body
    (vswitch,) = body.v_switches.v_switch
    assert vswitch.v_switch_id == vswitch_id
    assert (vswitch.v_switch_name, vswitch.description) == ("tiny", "eight addresses")
    assert vswitch.available_ip_address_count == 4
    assert [(t.key, t.value) for t in vswitch.tags.tag] == [("team", "net")]
    assert vswitch.route_table.route_table_id == vpc.route_table_id
    assert vswitch.route_table.route_table_type == "System"
    assert str(vswitch.owner_id) == account["AccountId"]
    by_zone = client.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(region_id=REGION, zone_id="cn-hangzhou-j")
    ).body
    assert [s.cidr_block for s in by_zone.v_switches.v_switch] == ["192.168.2.0/24"]
    by_name = client.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(region_id=REGION, v_switch_name="tiny")
    ).body
    assert [s.v_switch_id for s in by_name.v_switches.v_switch] == [vswitch_id]


def test_old_sdk_create_describe_delete(server: RunningServer, key: tuple[str, str]) -> None:
    vpc_id = _vpc(tea_ecs(server.endpoint, key))
    client = acs_client(server.endpoint, key)
    create = CreateVSwitchRequest()
    create.set_VpcId(vpc_id)
    create.set_ZoneId("cn-hangzhou-h")
    create.set_CidrBlock("172.16.8.0/21")
    vswitch_id = json.loads(client.do_action_with_exception(create))["VSwitchId"]
    describe = DescribeVSwitchesRequest()
    describe.set_VpcId(vpc_id)
    body = json.loads(client.do_action_with_exception(describe))
    (vswitch,) = body["VSwitches"]["VSwitch"]
    assert (vswitch["VSwitchId"], vswitch["Status"]) == (vswitch_id, "Available")
    assert vswitch["AvailableIpAddressCount"] == 2048 - 4
    delete = DeleteVSwitchRequest()
    delete.set_VSwitchId(vswitch_id)
    client.do_action_with_exception(delete)
    assert json.loads(client.do_action_with_exception(describe))["TotalCount"] == 0
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(delete)
    assert caught.value.get_error_code() == "InvalidVSwitchId.NotFound"
    assert caught.value.get_http_status() == 404


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "code"),
    [
        ("10.0.0.0/24", "InvalidParameter"),
        ("172.0.0.0/11", "InvalidCirdrBlock.MaskLength"),
        ("172.16.0.0/15", "InvalidCirdrBlock.MaskLength"),
        ("172.16.0.0/30", "InvalidCirdrBlock.MaskLength"),
        ("172.16.0.5/24", "InvalidCidrBlock.Malformed"),
        ("172.16.0.0", "InvalidCidrBlock.Malformed"),
        ("172.16.1.128/25", "InvalidCidrBlock.Overlapped"),
        ("172.16.0.0/16", "InvalidCidrBlock.Overlapped"),
    ],
)
@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_vswitch_refuses_bad_blocks(
    server: RunningServer, key: tuple[str, str], cidr: str, code: str, signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    vpc_id = _vpc(client)
    existing = _vswitch(client, vpc_id, "172.16.1.0/24")
    assert_refused(lambda: _vswitch(client, vpc_id, cidr), code, 400)
    assert _listed(client) == [existing]


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"zone_id": "cn-hangzhou-z"}, "InvalidZoneId.NotFound", 404),
        ({"zone_id": "cn-beijing-a"}, "InvalidZoneId.NotFound", 404),
        ({"vpc_id": "vpc-missing"}, "InvalidVpcId.NotFound", 404),
        ({"region_id": "cn-beijing"}, "InvalidVpcId.NotFound", 404),
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
        ({"v_switch_name": "http://x"}, "InvalidVSwitchName.Malformed", 400),
        ({"v_switch_name": "n" * 129}, "InvalidVSwitchName.Malformed", 400),
        ({"description": "https://x"}, "InvalidVSwitchDiscription.Malformed", 400),
        ({"description": "d" * 257}, "InvalidVSwitchDiscription.Malformed", 400),
        ({"zone_id": ""}, "MissingParameter", 400),
    ],
)
def test_create_vswitch_refuses_bad_attributes(
    server: RunningServer, key: tuple[str, str], fields: dict[str, str], code: str, status: int
) -> None:
    client = tea_ecs(server.endpoint, key)
    vpc_id = _vpc(client)
    request = {"vpc_id": vpc_id, "zone_id": ZONE, "cidr_block": "172.16.0.0/24"} | fields
    assert_refused(
        lambda: client.create_vswitch(ecs_models.CreateVSwitchRequest(**request)), code, status
    )
    assert _listed(client) == []


def test_create_vswitch_in_another_accounts_vpc(
    server: RunningServer, key: tuple[str, str]
) -> None:
    vpc_id = _vpc(tea_ecs(server.endpoint, key))
    other = create_account(server.url)
    theirs = tea_ecs(server.endpoint, (other["AccessKeyId"], other["AccessKeySecret"]))
    assert_refused(lambda: _vswitch(theirs, vpc_id, "172.16.0.0/24"), "InvalidVpcId.NotFound", 404)
    assert _listed(theirs, vpc_id=vpc_id) == []


def test_describe_vswitches_needs_a_region_or_a_vpc(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    assert_refused(
        lambda: client.describe_vswitches(ecs_models.DescribeVSwitchesRequest()),
        "MissingParameter",
        400,
    )


def test_describe_vswitches_filters_and_pages(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    first_vpc, second_vpc = _vpc(client), _vpc(client, "10.0.0.0/16")
    a = _vswitch(client, first_vpc, "172.16.0.0/24")
    b = _vswitch(client, first_vpc, "172.16.1.0/24", zone="cn-hangzhou-k")
    c = _vswitch(client, second_vpc, "10.0.0.0/24")
    assert _listed(client) == [a, b, c]
    assert _listed(client, vpc_id=first_vpc) == [a, b]
    assert _listed(client, v_switch_id=c) == [c]
    assert _listed(client, zone_id="cn-hangzhou-k") == [b]
    assert _listed(client, is_default=True) == []
    assert _listed(client, page_size=2, page_number=2) == [c]
    assert _listed(client, region_id="cn-beijing") == []


# -- modify and delete -------------------------------------------------------------------------


def test_modify_vswitch_attribute(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    vswitch_id = _vswitch(client, _vpc(client), "172.16.0.0/24", v_switch_name="old")
    client.modify_vswitch_attribute(
        ecs_models.ModifyVSwitchAttributeRequest(
            v_switch_id=vswitch_id, v_switch_name="new", description="renamed"
        )
    )
    (vswitch,) = client.describe_vswitches(
        ecs_models.DescribeVSwitchesRequest(region_id=REGION)
    ).body.v_switches.v_switch
    assert (vswitch.v_switch_name, vswitch.description) == ("new", "renamed")
    assert_refused(
        lambda: client.modify_vswitch_attribute(
            ecs_models.ModifyVSwitchAttributeRequest(v_switch_id=vswitch_id, description="http://")
        ),
        "InvalidVSwitchDiscription.Malformed",
        400,
    )
    assert_refused(
        lambda: client.modify_vswitch_attribute(
            ecs_models.ModifyVSwitchAttributeRequest(v_switch_id="vsw-missing", description="x")
        ),
        "InvalidVSwitchId.NotFound",
        404,
    )


def test_delete_vswitch_vpc_product(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_vpc(server.endpoint, key, signature="v2")
    vpc_id = client.create_vpc(vpc_models.CreateVpcRequest(region_id=REGION)).body.vpc_id
    vswitch_id = client.create_vswitch(
        vpc_models.CreateVSwitchRequest(vpc_id=vpc_id, zone_id=ZONE, cidr_block="172.16.0.0/16")
    ).body.v_switch_id
    assert_refused(
        lambda: client.delete_vswitch(
            vpc_models.DeleteVSwitchRequest(v_switch_id=vswitch_id, region_id="cn-beijing")
        ),
        "InvalidVSwitchId.NotFound",
        404,
    )
    client.delete_vswitch(vpc_models.DeleteVSwitchRequest(v_switch_id=vswitch_id))
    client.delete_vpc(vpc_models.DeleteVpcRequest(vpc_id=vpc_id))
    assert (
        client.describe_vpcs(vpc_models.DescribeVpcsRequest(region_id=REGION)).body.vpcs.vpc == []
    )

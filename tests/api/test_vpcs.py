"""VPCs through the official SDKs: the ECS-version copies Packer calls (tea V3, tea v2, old
aliyunsdkecs) and the VPC product (alibabacloud_vpc20160428); one fresh account per test."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428 import models as vpc_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateVpcRequest import CreateVpcRequest
from aliyunsdkecs.request.v20140526.DeleteVpcRequest import DeleteVpcRequest
from aliyunsdkecs.request.v20140526.DescribeVpcsRequest import DescribeVpcsRequest

from tests.support.cli import create_account
from tests.support.clients import acs_client, assert_refused, tea_ecs, tea_vpc
from tests.support.server import RunningServer

REGION = "cn-hangzhou"


@pytest.fixture
def account(server: RunningServer) -> dict[str, str]:
    """A fresh account: an empty region and full quotas for each test."""
    return create_account(server.url)


@pytest.fixture
def key(account: dict[str, str]) -> tuple[str, str]:
    return account["AccessKeyId"], account["AccessKeySecret"]


def _ecs_vpc(client: EcsClient, **fields: object) -> str:
    request = ecs_models.CreateVpcRequest(region_id=REGION, **fields)
    return str(client.create_vpc(request).body.vpc_id)


def _count(client: EcsClient, region: str = REGION) -> int:
    body = client.describe_vpcs(ecs_models.DescribeVpcsRequest(region_id=region)).body
    return int(body.total_count)


# -- create and describe ---------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_vpc_packer_style_is_available_at_once(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    created = client.create_vpc(
        ecs_models.CreateVpcRequest(region_id=REGION, client_token=uuid.uuid4().hex)
    ).body
    assert created.vpc_id.startswith("vpc-")
    assert created.vrouter_id.startswith("vrt-")
    assert created.route_table_id.startswith("vtb-")
    body = client.describe_vpcs(
        ecs_models.DescribeVpcsRequest(region_id=REGION, vpc_id=created.vpc_id)
    ).body
    assert (body.total_count, body.page_number, body.page_size) == (1, 1, 10)
    (vpc,) = body.vpcs.vpc
    assert vpc.status == "Available"
    # no CidrBlock: the documented default
    assert vpc.cidr_block == "172.16.0.0/12"
    assert vpc.region_id == REGION
    assert vpc.is_default is False
    assert vpc.v_switch_ids.v_switch_id == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", vpc.creation_time)


def test_create_vpc_with_name_description_and_user_cidrs(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    vpc_id = _ecs_vpc(
        client,
        cidr_block="10.0.0.0/8",
        vpc_name="build-net",
        description="Packer builds",
        user_cidr="192.168.0.0/16, 172.16.0.0/12",
    )
    body = client.describe_vpcs(ecs_models.DescribeVpcsRequest(region_id=REGION)).body
    (vpc,) = body.vpcs.vpc
    assert (vpc.vpc_id, vpc.cidr_block, vpc.vpc_name, vpc.description) == (
        vpc_id,
        "10.0.0.0/8",
        "build-net",
        "Packer builds",
    )
    assert vpc.user_cidrs.user_cidr == ["192.168.0.0/16", "172.16.0.0/12"]


def test_create_vpc_client_token_returns_the_first_vpc(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    token = uuid.uuid4().hex
    first = _ecs_vpc(client, cidr_block="192.168.0.0/16", client_token=token)
    again = _ecs_vpc(client, cidr_block="192.168.0.0/16", client_token=token)
    assert first == again
    assert _count(client) == 1
    assert_refused(
        lambda: _ecs_vpc(client, cidr_block="10.0.0.0/16", client_token=token),
        "IdempotentParameterMismatch",
        400,
    )


def test_vpc_product_create_with_tags_and_describe_by_tag(
    server: RunningServer, account: dict[str, str], key: tuple[str, str]
) -> None:
    client = tea_vpc(server.endpoint, key)
    tagged = client.create_vpc(
        vpc_models.CreateVpcRequest(
            region_id=REGION,
            cidr_block="192.168.0.0/16",
            vpc_name="tagged",
            tag=[vpc_models.CreateVpcRequestTag(key="env", value="ci")],
        )
    ).body
    client.create_vpc(vpc_models.CreateVpcRequest(region_id=REGION, vpc_name="plain"))
    body = client.describe_vpcs(
        vpc_models.DescribeVpcsRequest(
            region_id=REGION, tag=[vpc_models.DescribeVpcsRequestTag(key="env")]
        )
    ).body
    (vpc,) = body.vpcs.vpc
    assert vpc.vpc_id == tagged.vpc_id
    assert [(t.key, t.value) for t in vpc.tags.tag] == [("env", "ci")]
    assert vpc.router_table_ids.router_table_ids == [tagged.route_table_id]
    assert str(vpc.owner_id) == account["AccountId"]
    assert vpc.vpc_name == "tagged"
    by_name = client.describe_vpcs(
        vpc_models.DescribeVpcsRequest(region_id=REGION, vpc_name="plain")
    ).body
    assert [v.vpc_name for v in by_name.vpcs.vpc] == ["plain"]


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_vpc_product_dry_run_creates_nothing(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_vpc(server.endpoint, key, signature=signature)
    assert_refused(
        lambda: client.create_vpc(vpc_models.CreateVpcRequest(region_id=REGION, dry_run=True)),
        "DryRunOperation",
        400,
    )
    assert _count(tea_ecs(server.endpoint, key)) == 0


def test_old_sdk_create_describe_delete(server: RunningServer, key: tuple[str, str]) -> None:
    client = acs_client(server.endpoint, key)
    create = CreateVpcRequest()
    create.set_CidrBlock("10.10.0.0/16")
    create.set_ClientToken(uuid.uuid4().hex)
    vpc_id = json.loads(client.do_action_with_exception(create))["VpcId"]
    describe = DescribeVpcsRequest()
    describe.set_VpcId(vpc_id)
    body = json.loads(client.do_action_with_exception(describe))
    assert body["Vpcs"]["Vpc"][0]["Status"] == "Available"
    assert body["Vpcs"]["Vpc"][0]["CidrBlock"] == "10.10.0.0/16"
    delete = DeleteVpcRequest()
    delete.set_VpcId(vpc_id)
    client.do_action_with_exception(delete)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(delete)
    assert caught.value.get_error_code() == "InvalidVpcId.NotFound"
    assert caught.value.get_http_status() == 404


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidr",
    [
        "10.0.0.0",
        "10.0.0.0/7",
        "10.0.0.0/29",
        "10.0.0.1/8",
        "10.0.0.0/255.0.0.0",
        "300.0.0.0/8",
        "not-a-block",
        "100.64.0.0/10",
        "100.100.0.0/16",
        "224.0.0.0/8",
        "127.0.0.0/16",
        "169.254.0.0/16",
        "96.0.0.0/4",
    ],
)
def test_create_vpc_refuses_bad_blocks(
    server: RunningServer, key: tuple[str, str], cidr: str
) -> None:
    client = tea_ecs(server.endpoint, key)
    assert_refused(lambda: _ecs_vpc(client, cidr_block=cidr), "InvalidCidrBlock.Malformed", 400)
    assert _count(client) == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"vpc_name": "http://example.com"}, "InvalidVpcName.Malformed"),
        ({"vpc_name": "x" * 129}, "InvalidVpcName.Malformed"),
        ({"description": "HTTPS://example.com"}, "InvalidVpcDiscription.Malformed"),
        ({"description": "d" * 257}, "InvalidVpcDiscription.Malformed"),
        ({"user_cidr": "10.0.0.0/8,10.1.0.0/16,10.2.0.0/16,10.3.0.0/16"}, "InvalidUserCidr.Quota"),
        ({"user_cidr": "10.0.0.1/8"}, "IllegalParam.UserCidr"),
        ({"user_cidr": "100.64.1.0/24"}, "InvalidUserCidr.Malformed"),
    ],
)
def test_create_vpc_refuses_bad_attributes(
    server: RunningServer, key: tuple[str, str], fields: dict[str, str], code: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature="v2")
    assert_refused(lambda: _ecs_vpc(client, **fields), code, 400)
    assert _count(client) == 0


def test_create_vpc_quota_is_ten_per_region(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    for _ in range(10):
        _ecs_vpc(client)
    assert_refused(lambda: _ecs_vpc(client), "QuotaExceeded.Vpc", 400)
    assert _count(client) == 10
    # the quota is per region
    beijing = ecs_models.CreateVpcRequest(region_id="cn-beijing")
    assert client.create_vpc(beijing).body.vpc_id


def test_create_vpc_unknown_region(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    assert_refused(
        lambda: client.create_vpc(ecs_models.CreateVpcRequest(region_id="cn-atlantis")),
        "InvalidRegionId.NotFound",
        404,
    )


# -- describe filters --------------------------------------------------------------------------


def test_describe_vpcs_filters_and_pages(server: RunningServer, key: tuple[str, str]) -> None:
    client = tea_ecs(server.endpoint, key)
    ids = [_ecs_vpc(client, vpc_name=f"net-{n}") for n in range(3)]

    def listed(**fields: object) -> list[str]:
        request = ecs_models.DescribeVpcsRequest(**({"region_id": REGION} | fields))
        return [v.vpc_id for v in client.describe_vpcs(request).body.vpcs.vpc]

    assert listed() == ids
    assert listed(vpc_id=f"{ids[2]},{ids[0]}") == [ids[0], ids[2]]
    assert listed(vpc_id="vpc-unknown") == []
    # no default VPC exists in ecsim
    assert listed(is_default=True) == []
    assert listed(is_default=False) == ids
    assert listed(page_size=2) == ids[:2]
    assert listed(page_size=2, page_number=2) == ids[2:]
    assert listed(region_id="cn-beijing") == []
    too_many = ",".join(f"vpc-{n}" for n in range(21))
    assert_refused(lambda: listed(vpc_id=too_many), "InvalidVpcIdNumber.NotSupported", 400)
    assert_refused(lambda: listed(page_size=0), "InvalidParameter", 400)


def test_vpcs_are_private_to_their_account(server: RunningServer, key: tuple[str, str]) -> None:
    mine = tea_ecs(server.endpoint, key)
    vpc_id = _ecs_vpc(mine)
    other = create_account(server.url)
    theirs = tea_ecs(server.endpoint, (other["AccessKeyId"], other["AccessKeySecret"]))
    assert _count(theirs) == 0
    assert_refused(
        lambda: theirs.delete_vpc(ecs_models.DeleteVpcRequest(vpc_id=vpc_id)),
        "InvalidVpcId.NotFound",
        404,
    )
    their_vpc_client = tea_vpc(server.endpoint, (other["AccessKeyId"], other["AccessKeySecret"]))
    assert_refused(
        lambda: their_vpc_client.modify_vpc_attribute(
            vpc_models.ModifyVpcAttributeRequest(vpc_id=vpc_id, vpc_name="mine")
        ),
        "InvalidVpcId.NotFound",
        404,
    )
    assert _count(mine) == 1


# -- modify ----------------------------------------------------------------------------------


def test_modify_vpc_attribute_renames_and_resizes(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_ecs(server.endpoint, key)
    vpc_id = _ecs_vpc(client, cidr_block="10.0.0.0/16", vpc_name="old")
    client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            vpc_id=vpc_id, zone_id="cn-hangzhou-i", cidr_block="10.0.1.0/24"
        )
    )

    def modify(**fields: object) -> None:
        client.modify_vpc_attribute(
            ecs_models.ModifyVpcAttributeRequest(vpc_id=vpc_id, region_id=REGION, **fields)
        )

    modify(vpc_name="new", description="renamed")
    modify(cidr_block="10.0.0.0/12")
    (vpc,) = client.describe_vpcs(ecs_models.DescribeVpcsRequest(region_id=REGION)).body.vpcs.vpc
    assert (vpc.vpc_name, vpc.description, vpc.cidr_block) == ("new", "renamed", "10.0.0.0/12")
    # shrinking away from the vSwitch, moving elsewhere, and malformed blocks are refused
    assert_refused(lambda: modify(cidr_block="10.0.2.0/24"), "IllegalCidrBlock", 400)
    assert_refused(lambda: modify(cidr_block="192.168.0.0/16"), "InvalidCidrBlock.Malformed", 400)
    assert_refused(lambda: modify(cidr_block="10.0.0.0/30"), "InvalidCidrBlock.Malformed", 400)
    assert_refused(lambda: modify(vpc_name="https://x"), "InvalidVpcName.Malformed", 400)
    # a failed call changes nothing, not even the fields that were valid
    assert_refused(
        lambda: modify(vpc_name="partial", cidr_block="10.0.2.0/24"), "IllegalCidrBlock", 400
    )
    (vpc,) = client.describe_vpcs(ecs_models.DescribeVpcsRequest(region_id=REGION)).body.vpcs.vpc
    assert (vpc.vpc_name, vpc.cidr_block) == ("new", "10.0.0.0/12")


# -- delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_delete_vpc_waits_for_its_vswitches(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    vpc_id = _ecs_vpc(client)
    vswitch_id = client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            vpc_id=vpc_id, zone_id="cn-hangzhou-h", cidr_block="172.16.0.0/24"
        )
    ).body.v_switch_id
    delete = ecs_models.DeleteVpcRequest(vpc_id=vpc_id, region_id=REGION)
    assert_refused(lambda: client.delete_vpc(delete), "DependencyViolation.VSwitch", 400)
    assert _count(client) == 1
    client.delete_vswitch(ecs_models.DeleteVSwitchRequest(v_switch_id=vswitch_id))
    client.delete_vpc(delete)
    assert _count(client) == 0
    assert_refused(lambda: client.delete_vpc(delete), "InvalidVpcId.NotFound", 404)


def test_delete_vpc_in_another_region_is_not_found(
    server: RunningServer, key: tuple[str, str]
) -> None:
    client = tea_vpc(server.endpoint, key)
    vpc_id = client.create_vpc(vpc_models.CreateVpcRequest(region_id=REGION)).body.vpc_id
    assert_refused(
        lambda: client.delete_vpc(
            vpc_models.DeleteVpcRequest(vpc_id=vpc_id, region_id="cn-beijing")
        ),
        "InvalidVpcId.NotFound",
        404,
    )
    assert_refused(
        lambda: client.delete_vpc(
            vpc_models.DeleteVpcRequest(vpc_id=vpc_id, region_id=REGION, dry_run=True)
        ),
        "DryRunOperation",
        400,
    )
    client.delete_vpc(vpc_models.DeleteVpcRequest(vpc_id=vpc_id, region_id=REGION))

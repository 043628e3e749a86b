"""Security groups through the official SDKs: create, describe, delete (the group's own
attributes, policy and references are in test_security_group_attributes.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DeleteSecurityGroupRequest import DeleteSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import (
    DescribeSecurityGroupsRequest,
)

from tests.support.cli import create_account
from tests.support.clients import acs_client, refusal, tea_ecs
from tests.support.server import RunningServer

HZ = "cn-hangzhou"


def fresh_client(server: RunningServer, signature: str = "v3") -> EcsClient:
    """A client of a new account, so counts and listings are the test's own."""
    account = create_account(server.url)
    key = (account["AccessKeyId"], account["AccessKeySecret"])
    return tea_ecs(server.endpoint, key, signature=signature)


def create_group(client: EcsClient, region: str = HZ, **fields: Any) -> str:
    request = ecs.CreateSecurityGroupRequest(region_id=region, **fields)
    group_id: str = client.create_security_group(request).body.security_group_id
    return group_id


def create_vpc(client: EcsClient, region: str = HZ) -> str:
    request = ecs.CreateVpcRequest(region_id=region, cidr_block="192.168.0.0/16")
    vpc_id: str = client.create_vpc(request).body.vpc_id
    return vpc_id


def listed(client: EcsClient, region: str = HZ, **filters: Any) -> list[Any]:
    request = ecs.DescribeSecurityGroupsRequest(region_id=region, **{"page_size": 50, **filters})
    groups: list[Any] = client.describe_security_groups(request).body.security_groups.security_group
    return groups


# -- create and describe -----------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_and_describe_a_group(server: RunningServer, signature: str) -> None:
    client = fresh_client(server, signature)
    group_id = create_group(
        client,
        security_group_name="web-tier",
        description="public web servers",
        resource_group_id="rg-demo",
        tag=[
            ecs.CreateSecurityGroupRequestTag(key="env", value="prod"),
            ecs.CreateSecurityGroupRequestTag(key="team", value=""),
        ],
    )
    assert group_id.startswith("sg-")
    (group,) = listed(client)
    assert group.security_group_id == group_id
    assert group.security_group_name == "web-tier"
    assert group.description == "public web servers"
    assert group.security_group_type == "normal"
    assert group.vpc_id == ""
    assert group.resource_group_id == "rg-demo"
    assert (group.ecs_count, group.available_instance_amount) == (0, 1000)
    assert (group.rule_count, group.group_to_group_rule_count) == (0, 0)
    assert group.service_managed is False
    assert len(group.creation_time) == len("2021-08-31T03:12:29Z")
    assert group.creation_time.endswith("Z")
    assert [(t.tag_key, t.tag_value) for t in group.tags.tag] == [("env", "prod"), ("team", "")]


def test_vpc_groups_basic_and_enterprise(server: RunningServer) -> None:
    client = fresh_client(server)
    vpc_id = create_vpc(client)
    basic = create_group(client, vpc_id=vpc_id)
    enterprise = create_group(client, vpc_id=vpc_id, security_group_type="enterprise")
    shown = {g.security_group_id: g for g in listed(client, vpc_id=vpc_id)}
    assert shown[basic].security_group_type == "normal"
    assert shown[basic].available_instance_amount == 2000
    assert shown[enterprise].security_group_type == "enterprise"
    assert shown[enterprise].available_instance_amount == 65536
    policies = {
        group_id: client.describe_security_group_attribute(
            ecs.DescribeSecurityGroupAttributeRequest(region_id=HZ, security_group_id=group_id)
        ).body.inner_access_policy
        for group_id in (basic, enterprise)
    }
    assert policies == {basic: "Accept", enterprise: "Drop"}


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"security_group_name": "1-starts-with-digit"}, "InvalidSecurityGroupName.Malformed", 400),
        ({"security_group_name": "http://x"}, "InvalidSecurityGroupName.Malformed", 400),
        ({"description": "x"}, "InvalidSecurityGroupDiscription.Malformed", 400),
        ({"description": "https://evil"}, "InvalidSecurityGroupDiscription.Malformed", 400),
        ({"security_group_type": "premium"}, "InvalidParams.GroupType", 400),
        ({"security_group_type": "enterprise"}, "InvalidParams.VpcIdGroupType", 400),
        ({"vpc_id": "vpc-doesnotexist"}, "InvalidVpcId.NotFound", 404),
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
        (
            {"tag": [ecs.CreateSecurityGroupRequestTag(key="aliyun-x", value="v")]},
            "InvalidTagKey.Malformed",
            400,
        ),
        (
            {
                "tag": [
                    ecs.CreateSecurityGroupRequestTag(key="k", value="1"),
                    ecs.CreateSecurityGroupRequestTag(key="k", value="2"),
                ]
            },
            "Duplicate.TagKey",
            400,
        ),
    ],
    ids=[
        "name-digit",
        "name-url",
        "description-short",
        "description-url",
        "type",
        "enterprise-classic",
        "vpc",
        "region",
        "tag-key",
        "tag-duplicate",
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    server: RunningServer, fields: dict[str, Any], code: str, status: int
) -> None:
    client = fresh_client(server)
    request = {"region_id": HZ, **fields}
    assert refusal(
        lambda: client.create_security_group(ecs.CreateSecurityGroupRequest(**request))
    ) == (code, status)
    assert listed(client) == []


def test_create_with_a_vpc_of_another_account_is_not_found(server: RunningServer) -> None:
    owner = fresh_client(server)
    vpc_id = create_vpc(owner)
    stranger = fresh_client(server)
    assert refusal(lambda: create_group(stranger, vpc_id=vpc_id)) == (
        "InvalidVpcId.NotFound",
        404,
    )
    assert refusal(lambda: create_group(owner, region="cn-beijing", vpc_id=vpc_id)) == (
        "InvalidVpcId.NotFound",
        404,
    )


def test_client_token_returns_the_first_group(server: RunningServer) -> None:
    client = fresh_client(server)
    first = create_group(client, client_token="token-1", security_group_name="same")
    again = create_group(client, client_token="token-1", security_group_name="same")
    assert again == first
    assert refusal(
        lambda: create_group(client, client_token="token-1", security_group_name="different")
    ) == ("IdempotentParameterMismatch", 400)
    assert [g.security_group_id for g in listed(client)] == [first]


def test_quota_per_region(server: RunningServer) -> None:
    client = fresh_client(server)
    region = "cn-zhangjiakou"
    for _ in range(100):
        create_group(client, region)
    assert refusal(lambda: create_group(client, region)) == ("QuotaExceed.SecurityGroup", 403)
    assert len(listed(client, region, page_size=None, max_results=100)) == 100
    create_group(client, "cn-huhehaote")


# -- DescribeSecurityGroups: filters and paging ------------------------------------------------


def test_describe_filters(server: RunningServer) -> None:
    client = fresh_client(server)
    vpc_id = create_vpc(client)
    web = create_group(
        client,
        vpc_id=vpc_id,
        security_group_name="web",
        tag=[ecs.CreateSecurityGroupRequestTag(key="tier", value="web")],
    )
    db = create_group(
        client, vpc_id=vpc_id, security_group_type="enterprise", resource_group_id="rg-db"
    )
    old = create_group(client, security_group_name="web-classic")

    def ids(**filters: Any) -> list[str]:
        return [g.security_group_id for g in listed(client, **filters)]

    assert ids() == [web, db, old]
    assert ids(security_group_ids=json.dumps([web, old, "sg-none"])) == [web, old]
    assert ids(security_group_ids="[]") == []
    assert ids(security_group_id=db) == [db]
    assert ids(security_group_id=db, security_group_ids=json.dumps([web])) == []
    assert ids(security_group_name="web") == [web]
    assert ids(security_group_name="web", fuzzy_query=True) == [web, old]
    assert ids(security_group_type="enterprise") == [db]
    assert ids(network_type="classic") == [old]
    assert ids(network_type="vpc") == [web, db]
    assert ids(vpc_id=vpc_id) == [web, db]
    assert ids(resource_group_id="rg-db") == [db]
    assert ids(tag=[ecs.DescribeSecurityGroupsRequestTag(key="tier")]) == [web]
    assert ids(tag=[ecs.DescribeSecurityGroupsRequestTag(key="tier", value="db")]) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"security_group_type": "basic"}, "InvalidParameter.SecurityGroupType"),
        ({"next_token": "not-a-token"}, "InValidParameter.NextToken"),
        ({"security_group_ids": "sg-1,sg-2"}, "InvalidParameter"),
        ({"security_group_ids": json.dumps([f"sg-{n}" for n in range(101)])}, "InvalidParameter"),
        ({"network_type": "ipv6"}, "InvalidParameter"),
        ({"dry_run": True}, "DryRunOperation"),
    ],
    ids=["type", "token", "ids-not-json", "ids-too-many", "network-type", "dry-run"],
)
def test_describe_refuses_bad_input(
    server: RunningServer, fields: dict[str, Any], code: str
) -> None:
    client = tea_ecs(server.endpoint)
    request = ecs.DescribeSecurityGroupsRequest(region_id=HZ, **fields)
    assert refusal(lambda: client.describe_security_groups(request)) == (code, 400)


def test_describe_pages_by_number(server: RunningServer) -> None:
    client = fresh_client(server)
    created = [create_group(client) for _ in range(5)]
    seen: list[str] = []
    for number in (1, 2, 3):
        body = client.describe_security_groups(
            ecs.DescribeSecurityGroupsRequest(region_id=HZ, page_number=number, page_size=2)
        ).body
        assert (body.total_count, body.page_number, body.page_size) == (5, number, 2)
        assert body.region_id == HZ
        assert body.next_token is None
        seen += [g.security_group_id for g in body.security_groups.security_group]
    assert seen == created
    clamped = client.describe_security_groups(
        ecs.DescribeSecurityGroupsRequest(region_id=HZ, page_size=100)
    ).body
    assert clamped.page_size == 50


def test_describe_pages_by_token(server: RunningServer) -> None:
    client = fresh_client(server)
    created = [create_group(client) for _ in range(5)]
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        body = client.describe_security_groups(
            ecs.DescribeSecurityGroupsRequest(region_id=HZ, max_results=2, next_token=token)
        ).body
        pages += 1
        assert body.total_count is None
        assert body.page_number is None
        seen += [g.security_group_id for g in body.security_groups.security_group]
        if not body.next_token:
            assert body.next_token == ""
            break
        token = body.next_token
    assert (seen, pages) == (created, 3)


def test_describe_is_isolated_by_account_and_region(server: RunningServer) -> None:
    owner = fresh_client(server)
    group_id = create_group(owner, region="cn-qingdao")
    stranger = fresh_client(server)
    assert listed(stranger, "cn-qingdao") == []
    assert listed(owner, "cn-shenzhen") == []
    assert listed(stranger, "cn-qingdao", security_group_id=group_id) == []


# -- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_delete_a_group(server: RunningServer, signature: str) -> None:
    client = fresh_client(server, signature)
    group_id = create_group(client, tag=[ecs.CreateSecurityGroupRequestTag(key="k", value="v")])
    client.delete_security_group(
        ecs.DeleteSecurityGroupRequest(region_id=HZ, security_group_id=group_id)
    )
    assert listed(client) == []
    again = ecs.DeleteSecurityGroupRequest(region_id=HZ, security_group_id=group_id)
    assert refusal(lambda: client.delete_security_group(again)) == (
        "InvalidSecurityGroup.NotFound",
        404,
    )


def test_delete_another_accounts_group_is_not_found(server: RunningServer) -> None:
    owner = fresh_client(server)
    group_id = create_group(owner)
    stranger = fresh_client(server)
    request = ecs.DeleteSecurityGroupRequest(region_id=HZ, security_group_id=group_id)
    assert refusal(lambda: stranger.delete_security_group(request)) == (
        "InvalidSecurityGroup.NotFound",
        404,
    )
    wrong_region = ecs.DeleteSecurityGroupRequest(
        region_id="cn-beijing", security_group_id=group_id
    )
    assert refusal(lambda: owner.delete_security_group(wrong_region)) == (
        "InvalidSecurityGroup.NotFound",
        404,
    )
    assert [g.security_group_id for g in listed(owner)] == [group_id]


def test_delete_refused_while_authorized_in_another_group(server: RunningServer) -> None:
    client = fresh_client(server)
    vpc_id = create_vpc(client)
    target = create_group(client, vpc_id=vpc_id)
    user = create_group(client, vpc_id=vpc_id)
    client.authorize_security_group(
        ecs.AuthorizeSecurityGroupRequest(
            region_id=HZ,
            security_group_id=user,
            permissions=[
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp", port_range="3306/3306", source_group_id=target
                )
            ],
        )
    )
    request = ecs.DeleteSecurityGroupRequest(region_id=HZ, security_group_id=target)
    with pytest.raises(ClientException) as caught:
        client.delete_security_group(request)
    assert (caught.value.code, caught.value.status_code) == ("DependencyViolation", 403)
    assert "The specified security group has been authorized in another one." in (
        caught.value.message
    )
    assert len(listed(client)) == 2


# -- the V1 SDK --------------------------------------------------------------------------------


def test_v1_sdk_create_describe_delete(server: RunningServer) -> None:
    account = create_account(server.url)
    client = acs_client(server.endpoint, (account["AccessKeyId"], account["AccessKeySecret"]))
    create = CreateSecurityGroupRequest()
    create.set_SecurityGroupName("legacy")
    create.set_Tags([{"Key": "env", "Value": "dev"}])
    group_id = json.loads(client.do_action_with_exception(create))["SecurityGroupId"]
    describe = DescribeSecurityGroupsRequest()
    describe.set_SecurityGroupIds(json.dumps([group_id]))
    body = json.loads(client.do_action_with_exception(describe))
    (group,) = body["SecurityGroups"]["SecurityGroup"]
    assert (group["SecurityGroupName"], group["Tags"]["Tag"]) == (
        "legacy",
        [{"TagKey": "env", "TagValue": "dev"}],
    )
    assert body["TotalCount"] == 1
    delete = DeleteSecurityGroupRequest()
    delete.set_SecurityGroupId(group_id)
    client.do_action_with_exception(delete)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(delete)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidSecurityGroup.NotFound",
        404,
    )

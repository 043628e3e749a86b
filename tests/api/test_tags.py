"""Tag actions through the official SDKs: ECS TagResources / UntagResources / ListTagResources,
the older AddTags / RemoveTags / DescribeTags, and the VPC product's three tag actions.

Every test works in an account of its own, so listings are the test's own.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_vpc20160428.client import Client as VpcClient
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.AddTagsRequest import AddTagsRequest
from aliyunsdkecs.request.v20140526.DescribeTagsRequest import DescribeTagsRequest
from aliyunsdkecs.request.v20140526.ListTagResourcesRequest import ListTagResourcesRequest
from aliyunsdkecs.request.v20140526.RemoveTagsRequest import RemoveTagsRequest
from aliyunsdkecs.request.v20140526.TagResourcesRequest import TagResourcesRequest
from aliyunsdkecs.request.v20140526.UntagResourcesRequest import UntagResourcesRequest

from tests.support.cli import create_account
from tests.support.clients import acs_client, refusal, tea_ecs, tea_vpc
from tests.support.server import RunningServer

HZ = "cn-hangzhou"
SG = "securitygroup"


def new_key(server: RunningServer) -> tuple[str, str]:
    account = create_account(server.url)
    return account["AccessKeyId"], account["AccessKeySecret"]


def new_group(client: EcsClient, region: str = HZ) -> str:
    try:
        body = client.create_security_group(ecs.CreateSecurityGroupRequest(region_id=region)).body
    except ClientException as error:
        if error.code == "InvalidAction.NotFound":
            pytest.skip("CreateSecurityGroup is not served yet")
        raise
    group_id: str = body.security_group_id
    return group_id


def new_vpc(client: VpcClient, region: str = HZ) -> str:
    request = vpc.CreateVpcRequest(region_id=region, cidr_block="192.168.0.0/16")
    try:
        vpc_id: str = client.create_vpc(request).body.vpc_id
    except ClientException as error:
        if error.code == "InvalidAction.NotFound":
            pytest.skip("CreateVpc is not served yet")
        raise
    return vpc_id


def tag(client: EcsClient, ids: list[str], pairs: dict[str, str], kind: str = SG) -> None:
    request = ecs.TagResourcesRequest(
        region_id=HZ,
        resource_type=kind,
        resource_id=ids,
        tag=[ecs.TagResourcesRequestTag(key=k, value=v) for k, v in pairs.items()],
    )
    client.tag_resources(request)


def rows(client: EcsClient, ids: list[str] | None = None, **fields: Any) -> list[tuple[str, ...]]:
    request = ecs.ListTagResourcesRequest(region_id=HZ, resource_type=SG, resource_id=ids, **fields)
    body = client.list_tag_resources(request).body
    return [
        (r.resource_id, r.resource_type, r.tag_key, r.tag_value)
        for r in body.tag_resources.tag_resource
    ]


# -- ECS: tag, list, untag ---------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_tag_resources_then_list_one_row_per_tag(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, new_key(server), signature=signature)
    first, second = new_group(client), new_group(client)
    tag(client, [first, second], {"env": "prod", "team": ""})
    tag(client, [first], {"env": "dev"})
    assert rows(client, [first, second]) == [
        (first, SG, "env", "dev"),
        (first, SG, "team", ""),
        (second, SG, "env", "prod"),
        (second, SG, "team", ""),
    ]


def test_list_tag_resources_filters_by_tag_and_tag_filter(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    prod, dev = new_group(client), new_group(client)
    tag(client, [prod], {"environment": "production", "owner": "ops"})
    tag(client, [dev], {"environment": "development"})
    by_key = rows(client, tag=[ecs.ListTagResourcesRequestTag(key="environment")])
    assert {r[0] for r in by_key} == {prod, dev}
    exact = [ecs.ListTagResourcesRequestTag(key="environment", value="production")]
    assert {r[0] for r in rows(client, tag=exact)} == {prod}
    fuzzy = [ecs.ListTagResourcesRequestTagFilter(tag_key="environment", tag_values=["dev*"])]
    assert rows(client, tag_filter=fuzzy) == [(dev, SG, "environment", "development")]
    by_key_pattern = [ecs.ListTagResourcesRequestTagFilter(tag_key="own*")]
    assert {r[0] for r in rows(client, tag_filter=by_key_pattern)} == {prod}
    assert refusal(lambda: rows(client, tag=exact, tag_filter=fuzzy)) == (
        "InvalidTags.MalFormed",
        400,
    )
    pattern_with_values = [
        ecs.ListTagResourcesRequestTagFilter(tag_key="env*", tag_values=["prod"])
    ]
    assert refusal(lambda: rows(client, tag_filter=pattern_with_values)) == (
        "InvalidTagFilter.Malformed",
        403,
    )
    assert refusal(lambda: rows(client)) == ("BothEmpty.TagsAndResources", 403)


def test_list_tag_resources_pages_with_next_token(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    groups = [new_group(client) for _ in range(3)]
    tag(client, groups, {f"k{n:02}": str(n) for n in range(20)})
    request = ecs.ListTagResourcesRequest(region_id=HZ, resource_type=SG, resource_id=groups)
    first = client.list_tag_resources(request).body
    assert len(first.tag_resources.tag_resource) == 50
    assert first.next_token
    request.next_token = first.next_token
    second = client.list_tag_resources(request).body
    assert len(second.tag_resources.tag_resource) == 10
    assert not second.next_token
    request.next_token = "not-a-token"
    assert refusal(lambda: client.list_tag_resources(request)) == ("Invalid.NextToken", 403)


def test_untag_resources_named_keys_or_all(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    first, second = new_group(client), new_group(client)
    tag(client, [first, second], {"a": "1", "b": "2"})

    def untag(ids: list[str], **fields: Any) -> None:
        client.untag_resources(
            ecs.UntagResourcesRequest(region_id=HZ, resource_type=SG, resource_id=ids, **fields)
        )

    untag([first, second], tag_key=["a", "never-set"])
    assert rows(client, [first, second]) == [(first, SG, "b", "2"), (second, SG, "b", "2")]
    assert refusal(lambda: untag([first], tag_key=["b"], all=True)) == ("Param.Conflict", 403)
    untag([second], all=True)
    assert rows(client, [first, second]) == [(first, SG, "b", "2")]


def test_tag_resources_is_all_or_nothing(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    first, second = new_group(client), new_group(client)
    missing = "sg-doesnotexist000000"
    assert refusal(lambda: tag(client, [first, missing], {"a": "1"})) == (
        "InvalidResourceId.NotFound",
        404,
    )
    tag(client, [second], {f"k{n}": "v" for n in range(19)})
    # the first group has room for two more, the second does not: neither is tagged
    assert refusal(lambda: tag(client, [first, second], {"x": "1", "y": "2"})) == (
        "OperationDenied.QuotaExceed",
        400,
    )
    assert rows(client, [first]) == []
    assert len(rows(client, [second])) == 19


def test_tags_stay_in_their_account(server: RunningServer) -> None:
    owner = tea_ecs(server.endpoint, new_key(server))
    stranger = tea_ecs(server.endpoint, new_key(server))
    group = new_group(owner)
    tag(owner, [group], {"a": "1"})
    assert refusal(lambda: tag(stranger, [group], {"b": "2"})) == (
        "InvalidResourceId.NotFound",
        404,
    )
    assert rows(stranger, [group]) == []
    assert rows(owner, [group]) == [(group, SG, "a", "1")]


@pytest.mark.parametrize(
    ("kind", "ids", "pairs", "code", "status"),
    [
        ("bucket", ["sg-1"], {"a": "1"}, "InvalidResourceType.NotFound", 404),
        (SG, [f"sg-{n}" for n in range(51)], {"a": "1"}, "NumberExceed.ResourceIds", 400),
        (SG, ["sg-1"], {f"k{n}": "v" for n in range(21)}, "NumberExceed.Tags", 400),
        (SG, ["sg-1"], {"aliyun-key": "v"}, "InvalidTagKey.Malformed", 400),
        (SG, ["sg-1"], {"a": "see https://example.com"}, "InvalidTagValue.Malformed", 400),
        (SG, ["sg-doesnotexist"], {"a": "1"}, "InvalidResourceId.NotFound", 404),
        # a family ecsim does not serve yet: no such resource can exist
        ("snapshotpolicy", ["sp-1"], {"a": "1"}, "InvalidResourceId.NotFound", 404),
    ],
    ids=["type", "ids", "tags", "key", "value", "missing", "no-family"],
)
def test_tag_resources_refuses_bad_input(
    server: RunningServer,
    kind: str,
    ids: list[str],
    pairs: dict[str, str],
    code: str,
    status: int,
) -> None:
    client = tea_ecs(server.endpoint, new_key(server))
    assert refusal(lambda: tag(client, ids, pairs, kind)) == (code, status)


def test_tag_resources_refuses_repeated_and_missing_keys(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint, new_key(server), signature="v2")
    repeated = [ecs.TagResourcesRequestTag(key="a", value="1")] * 2
    request = ecs.TagResourcesRequest(
        region_id=HZ, resource_type=SG, resource_id=["sg-1"], tag=repeated
    )
    assert refusal(lambda: client.tag_resources(request)) == ("Duplicate.TagKey", 400)
    request.tag = None
    assert refusal(lambda: client.tag_resources(request)) == ("MissingParameter", 400)


# -- ECS: the older actions and the V1 SDK ----------------------------------------------------


def call_v1(client: AcsClient, request: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return body


def test_v1_sdk_tag_list_untag(server: RunningServer) -> None:
    key = new_key(server)
    group = new_group(tea_ecs(server.endpoint, key))
    client = acs_client(server.endpoint, key)
    tagging = TagResourcesRequest()
    tagging.set_ResourceType(SG)
    tagging.set_ResourceIds([group])
    tagging.set_Tags([{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "a"}])
    call_v1(client, tagging)
    untagging = UntagResourcesRequest()
    untagging.set_ResourceType(SG)
    untagging.set_ResourceIds([group])
    untagging.set_TagKeys(["team"])
    call_v1(client, untagging)
    listing = ListTagResourcesRequest()
    listing.set_ResourceType(SG)
    listing.set_Tags([{"Key": "env"}])
    body = call_v1(client, listing)
    assert body["TagResources"]["TagResource"] == [
        {"ResourceId": group, "ResourceType": SG, "TagKey": "env", "TagValue": "prod"}
    ]
    assert body["NextToken"] == ""


def test_v1_sdk_add_remove_describe_tags(server: RunningServer) -> None:
    key = new_key(server)
    tea = tea_ecs(server.endpoint, key)
    first, second = new_group(tea), new_group(tea)
    client = acs_client(server.endpoint, key)
    for group, value in ((first, "prod"), (second, "prod")):
        adding = AddTagsRequest()
        adding.set_ResourceType(SG)
        adding.set_ResourceId(group)
        adding.set_Tags([{"Key": "env", "Value": value}, {"Key": "owner", "Value": group}])
        call_v1(client, adding)
    removing = RemoveTagsRequest()
    removing.set_ResourceType(SG)
    removing.set_ResourceId(second)
    # a value that is not the tag's own leaves it in place
    removing.set_Tags([{"Key": "owner"}, {"Key": "env", "Value": "dev"}])
    call_v1(client, removing)
    body = call_v1(client, DescribeTagsRequest())
    found = {(t["TagKey"], t["TagValue"]): t["ResourceTypeCount"] for t in body["Tags"]["Tag"]}
    assert set(found) == {("env", "prod"), ("owner", first)}
    assert found["env", "prod"]["Securitygroup"] == 2
    assert found["env", "prod"]["Instance"] == 0
    assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == (2, 1, 50)
    missing = AddTagsRequest()
    missing.set_ResourceType(SG)
    missing.set_ResourceId("sg-doesnotexist")
    missing.set_Tags([{"Key": "a", "Value": "1"}])
    with pytest.raises(ServerException) as caught:
        call_v1(client, missing)
    assert caught.value.get_error_code() == "InvalidResourceId.NotFound"
    assert caught.value.get_http_status() == 404


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_tags_filters(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, new_key(server), signature=signature)
    group = new_group(client)
    client.add_tags(
        ecs.AddTagsRequest(
            region_id=HZ,
            resource_type=SG,
            resource_id=group,
            tag=[ecs.AddTagsRequestTag(key=k, value="v") for k in ("a", "b", "c")],
        )
    )

    def described(**fields: Any) -> list[str]:
        body = client.describe_tags(ecs.DescribeTagsRequest(region_id=HZ, **fields)).body
        return [t.tag_key for t in body.tags.tag]

    assert described() == ["a", "b", "c"]
    assert described(tag=[ecs.DescribeTagsRequestTag(key="b")]) == ["b"]
    assert described(resource_type="disk") == []
    assert described(resource_type=SG, resource_id=group, page_size=2, page_number=2) == ["c"]
    assert described(category="System") == []
    assert refusal(lambda: described(category="Other")) == ("Invalid.TagCategory", 400)
    assert refusal(lambda: described(resource_type="ddhcluster")) == (
        "InvalidResourceType.NotFound",
        404,
    )


# -- the VPC product ---------------------------------------------------------------------------


def test_vpc_tag_list_untag(server: RunningServer) -> None:
    client = tea_vpc(server.endpoint, new_key(server))
    vpc_id = new_vpc(client)
    client.tag_resources(
        vpc.TagResourcesRequest(
            region_id=HZ,
            resource_type="VPC",
            resource_id=[vpc_id],
            tag=[vpc.TagResourcesRequestTag(key=k, value="1") for k in ("a", "b")],
        )
    )
    client.un_tag_resources(
        vpc.UnTagResourcesRequest(
            region_id=HZ, resource_type="vpc", resource_id=[vpc_id], tag_key=["a"]
        )
    )
    request = vpc.ListTagResourcesRequest(region_id=HZ, resource_type="VPC", resource_id=[vpc_id])
    body = client.list_tag_resources(request).body
    listed = [(r.resource_id, r.resource_type, r.tag_key) for r in body.tag_resources.tag_resource]
    assert listed == [(vpc_id, "VPC", "b")]


@pytest.mark.parametrize(
    ("kind", "ids", "keys", "code"),
    [
        ("BUCKET", ["vpc-1"], ["a"], "InvalidInstanceType.NotFound"),
        ("VPC", ["vpc-doesnotexist"], ["a"], "InvalidInstanceIds.NotFound"),
        ("VPC", [f"vpc-{n}" for n in range(51)], ["a"], "SizeLimitExceeded.ResourceId"),
        ("VPC", ["vpc-1"], [f"k{n}" for n in range(21)], "SizeLimitExceeded.TagNum"),
        ("VSWITCH", ["vsw-1"], ["acs:key"], "InvalidTagKey"),
    ],
    ids=["type", "missing", "ids", "tags", "key"],
)
def test_vpc_tag_resources_refuses_in_vpc_codes(
    server: RunningServer, kind: str, ids: list[str], keys: list[str], code: str
) -> None:
    client = tea_vpc(server.endpoint, new_key(server))
    request = vpc.TagResourcesRequest(
        region_id=HZ,
        resource_type=kind,
        resource_id=ids,
        tag=[vpc.TagResourcesRequestTag(key=k, value="v") for k in keys],
    )
    assert refusal(lambda: client.tag_resources(request)) == (code, 400)


def test_vpc_list_needs_ids_or_tags(server: RunningServer) -> None:
    client = tea_vpc(server.endpoint, new_key(server))
    request = vpc.ListTagResourcesRequest(region_id=HZ, resource_type="EIP")
    assert refusal(lambda: client.list_tag_resources(request)) == (
        "BothEmpty.TagsAndResources",
        403,
    )
    request.tag = [vpc.ListTagResourcesRequestTag(key="a")]
    assert client.list_tag_resources(request).body.tag_resources.tag_resource == []


def test_key_pairs_are_tagged_by_name_through_the_tag_actions(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    name = f"tagged-{uuid.uuid4().hex[:8]}"
    client.create_key_pair(ecs.CreateKeyPairRequest(region_id="cn-shenzhen", key_pair_name=name))
    client.tag_resources(
        ecs.TagResourcesRequest(
            region_id="cn-shenzhen",
            resource_type="keypair",
            resource_id=[name],
            tag=[ecs.TagResourcesRequestTag(key="team", value="ops")],
        )
    )
    listed = client.list_tag_resources(
        ecs.ListTagResourcesRequest(
            region_id="cn-shenzhen", resource_type="keypair", resource_id=[name]
        )
    ).body.tag_resources.tag_resource
    assert [(r.resource_id, r.tag_key, r.tag_value) for r in listed] == [(name, "team", "ops")]
    client.delete_key_pairs(
        ecs.DeleteKeyPairsRequest(region_id="cn-shenzhen", key_pair_names=f'["{name}"]')
    )

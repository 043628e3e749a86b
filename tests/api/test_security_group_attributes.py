"""A security group's attributes through the official SDKs: DescribeSecurityGroupAttribute,
ModifySecurityGroupPolicy, ModifySecurityGroupAttribute, DescribeSecurityGroupReferences."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupAttributeRequest import (
    DescribeSecurityGroupAttributeRequest,
)
from aliyunsdkecs.request.v20140526.DescribeSecurityGroupReferencesRequest import (
    DescribeSecurityGroupReferencesRequest,
)
from aliyunsdkecs.request.v20140526.ModifySecurityGroupPolicyRequest import (
    ModifySecurityGroupPolicyRequest,
)

from tests.api.test_security_groups import create_group, create_vpc, fresh_client
from tests.support.cli import create_account
from tests.support.clients import acs_client, refusal, tea_ecs
from tests.support.server import RunningServer

HZ = "cn-hangzhou"


def attribute(client: EcsClient, group_id: str, **fields: Any) -> Any:
    request = ecs.DescribeSecurityGroupAttributeRequest(
        region_id=HZ, security_group_id=group_id, **fields
    )
    return client.describe_security_group_attribute(request).body


def set_policy(client: EcsClient, group_id: str, policy: str, **fields: Any) -> None:
    client.modify_security_group_policy(
        ecs.ModifySecurityGroupPolicyRequest(
            region_id=HZ, security_group_id=group_id, inner_access_policy=policy, **fields
        )
    )


def modify(client: EcsClient, group_id: str, **fields: Any) -> None:
    client.modify_security_group_attribute(
        ecs.ModifySecurityGroupAttributeRequest(region_id=HZ, security_group_id=group_id, **fields)
    )


def references(client: EcsClient, *group_ids: str) -> Any:
    request = ecs.DescribeSecurityGroupReferencesRequest(
        region_id=HZ, security_group_id=list(group_ids)
    )
    return client.describe_security_group_references(request).body


# -- DescribeSecurityGroupAttribute ------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_a_new_group_has_no_rules(server: RunningServer, signature: str) -> None:
    client = fresh_client(server, signature)
    group_id = create_group(client, security_group_name="empty", description="nothing yet")
    body = attribute(client, group_id)
    assert (body.security_group_id, body.region_id) == (group_id, HZ)
    assert (body.security_group_name, body.description) == ("empty", "nothing yet")
    assert (body.vpc_id, body.inner_access_policy) == ("", "Accept")
    assert body.permissions.permission == []
    assert body.next_token == ""
    for direction in ("ingress", "egress", "all"):
        assert attribute(client, group_id, direction=direction).permissions.permission == []
    assert attribute(client, group_id, nic_type="intranet", max_results=10).next_token == ""


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"direction": "inbound"}, "InvalidParamter", 400),
        ({"nic_type": "wifi"}, "InvalidNicType.ValueNotSupported", 400),
        ({"max_results": 9}, "InvalidParameter", 400),
        ({"security_group_id": "sg-missing"}, "InvalidSecurityGroupId.NotFound", 404),
        ({"region_id": "cn-beijing"}, "InvalidSecurityGroupId.NotFound", 404),
    ],
    ids=["direction", "nic-type", "max-results", "missing", "other-region"],
)
def test_describe_attribute_refuses_bad_input(
    server: RunningServer, fields: dict[str, Any], code: str, status: int
) -> None:
    client = fresh_client(server)
    group_id = create_group(client)
    request = ecs.DescribeSecurityGroupAttributeRequest(
        **{"region_id": HZ, "security_group_id": group_id, **fields}
    )
    assert refusal(lambda: client.describe_security_group_attribute(request)) == (code, status)


def test_describe_attribute_shows_authorized_rules(server: RunningServer) -> None:
    client = fresh_client(server)
    vpc_id = create_vpc(client)
    group_id = create_group(client, vpc_id=vpc_id)
    peer_id = create_group(client, vpc_id=vpc_id, security_group_name="peer")
    client.authorize_security_group(
        ecs.AuthorizeSecurityGroupRequest(
            region_id=HZ,
            security_group_id=group_id,
            permissions=[
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp",
                    port_range="22/22",
                    source_cidr_ip="10.0.0.0/8",
                    policy="accept",
                    priority="5",
                    description="ssh",
                ),
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="all", port_range="-1/-1", source_group_id=peer_id
                ),
            ],
        )
    )
    by_port = {p.port_range: p for p in attribute(client, group_id).permissions.permission}
    ssh, peer = by_port["22/22"], by_port["-1/-1"]
    assert (ssh.ip_protocol, ssh.policy, ssh.nic_type, ssh.direction) == (
        "TCP",
        "Accept",
        "intranet",
        "ingress",
    )
    assert (ssh.source_cidr_ip, ssh.description, str(ssh.priority)) == ("10.0.0.0/8", "ssh", "5")
    assert ssh.security_group_rule_id.startswith("sgr-")
    assert ssh.dest_cidr_ip == ssh.source_group_id == ssh.source_port_range == ""
    assert ssh.create_time.endswith("Z")
    assert (peer.ip_protocol, peer.source_group_id, peer.source_group_name) == (
        "ALL",
        peer_id,
        "peer",
    )
    assert peer.source_group_owner_account
    assert attribute(client, group_id, direction="egress").permissions.permission == []


# -- ModifySecurityGroupPolicy -----------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_inner_access_policy_changes_case_insensitively(
    server: RunningServer, signature: str
) -> None:
    client = fresh_client(server, signature)
    group_id = create_group(client)
    set_policy(client, group_id, "drop")
    assert attribute(client, group_id).inner_access_policy == "Drop"
    set_policy(client, group_id, "ACCEPT", client_token="policy-1")
    set_policy(client, group_id, "ACCEPT", client_token="policy-1")
    assert attribute(client, group_id).inner_access_policy == "Accept"


def test_inner_access_policy_refusals(server: RunningServer) -> None:
    client = fresh_client(server)
    group_id = create_group(client)
    assert refusal(lambda: set_policy(client, group_id, "Allow")) == (
        "InvalidPolicy.Malformed",
        400,
    )
    assert refusal(lambda: set_policy(client, "sg-missing", "Drop")) == (
        "InvalidSecurityGroupId.NotFound",
        404,
    )
    assert attribute(client, group_id).inner_access_policy == "Accept"
    stranger = fresh_client(server)
    assert refusal(lambda: set_policy(stranger, group_id, "Drop")) == (
        "InvalidSecurityGroupId.NotFound",
        404,
    )


def test_enterprise_policy_cannot_change(server: RunningServer) -> None:
    client = fresh_client(server)
    group_id = create_group(client, vpc_id=create_vpc(client), security_group_type="enterprise")
    assert refusal(lambda: set_policy(client, group_id, "Accept")) == (
        "InvalidParameter.InnerAccessPolicy",
        404,
    )
    assert attribute(client, group_id).inner_access_policy == "Drop"


def v1_client(server: RunningServer) -> Any:
    account = create_account(server.url)
    return acs_client(server.endpoint, (account["AccessKeyId"], account["AccessKeySecret"]))


def test_v1_sdk_policy_and_attribute(server: RunningServer) -> None:
    client = v1_client(server)
    created = json.loads(client.do_action_with_exception(CreateSecurityGroupRequest()))
    group_id = created["SecurityGroupId"]
    change = ModifySecurityGroupPolicyRequest()
    change.set_SecurityGroupId(group_id)
    change.set_InnerAccessPolicy("Drop")
    client.do_action_with_exception(change)
    read = DescribeSecurityGroupAttributeRequest()
    read.set_SecurityGroupId(group_id)
    body = json.loads(client.do_action_with_exception(read))
    assert body["InnerAccessPolicy"] == "Drop"
    assert body["Permissions"] == {"Permission": []}
    change.set_InnerAccessPolicy("Reject")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(change)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidPolicy.Malformed",
        400,
    )


# -- ModifySecurityGroupAttribute --------------------------------------------------------------


def test_modify_attribute_changes_only_what_is_given(server: RunningServer) -> None:
    client = fresh_client(server)
    group_id = create_group(client, security_group_name="before", description="first text")
    modify(client, group_id, security_group_name="after")
    body = attribute(client, group_id)
    assert (body.security_group_name, body.description) == ("after", "first text")
    modify(client, group_id, description="second text")
    body = attribute(client, group_id)
    assert (body.security_group_name, body.description) == ("after", "second text")


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"security_group_name": "-dash"}, "InvalidSecurityGroupName.Malformed", 400),
        (
            {"security_group_name": "fine", "description": "http://x"},
            "InvalidSecurityGroupDiscription.Malformed",
            400,
        ),
        ({"security_group_id": "sg-missing"}, "InvalidSecurityGroupId.NotFound", 404),
    ],
    ids=["name", "description", "missing"],
)
def test_modify_attribute_refusals_change_nothing(
    server: RunningServer, fields: dict[str, Any], code: str, status: int
) -> None:
    client = fresh_client(server)
    group_id = create_group(client, security_group_name="kept", description="kept text")
    request = ecs.ModifySecurityGroupAttributeRequest(
        **{"region_id": HZ, "security_group_id": group_id, **fields}
    )
    assert refusal(lambda: client.modify_security_group_attribute(request)) == (code, status)
    body = attribute(client, group_id)
    assert (body.security_group_name, body.description) == ("kept", "kept text")


# -- DescribeSecurityGroupReferences -----------------------------------------------------------


def test_references_of_unreferenced_groups(server: RunningServer) -> None:
    client = fresh_client(server)
    first, second = create_group(client), create_group(client)
    body = references(client, first, second, first)
    shown = [
        (r.security_group_id, r.referencing_security_groups.referencing_security_group)
        for r in body.security_group_references.security_group_reference
    ]
    assert shown == [(first, []), (second, [])]


def test_references_refusals(server: RunningServer) -> None:
    client = fresh_client(server)
    group_id = create_group(client)
    too_many = [group_id] * 11
    assert refusal(lambda: references(client, *too_many)) == (
        "InvalidSecurityGroupId.Malformed",
        400,
    )
    assert refusal(lambda: references(client)) == ("MissingParameter", 400)
    stranger = fresh_client(server)
    assert refusal(lambda: references(stranger, group_id)) == (
        "InvalidSecurityGroupId.NotFound",
        404,
    )


def test_references_across_accounts(server: RunningServer) -> None:
    owner = create_account(server.url, "refowner@example.com")
    peer = create_account(server.url)
    target_client = tea_ecs(server.endpoint, (owner["AccessKeyId"], owner["AccessKeySecret"]))
    peer_client = tea_ecs(server.endpoint, (peer["AccessKeyId"], peer["AccessKeySecret"]))
    target = create_group(target_client)
    referencing = create_group(peer_client)
    peer_client.authorize_security_group(
        ecs.AuthorizeSecurityGroupRequest(
            region_id=HZ,
            security_group_id=referencing,
            permissions=[
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp",
                    port_range="80/80",
                    source_group_id=target,
                    source_group_owner_account="refowner@example.com",
                    nic_type="intranet",
                )
            ],
        )
    )
    (reference,) = references(
        target_client, target
    ).security_group_references.security_group_reference
    (entry,) = reference.referencing_security_groups.referencing_security_group
    assert (entry.security_group_id, entry.ali_uid) == (referencing, peer["AccountId"])


def test_v1_sdk_references(server: RunningServer) -> None:
    client = v1_client(server)
    group_id = json.loads(client.do_action_with_exception(CreateSecurityGroupRequest()))[
        "SecurityGroupId"
    ]
    request = DescribeSecurityGroupReferencesRequest()
    request.set_SecurityGroupIds([group_id])
    body = json.loads(client.do_action_with_exception(request))
    assert body["SecurityGroupReferences"]["SecurityGroupReference"] == [
        {"SecurityGroupId": group_id, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": []}}
    ]

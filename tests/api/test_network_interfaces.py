"""Network interfaces through the official SDKs: tea V3, tea v2 and the old aliyunsdkecs.

Each test works in a fresh account. Interfaces with instances (primary ones, attaching and
detaching) are test_network_interface_attachments.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkecs.request.v20140526.CreateNetworkInterfaceRequest import (
    CreateNetworkInterfaceRequest,
)
from aliyunsdkecs.request.v20140526.DescribeNetworkInterfacesRequest import (
    DescribeNetworkInterfacesRequest,
)
from aliyunsdkecs.request.v20140526.ModifyNetworkInterfaceAttributeRequest import (
    ModifyNetworkInterfaceAttributeRequest,
)

from tests.api.eni_setup import create_interface, interface_ids, interfaces
from tests.support.clients import acs_client, assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World, new_world

Tag = ecs_models.CreateNetworkInterfaceRequestTag


# -- create and describe ------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_network_interface_answers_the_full_shape(
    server: RunningServer, signature: str
) -> None:
    world = new_world(server, signature=signature)
    second = world.group()
    request = ecs_models.CreateNetworkInterfaceRequest(
        region_id=REGION,
        v_switch_id=world.vswitch_id,
        security_group_ids=[world.group_id, second],
        primary_ip_address="192.168.1.20",
        network_interface_name="web-eni",
        description="the web tier",
        tag=[Tag(key="team", value="web")],
    )
    body = world.client.create_network_interface(request).body
    assert re.fullmatch(r"eni-[a-z0-9]{20}", body.network_interface_id)
    assert (body.status, body.type) == ("Available", "Secondary")
    assert (body.vpc_id, body.v_switch_id, body.zone_id) == (world.vpc_id, world.vswitch_id, ZONE)
    assert body.private_ip_address == "192.168.1.20"
    assert re.fullmatch(r"00:16:3e(:[0-9a-f]{2}){3}", body.mac_address)
    assert body.security_group_ids.security_group_id == [world.group_id, second]
    assert body.private_ip_sets.private_ip_set[0].private_ip_address == "192.168.1.20"
    assert body.private_ip_sets.private_ip_set[0].primary is True
    assert [(t.tag_key, t.tag_value) for t in body.tags.tag] == [("team", "web")]

    (eni,) = interfaces(world, network_interface_id=[body.network_interface_id])
    shown = eni.to_map()
    assert shown["NetworkInterfaceName"] == "web-eni"
    assert shown["Description"] == "the web tier"
    assert shown["MacAddress"] == body.mac_address
    assert shown["Status"] == "Available"
    assert shown["InstanceId"] == ""
    assert "Attachment" not in shown
    assert shown["SecurityGroupIds"] == {"SecurityGroupId": [world.group_id, second]}
    assert shown["PrivateIpSets"] == {
        "PrivateIpSet": [{"PrivateIpAddress": "192.168.1.20", "Primary": True}]
    }
    assert shown["Tags"] == {"Tag": [{"TagKey": "team", "TagValue": "web"}]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shown["CreationTime"])

    attribute = world.client.describe_network_interface_attribute(
        ecs_models.DescribeNetworkInterfaceAttributeRequest(
            region_id=REGION, network_interface_id=body.network_interface_id
        )
    ).body
    assert attribute.network_interface_id == body.network_interface_id
    assert attribute.security_group_ids.security_group_id == [world.group_id, second]
    assert attribute.private_ip_address == "192.168.1.20"


def test_create_network_interface_v1_sdk(server: RunningServer, world: World) -> None:
    client = acs_client(server.endpoint, world.key)
    request = CreateNetworkInterfaceRequest()
    request.set_VSwitchId(world.vswitch_id)
    request.set_SecurityGroupIdss([world.group_id])
    request.set_NetworkInterfaceName("v1-eni")
    request.set_Tags([{"Key": "sdk", "Value": "v1"}])
    body = json.loads(client.do_action_with_exception(request))
    eni_id = body["NetworkInterfaceId"]
    assert body["SecurityGroupIds"]["SecurityGroupId"] == [world.group_id]
    ipaddress.IPv4Address(body["PrivateIpAddress"])

    describe = DescribeNetworkInterfacesRequest()
    describe.set_NetworkInterfaceIds([eni_id])
    listed = json.loads(client.do_action_with_exception(describe))
    (eni,) = listed["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    assert (eni["NetworkInterfaceName"], eni["Type"]) == ("v1-eni", "Secondary")

    modify = ModifyNetworkInterfaceAttributeRequest()
    modify.set_NetworkInterfaceId(eni_id)
    second = world.group()
    modify.set_SecurityGroupIds([second])
    client.do_action_with_exception(modify)
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert eni.security_group_ids.security_group_id == [second]


def test_create_network_interface_client_token_returns_the_first(world: World) -> None:
    token = uuid.uuid4().hex
    first = create_interface(world, security_group_id=world.group_id, client_token=token)
    again = create_interface(world, security_group_id=world.group_id, client_token=token)
    assert again == first
    assert interface_ids(world) == [first]


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({}, "MissingParameter", 400),
        ({"security_group_ids": ["GROUP", "GROUP"]},
         "InvalidParameter.SecurityGroupIdRepeated", 400),
        ({"security_group_id": "GROUP", "security_group_ids": ["GROUP"]},
         "InvalidSecurityGroupId.SingleIdAndMultiIdConflict", 400),
        ({"security_group_id": "sg-missing"}, "InvalidSecurityGroupId.NotFound", 404),
        ({"security_group_id": "OTHER_VPC"}, "InvalidOperation.VpcMismatch", 403),
        ({"security_group_ids": ["GROUP", "ENTERPRISE"]},
         "EnterpriseGroupLimited.MutliGroupType", 403),
        ({"security_group_ids": ["SIX"]}, "JoinedGroupLimitExceed", 400),
        ({"v_switch_id": "vsw-missing"}, "InvalidVSwitchId.NotFound", 404),
        ({"primary_ip_address": "192.168.1.300"}, "InvalidPrivateIpAddress.Malformed", 400),
        ({"primary_ip_address": "10.9.9.9"}, "InvalidPrivateIpAddress", 400),
        ({"network_interface_name": "9lives"}, "InvalidParams.NetworkInterfaceName", 403),
        ({"description": "x"}, "InvalidDescription.Malformed", 400),
        ({"tag": [Tag(key="aliyun-x", value="v")]}, "InvalidTagKey.Malformed", 400),
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
    ],
)  # fmt: skip
def test_create_network_interface_refusals_write_nothing(
    world: World, fields: dict[str, object], code: str, status: int
) -> None:
    other_vpc = world.group(vpc_id=world.vpc("10.0.0.0/16"))
    names = {
        "GROUP": world.group_id,
        "OTHER_VPC": other_vpc,
        "ENTERPRISE": world.group(group_type="enterprise"),
    }
    resolved: dict[str, object] = {}
    for name, value in fields.items():
        if value == ["SIX"]:
            value = [world.group() for _ in range(6)]
        elif isinstance(value, list):
            value = [names.get(v, v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            value = names.get(value, value)
        resolved[name] = value
    if fields and not {"security_group_id", "security_group_ids"} & resolved.keys():
        resolved["security_group_id"] = world.group_id
    resolved.setdefault("primary_ip_address", "192.168.1.77")
    assert_refused(lambda: create_interface(world, **resolved), code, status)
    assert interface_ids(world) == []
    # the address a refused call asked for was not kept
    create_interface(world, security_group_id=world.group_id, primary_ip_address="192.168.1.77")


def test_create_network_interface_classic_group_is_refused(world: World) -> None:
    classic = world.client.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION)
    ).body.security_group_id
    assert_refused(
        lambda: create_interface(world, security_group_id=classic),
        "InvalidOperation.VpcMismatch",
        403,
    )


# -- describe: filters and paging ---------------------------------------------------------------


def test_describe_network_interfaces_filters(world: World) -> None:
    other = world.group()
    tagged = create_interface(
        world, security_group_id=world.group_id, tag=[Tag(key="env", value="prod")]
    )
    named = create_interface(world, security_group_id=other, network_interface_name="named")
    DTag = ecs_models.DescribeNetworkInterfacesRequestTag
    assert interface_ids(world) == [tagged, named]
    assert interface_ids(world, tag=[DTag(key="env", value="prod")]) == [tagged]
    assert interface_ids(world, tag=[DTag(key="env")]) == [tagged]
    assert interface_ids(world, tag=[DTag(key="env", value="dev")]) == []
    assert interface_ids(world, security_group_id=other) == [named]
    assert interface_ids(world, network_interface_name="named") == [named]
    assert interface_ids(world, vpc_id=world.vpc_id, v_switch_id=world.vswitch_id) == [
        tagged,
        named,
    ]
    assert interface_ids(world, type="Secondary", status="Available") == [tagged, named]
    assert interface_ids(world, type="Primary") == []
    assert interface_ids(world, status="InUse") == []
    address = interfaces(world, network_interface_id=[named])[0].private_ip_address
    assert interface_ids(world, primary_ip_address=address) == [named]
    assert interface_ids(world, private_ip_address=[address]) == [named]
    assert interface_ids(world, primary_ip_address="not-an-address") == []
    assert interface_ids(world, service_managed=True) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"type": "Tertiary"}, "InvalidParameter"),
        ({"status": "Gone"}, "InvalidParameter"),
        ({"page_size": 0}, "InvalidParameter"),
        ({"next_token": "made-up"}, "InvalidParameter.NextToken"),
    ],
)
def test_describe_network_interfaces_bad_filters(
    world: World, fields: dict[str, object], code: str
) -> None:
    assert_refused(lambda: interfaces(world, **fields), code, 400)


def test_describe_network_interfaces_pages_both_ways(world: World) -> None:
    made = [create_interface(world, security_group_id=world.group_id) for _ in range(12)]

    def page(**fields: object) -> ecs_models.DescribeNetworkInterfacesResponseBody:
        request = ecs_models.DescribeNetworkInterfacesRequest(**({"region_id": REGION} | fields))
        return world.client.describe_network_interfaces(request).body

    numbered = page(page_number=3, page_size=5)
    assert (numbered.total_count, numbered.page_number, numbered.page_size) == (12, 3, 5)
    assert _listed(numbered) == made[10:]
    # MaxResults under 10 counts as 10
    first = page(max_results=5)
    assert _listed(first) == made[:10]
    assert first.next_token
    rest = page(max_results=5, next_token=first.next_token)
    assert _listed(rest) == made[10:]
    assert rest.next_token == ""


def _listed(body: ecs_models.DescribeNetworkInterfacesResponseBody) -> list[str]:
    return [e.network_interface_id for e in body.network_interface_sets.network_interface_set]


# -- modify and delete --------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_modify_network_interface_attribute(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    eni_id = create_interface(world, security_group_id=world.group_id)
    second, third = world.group(), world.group()
    world.client.modify_network_interface_attribute(
        ecs_models.ModifyNetworkInterfaceAttributeRequest(
            region_id=REGION,
            network_interface_id=eni_id,
            network_interface_name="renamed",
            description="described",
            security_group_id=[second, third],
        )
    )
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert (eni.network_interface_name, eni.description) == ("renamed", "described")
    assert eni.security_group_ids.security_group_id == [second, third]

    def modify(**fields: object) -> None:
        world.client.modify_network_interface_attribute(
            ecs_models.ModifyNetworkInterfaceAttributeRequest(
                **({"region_id": REGION, "network_interface_id": eni_id} | fields)
            )
        )

    assert_refused(lambda: modify(security_group_id=[second, second]),
                   "InvalidParameter.SecurityGroupIdRepeated", 400)  # fmt: skip
    assert_refused(lambda: modify(network_interface_name="-"),
                   "InvalidParams.NetworkInterfaceName", 403)  # fmt: skip
    assert_refused(lambda: modify(network_interface_id="eni-missing"), "InvalidEniId.NotFound", 404)
    # a refused change leaves everything as it was
    assert_refused(lambda: modify(network_interface_name="kept", security_group_id=["sg-none"]),
                   "InvalidSecurityGroupId.NotFound", 404)  # fmt: skip
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert eni.network_interface_name == "renamed"
    assert eni.security_group_ids.security_group_id == [second, third]


def test_delete_network_interface(world: World) -> None:
    eni_id = create_interface(
        world, security_group_id=world.group_id, tag=[Tag(key="k", value="v")]
    )
    world.client.delete_network_interface(
        ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
    )
    assert interface_ids(world) == []
    assert_refused(
        lambda: world.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidEniId.NotFound",
        404,
    )
    # the group has no members left, so it can go
    world.client.delete_security_group(
        ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=world.group_id)
    )


def test_network_interfaces_are_per_account(server: RunningServer, world: World) -> None:
    eni_id = create_interface(world, security_group_id=world.group_id)
    stranger = new_world(server)
    assert interface_ids(stranger) == []
    assert_refused(
        lambda: stranger.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidEniId.NotFound",
        404,
    )
    assert interface_ids(world) == [eni_id]

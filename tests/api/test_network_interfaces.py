"""Network interfaces through the official SDKs: tea V3, tea v2 and the old aliyunsdkecs.

Each test works in a fresh account; the ones that attach interfaces to instances launch them
with RunInstances.
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

from tests.api.eni_setup import (
    REGION,
    ZONE,
    Network,
    interfaces,
    network,
    primary_interface,
    run_instance,
)
from tests.support.clients import acs_client, assert_refused
from tests.support.server import RunningServer

Tag = ecs_models.CreateNetworkInterfaceRequestTag


@pytest.fixture
def net(server: RunningServer) -> Network:
    return network(server)


def _create(net: Network, **fields: object) -> str:
    request = ecs_models.CreateNetworkInterfaceRequest(
        **({"region_id": REGION, "v_switch_id": net.vswitch_id} | fields)
    )
    return str(net.client.create_network_interface(request).body.network_interface_id)


def _ids(net: Network, **fields: object) -> list[str]:
    return [eni.network_interface_id for eni in interfaces(net, **fields)]


# -- create and describe ------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_network_interface_answers_the_full_shape(
    server: RunningServer, signature: str
) -> None:
    net = network(server, signature)
    second = net.group()
    request = ecs_models.CreateNetworkInterfaceRequest(
        region_id=REGION,
        v_switch_id=net.vswitch_id,
        security_group_ids=[net.group_id, second],
        primary_ip_address="192.168.1.20",
        network_interface_name="web-eni",
        description="the web tier",
        tag=[Tag(key="team", value="web")],
    )
    body = net.client.create_network_interface(request).body
    assert re.fullmatch(r"eni-[a-z0-9]{20}", body.network_interface_id)
    assert (body.status, body.type) == ("Available", "Secondary")
    assert (body.vpc_id, body.v_switch_id, body.zone_id) == (net.vpc_id, net.vswitch_id, ZONE)
    assert body.private_ip_address == "192.168.1.20"
    assert re.fullmatch(r"00:16:3e(:[0-9a-f]{2}){3}", body.mac_address)
    assert body.security_group_ids.security_group_id == [net.group_id, second]
    assert body.private_ip_sets.private_ip_set[0].private_ip_address == "192.168.1.20"
    assert body.private_ip_sets.private_ip_set[0].primary is True
    assert [(t.tag_key, t.tag_value) for t in body.tags.tag] == [("team", "web")]

    (eni,) = interfaces(net, network_interface_id=[body.network_interface_id])
    shown = eni.to_map()
    assert shown["NetworkInterfaceName"] == "web-eni"
    assert shown["Description"] == "the web tier"
    assert shown["MacAddress"] == body.mac_address
    assert shown["Status"] == "Available"
    assert shown["InstanceId"] == ""
    assert "Attachment" not in shown
    assert shown["SecurityGroupIds"] == {"SecurityGroupId": [net.group_id, second]}
    assert shown["PrivateIpSets"] == {
        "PrivateIpSet": [{"PrivateIpAddress": "192.168.1.20", "Primary": True}]
    }
    assert shown["Tags"] == {"Tag": [{"TagKey": "team", "TagValue": "web"}]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shown["CreationTime"])

    attribute = net.client.describe_network_interface_attribute(
        ecs_models.DescribeNetworkInterfaceAttributeRequest(
            region_id=REGION, network_interface_id=body.network_interface_id
        )
    ).body
    assert attribute.network_interface_id == body.network_interface_id
    assert attribute.security_group_ids.security_group_id == [net.group_id, second]
    assert attribute.private_ip_address == "192.168.1.20"


def test_create_network_interface_v1_sdk(server: RunningServer, net: Network) -> None:
    client = acs_client(server.endpoint, net.key)
    request = CreateNetworkInterfaceRequest()
    request.set_VSwitchId(net.vswitch_id)
    request.set_SecurityGroupIdss([net.group_id])
    request.set_NetworkInterfaceName("v1-eni")
    request.set_Tags([{"Key": "sdk", "Value": "v1"}])
    body = json.loads(client.do_action_with_exception(request))
    eni_id = body["NetworkInterfaceId"]
    assert body["SecurityGroupIds"]["SecurityGroupId"] == [net.group_id]
    ipaddress.IPv4Address(body["PrivateIpAddress"])

    describe = DescribeNetworkInterfacesRequest()
    describe.set_NetworkInterfaceIds([eni_id])
    listed = json.loads(client.do_action_with_exception(describe))
    (eni,) = listed["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    assert (eni["NetworkInterfaceName"], eni["Type"]) == ("v1-eni", "Secondary")

    modify = ModifyNetworkInterfaceAttributeRequest()
    modify.set_NetworkInterfaceId(eni_id)
    second = net.group()
    modify.set_SecurityGroupIds([second])
    client.do_action_with_exception(modify)
    (eni,) = interfaces(net, network_interface_id=[eni_id])
    assert eni.security_group_ids.security_group_id == [second]


def test_create_network_interface_client_token_returns_the_first(net: Network) -> None:
    token = uuid.uuid4().hex
    first = _create(net, security_group_id=net.group_id, client_token=token)
    again = _create(net, security_group_id=net.group_id, client_token=token)
    assert again == first
    assert _ids(net) == [first]


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
    net: Network, fields: dict[str, object], code: str, status: int
) -> None:
    other_vpc = network_group_elsewhere(net)
    names = {
        "GROUP": net.group_id,
        "OTHER_VPC": other_vpc,
        "ENTERPRISE": net.group(group_type="enterprise"),
    }
    resolved: dict[str, object] = {}
    for name, value in fields.items():
        if value == ["SIX"]:
            value = [net.group() for _ in range(6)]
        elif isinstance(value, list):
            value = [names.get(v, v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            value = names.get(value, value)
        resolved[name] = value
    if fields and not {"security_group_id", "security_group_ids"} & resolved.keys():
        resolved["security_group_id"] = net.group_id
    resolved.setdefault("primary_ip_address", "192.168.1.77")
    assert_refused(lambda: _create(net, **resolved), code, status)
    assert _ids(net) == []
    # the address a refused call asked for was not kept
    _create(net, security_group_id=net.group_id, primary_ip_address="192.168.1.77")


def network_group_elsewhere(net: Network) -> str:
    """A group of the same account in another VPC."""
    vpc_id = net.client.create_vpc(
        ecs_models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/16")
    ).body.vpc_id
    return net.group(str(vpc_id))


def test_create_network_interface_classic_group_is_refused(net: Network) -> None:
    classic = net.client.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION)
    ).body.security_group_id
    assert_refused(
        lambda: _create(net, security_group_id=classic), "InvalidOperation.VpcMismatch", 403
    )


# -- describe: filters and paging ---------------------------------------------------------------


def test_describe_network_interfaces_filters(net: Network) -> None:
    other = net.group()
    tagged = _create(net, security_group_id=net.group_id, tag=[Tag(key="env", value="prod")])
    named = _create(net, security_group_id=other, network_interface_name="named")
    DTag = ecs_models.DescribeNetworkInterfacesRequestTag
    assert _ids(net) == [tagged, named]
    assert _ids(net, tag=[DTag(key="env", value="prod")]) == [tagged]
    assert _ids(net, tag=[DTag(key="env")]) == [tagged]
    assert _ids(net, tag=[DTag(key="env", value="dev")]) == []
    assert _ids(net, security_group_id=other) == [named]
    assert _ids(net, network_interface_name="named") == [named]
    assert _ids(net, vpc_id=net.vpc_id, v_switch_id=net.vswitch_id) == [tagged, named]
    assert _ids(net, type="Secondary", status="Available") == [tagged, named]
    assert _ids(net, type="Primary") == []
    assert _ids(net, status="InUse") == []
    address = interfaces(net, network_interface_id=[named])[0].private_ip_address
    assert _ids(net, primary_ip_address=address) == [named]
    assert _ids(net, private_ip_address=[address]) == [named]
    assert _ids(net, primary_ip_address="not-an-address") == []
    assert _ids(net, service_managed=True) == []


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
    net: Network, fields: dict[str, object], code: str
) -> None:
    assert_refused(lambda: interfaces(net, **fields), code, 400)


def test_describe_network_interfaces_pages_both_ways(net: Network) -> None:
    made = [_create(net, security_group_id=net.group_id) for _ in range(12)]

    def page(**fields: object) -> ecs_models.DescribeNetworkInterfacesResponseBody:
        request = ecs_models.DescribeNetworkInterfacesRequest(**({"region_id": REGION} | fields))
        return net.client.describe_network_interfaces(request).body

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
    net = network(server, signature)
    eni_id = _create(net, security_group_id=net.group_id)
    second, third = net.group(), net.group()
    net.client.modify_network_interface_attribute(
        ecs_models.ModifyNetworkInterfaceAttributeRequest(
            region_id=REGION,
            network_interface_id=eni_id,
            network_interface_name="renamed",
            description="described",
            security_group_id=[second, third],
        )
    )
    (eni,) = interfaces(net, network_interface_id=[eni_id])
    assert (eni.network_interface_name, eni.description) == ("renamed", "described")
    assert eni.security_group_ids.security_group_id == [second, third]

    def modify(**fields: object) -> None:
        net.client.modify_network_interface_attribute(
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
    (eni,) = interfaces(net, network_interface_id=[eni_id])
    assert eni.network_interface_name == "renamed"
    assert eni.security_group_ids.security_group_id == [second, third]


def test_delete_network_interface(net: Network) -> None:
    eni_id = _create(net, security_group_id=net.group_id, tag=[Tag(key="k", value="v")])
    net.client.delete_network_interface(
        ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
    )
    assert _ids(net) == []
    assert_refused(
        lambda: net.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidEniId.NotFound",
        404,
    )
    # the group has no members left, so it can go
    net.client.delete_security_group(
        ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=net.group_id)
    )


def test_network_interfaces_are_per_account(server: RunningServer, net: Network) -> None:
    eni_id = _create(net, security_group_id=net.group_id)
    stranger = network(server)
    assert _ids(stranger) == []
    assert_refused(
        lambda: stranger.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidEniId.NotFound",
        404,
    )
    assert _ids(net) == [eni_id]


# -- with instances -----------------------------------------------------------------------------


def _attach(net: Network, eni_id: str, instance_id: str) -> None:
    net.client.attach_network_interface(
        ecs_models.AttachNetworkInterfaceRequest(
            region_id=REGION, network_interface_id=eni_id, instance_id=instance_id
        )
    )


def _detach(net: Network, eni_id: str, instance_id: str) -> None:
    net.client.detach_network_interface(
        ecs_models.DetachNetworkInterfaceRequest(
            region_id=REGION, network_interface_id=eni_id, instance_id=instance_id
        )
    )


def test_instance_has_a_primary_interface(net: Network) -> None:
    instance_id = run_instance(net)
    primary = primary_interface(net, instance_id)
    shown = primary.to_map()
    assert (shown["Type"], shown["Status"], shown["InstanceId"]) == (
        "Primary",
        "InUse",
        instance_id,
    )
    assert shown["Attachment"]["InstanceId"] == instance_id
    assert shown["Attachment"]["DeviceIndex"] == 0
    assert shown["SecurityGroupIds"] == {"SecurityGroupId": [net.group_id]}
    assert ipaddress.IPv4Address(shown["PrivateIpAddress"]) in ipaddress.IPv4Network(
        "192.168.1.0/24"
    )
    assert_refused(
        lambda: net.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(
                region_id=REGION, network_interface_id=primary.network_interface_id
            )
        ),
        "InvalidOperation.InvalidEniState",
        400,
    )
    assert_refused(
        lambda: _detach(net, primary.network_interface_id, instance_id),
        "InvalidOperation.DetachPrimaryEniNotAllowed",
        400,
    )


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_attach_and_detach_network_interface(server: RunningServer, signature: str) -> None:
    net = network(server, signature)
    instance_id = run_instance(net)
    eni_id = _create(net, security_group_id=net.group_id)
    _attach(net, eni_id, instance_id)
    (eni,) = interfaces(net, network_interface_id=[eni_id])
    assert (eni.status, eni.instance_id) == ("InUse", instance_id)
    assert (eni.attachment.instance_id, eni.attachment.device_index) == (instance_id, 1)
    assert sorted(_ids(net, instance_id=instance_id)) == sorted(
        [eni_id, primary_interface(net, instance_id).network_interface_id]
    )
    assert_refused(lambda: _attach(net, eni_id, instance_id),
                   "InvalidOperation.InvalidEniState", 400)  # fmt: skip
    # the type takes two interfaces: the primary one and this one
    another = _create(net, security_group_id=net.group_id)
    assert_refused(lambda: _attach(net, another, instance_id),
                   "EniPerInstanceLimitExceeded", 403)  # fmt: skip
    assert_refused(
        lambda: net.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidOperation.InvalidEniState",
        400,
    )
    _detach(net, eni_id, instance_id)
    assert interfaces(net, network_interface_id=[eni_id])[0].status == "Available"
    assert_refused(lambda: _detach(net, eni_id, instance_id),
                   "InvalidParameter.EniNotBelongEcs", 400)  # fmt: skip
    assert_refused(lambda: _attach(net, eni_id, "i-missing"), "InvalidEcsId.NotFound", 404)


def test_attach_network_interface_of_another_vpc_is_refused(net: Network) -> None:
    instance_id = run_instance(net)
    other_vpc = network_group_elsewhere(net)
    vswitch_id = net.client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            region_id=REGION,
            vpc_id=_vpc_of(net, other_vpc),
            zone_id=ZONE,
            cidr_block="10.0.1.0/24",
        )
    ).body.v_switch_id
    eni_id = _create(net, security_group_id=other_vpc, v_switch_id=vswitch_id)
    assert_refused(lambda: _attach(net, eni_id, instance_id),
                   "InvalidOperation.VpcMismatch", 403)  # fmt: skip


def _vpc_of(net: Network, group_id: str) -> str:
    body = net.client.describe_security_groups(
        ecs_models.DescribeSecurityGroupsRequest(region_id=REGION, security_group_id=group_id)
    ).body
    return str(body.security_groups.security_group[0].vpc_id)

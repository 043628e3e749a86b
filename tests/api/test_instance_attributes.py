"""DescribeInstanceAttribute, ModifyInstanceAttribute, DescribeUserData and
AllocatePublicIpAddress through the official SDKs (tea V3, tea v2 and the old aliyunsdkecs).
Each test launches its instances in an account of its own."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkecs.request.v20140526.AllocatePublicIpAddressRequest import (
    AllocatePublicIpAddressRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceAttributeRequest import (
    DescribeInstanceAttributeRequest,
)
from aliyunsdkecs.request.v20140526.DescribeUserDataRequest import DescribeUserDataRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceAttributeRequest import (
    ModifyInstanceAttributeRequest,
)

from tests.contract.meta import load_apis
from tests.support.clients import acs_client, assert_refused
from tests.support.response_shapes import keys_in_order, undocumented
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, REGION, WINDOWS_IMAGE, World, new_world

SCRIPT = base64.b64encode(b"#!/bin/sh\necho hello ecs\n").decode()


def _attribute(world: World, instance_id: str) -> ecs_models.DescribeInstanceAttributeResponseBody:
    request = ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)
    return world.client.describe_instance_attribute(request).body


def _modify(world: World, instance_id: str, **fields: Any) -> None:
    request = ecs_models.ModifyInstanceAttributeRequest(instance_id=instance_id, **fields)
    world.client.modify_instance_attribute(request)


# -- DescribeInstanceAttribute ----------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_instance_attribute(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run(instance_name="app-1", host_name="app-1")
    body = _attribute(world, instance_id)
    assert (body.instance_id, body.instance_name, body.host_name) == (
        instance_id,
        "app-1",
        "app-1",
    )
    assert (body.region_id, body.status, body.image_id) == (REGION, "Running", IMAGE)
    assert (body.cpu, body.memory, body.io_optimized) == (2, 8192, "optimized")
    assert body.instance_network_type == "vpc"
    assert body.security_group_ids.security_group_id == [world.group_id]
    assert (body.vpc_attributes.vpc_id, body.vpc_attributes.v_switch_id) == (
        world.vpc_id,
        world.vswitch_id,
    )
    assert len(body.vpc_attributes.private_ip_address.ip_address) == 1
    assert body.eip_address.ip_address == ""
    assert body.operation_locks.lock_reason == []


def test_describe_instance_attribute_v1_sdk_shape(
    server: RunningServer, world: World, api_meta_dir: Path
) -> None:
    (instance_id,) = world.run()
    request = DescribeInstanceAttributeRequest()
    request.set_InstanceId(instance_id)
    body = json.loads(acs_client(server.endpoint, world.key).do_action_with_exception(request))
    assert body["InstanceId"] == instance_id
    assert body["IoOptimized"] == "optimized"
    assert keys_in_order({k: v for k, v in body.items() if k != "RequestId"})
    schema = load_apis(api_meta_dir, "2014-05-26")["DescribeInstanceAttribute"].response
    assert undocumented(body, schema) == []


def test_describe_instance_attribute_not_found(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    stranger = new_world(server)
    request = ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)
    assert_refused(
        lambda: stranger.client.describe_instance_attribute(request),
        "InvalidInstanceId.NotFound",
        404,
    )
    missing = ecs_models.DescribeInstanceAttributeRequest(instance_id="i-nothere")
    assert_refused(
        lambda: world.client.describe_instance_attribute(missing),
        "InvalidInstanceId.NotFound",
        404,
    )


# -- ModifyInstanceAttribute and DescribeUserData ---------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_modify_instance_attribute(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run()
    _modify(
        world,
        instance_id,
        instance_name="renamed",
        description="changed by a test",
        host_name="new-host",
        password="Passw0rd!",
        user_data=SCRIPT,
        deletion_protection=True,
    )
    body = _attribute(world, instance_id)
    assert (body.instance_name, body.description, body.host_name) == (
        "renamed",
        "changed by a test",
        "new-host",
    )
    (item,) = world.instances(instance_ids=json.dumps([instance_id]))
    assert item.deletion_protection is True
    data = world.client.describe_user_data(
        ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id=instance_id)
    ).body
    assert (data.instance_id, data.region_id, data.user_data) == (instance_id, REGION, SCRIPT)


def test_modify_v1_sdk_and_user_data(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    client = acs_client(server.endpoint, world.key)
    request = ModifyInstanceAttributeRequest()
    request.set_InstanceId(instance_id)
    request.set_InstanceName("from-v1")
    request.set_UserData(SCRIPT)
    client.do_action_with_exception(request)
    user_data = DescribeUserDataRequest()
    user_data.set_InstanceId(instance_id)
    body = json.loads(client.do_action_with_exception(user_data))
    assert (body["InstanceId"], body["UserData"]) == (instance_id, SCRIPT)
    assert _attribute(world, instance_id).instance_name == "from-v1"


def test_user_data_empty_until_set(world: World) -> None:
    (instance_id,) = world.run()
    data = world.client.describe_user_data(
        ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id=instance_id)
    ).body
    assert data.user_data == ""
    wrong_region = ecs_models.DescribeUserDataRequest(
        region_id="cn-beijing", instance_id=instance_id
    )
    assert_refused(
        lambda: world.client.describe_user_data(wrong_region), "InvalidInstanceId.NotFound", 404
    )


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"instance_name": "1-starts-with-a-digit"}, "InvalidInstanceName.Malformed", 400),
        ({"description": "http://example.com"}, "InvalidDescription.Malformed", 400),
        ({"host_name": "bad..host"}, "InvalidHostName.Malformed", 400),
        ({"password": "weakpassword"}, "InvalidPassword.Malformed", 400),
        ({"user_data": "%%%"}, "InvalidUserData.Base64FormatInvalid", 403),
        (
            {"user_data": base64.b64encode(b"x" * (32 * 1024 + 1)).decode()},
            "InvalidUserData.SizeExceeded",
            400,
        ),
    ],
)
def test_modify_refusals(world: World, fields: dict[str, Any], code: str, status: int) -> None:
    (instance_id,) = world.run(instance_name="before")
    request = ecs_models.ModifyInstanceAttributeRequest(instance_id=instance_id, **fields)
    assert_refused(lambda: world.client.modify_instance_attribute(request), code, status)
    assert _attribute(world, instance_id).instance_name == "before"


def test_windows_host_names_are_shorter(world: World) -> None:
    (instance_id,) = world.run(image_id=WINDOWS_IMAGE, instance_type="ecs.g6.large")
    request = ecs_models.ModifyInstanceAttributeRequest(
        instance_id=instance_id, host_name="a-windows-host-name"
    )
    assert_refused(
        lambda: world.client.modify_instance_attribute(request), "InvalidHostName.Malformed", 400
    )
    _modify(world, instance_id, host_name="WIN-HOST")


def test_modify_unknown_instance(world: World) -> None:
    request = ecs_models.ModifyInstanceAttributeRequest(instance_id="i-nothere", instance_name="ab")
    assert_refused(
        lambda: world.client.modify_instance_attribute(request), "InvalidInstanceId.NotFound", 404
    )


# -- SecurityGroupIds -------------------------------------------------------------------------


def test_security_group_ids_replace_the_membership(world: World) -> None:
    (instance_id,) = world.run()
    second, third = world.group(), world.group()
    _modify(world, instance_id, security_group_ids=[second, third])
    assert _attribute(world, instance_id).security_group_ids.security_group_id == [second, third]
    assert world.ids(security_group_id=world.group_id) == []
    assert world.ids(security_group_id=third) == [instance_id]
    _modify(world, instance_id, security_group_ids=[world.group_id])
    assert _attribute(world, instance_id).security_group_ids.security_group_id == [world.group_id]


def test_security_group_ids_v1_sdk(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    other = world.group()
    request = ModifyInstanceAttributeRequest()
    request.set_InstanceId(instance_id)
    # this SDK version has no setter for the list: the flat names travel as they are
    request.add_query_param("SecurityGroupIds.1", world.group_id)
    request.add_query_param("SecurityGroupIds.2", other)
    acs_client(server.endpoint, world.key).do_action_with_exception(request)
    assert _attribute(world, instance_id).security_group_ids.security_group_id == [
        world.group_id,
        other,
    ]


def test_security_group_refusals_leave_everything_as_it_was(world: World) -> None:
    (instance_id,) = world.run(instance_name="before")
    elsewhere = world.group(vpc_id=world.vpc("10.0.0.0/8"))
    classic = world.group(vpc_id=None)
    enterprise = world.group(group_type="enterprise")
    many = [world.group() for _ in range(5)]
    cases = [
        ([world.group_id, world.group_id], "InvalidParameter.SecurityGroupIdRepeated", 404),
        ([world.group_id, *many], "JoinedGroupLimitExceed", 400),
        ([world.group_id, "sg-nothere"], "InvalidSecurityGroupId.NotFound", 404),
        ([elsewhere], "InvalidSecurityGroupVpc.NotBelongToOneVpc", 404),
        ([classic], "InvalidSecurityGroupType.NotSupportClassic", 404),
        ([world.group_id, enterprise], "EnterpriseGroupLimited.MutliGroupType", 403),
    ]
    for groups, code, status in cases:
        # a valid name travels with the bad groups: neither is applied
        request = ecs_models.ModifyInstanceAttributeRequest(
            instance_id=instance_id, instance_name="after", security_group_ids=groups
        )
        assert_refused(lambda r=request: world.client.modify_instance_attribute(r), code, status)
    body = _attribute(world, instance_id)
    assert body.instance_name == "before"
    assert body.security_group_ids.security_group_id == [world.group_id]


def test_classic_instances_keep_their_groups(world: World) -> None:
    classic = world.group(vpc_id=None)
    instance_id = world.run_classic(classic)
    request = ecs_models.ModifyInstanceAttributeRequest(
        instance_id=instance_id, security_group_ids=[classic]
    )
    assert_refused(
        lambda: world.client.modify_instance_attribute(request),
        "InvalidNetworkType.NotSupported",
        400,
    )


# -- AllocatePublicIpAddress ------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_allocate_public_ip_address(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    instance_id = world.create(internet_max_bandwidth_out=10)
    assert _attribute(world, instance_id).public_ip_address.ip_address == []
    address = world.client.allocate_public_ip_address(
        ecs_models.AllocatePublicIpAddressRequest(instance_id=instance_id)
    ).body.ip_address
    assert address.startswith("198.1")
    (item,) = world.instances(public_ip_addresses=json.dumps([address]))
    assert item.public_ip_address.ip_address == [address]
    assert _attribute(world, instance_id).public_ip_address.ip_address == [address]
    again = ecs_models.AllocatePublicIpAddressRequest(instance_id=instance_id)
    assert_refused(lambda: world.client.allocate_public_ip_address(again), "AllocatedAlready", 403)


def test_allocate_public_ip_address_v1_sdk(server: RunningServer, world: World) -> None:
    # RunInstances with bandwidth gives an address at once; CreateInstance does not
    (instance_id,) = world.run(internet_max_bandwidth_out=1)
    (item,) = world.instances(instance_ids=json.dumps([instance_id]))
    assert len(item.public_ip_address.ip_address) == 1
    bare = world.create(internet_max_bandwidth_out=1)
    request = AllocatePublicIpAddressRequest()
    request.set_InstanceId(bare)
    body = json.loads(acs_client(server.endpoint, world.key).do_action_with_exception(request))
    assert body["IpAddress"] != item.public_ip_address.ip_address[0]


def test_allocate_public_ip_address_refusals(world: World) -> None:
    no_bandwidth = world.create()
    with_bandwidth = world.create(internet_max_bandwidth_out=5)
    cases = [
        (no_bandwidth, None, "AllocateIpInvalidInstanceBandwidth", 400),
        ("i-nothere", None, "InvalidInstanceId.NotFound", 404),
        (with_bandwidth, "not-an-address", "InvalidIpAddress.Malformed", 400),
        (with_bandwidth, "10.1.2.3", "InvalidIpAddress.NotPublic", 403),
        (with_bandwidth, "8.8.8.8", "InvalidIpAddress.NotFound", 404),
    ]
    for instance_id, address, code, status in cases:
        request = ecs_models.AllocatePublicIpAddressRequest(
            instance_id=instance_id, ip_address=address
        )
        assert_refused(lambda r=request: world.client.allocate_public_ip_address(r), code, status)
    assert (
        world.instances(instance_ids=json.dumps([no_bandwidth]))[0].public_ip_address.ip_address
        == []
    )

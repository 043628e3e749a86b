"""RunInstances and CreateInstance through the official SDKs: tea V3, tea v2 (V1 HMAC-SHA1)
and the old aliyunsdkecs request classes; batches, MinAmount, the classic network, EIPs.
Refusals are in test_instances_launch_refusals."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_vpc20160428 import models as vpc_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateInstanceRequest import CreateInstanceRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.RunInstancesRequest import RunInstancesRequest

from tests.support.clients import acs_client, assert_refused, refusal, tea_vpc
from tests.support.server import RunningServer
from tests.support.worlds import (
    CLASSIC_ZONE,
    IMAGE,
    INSTANCE_TYPE,
    REGION,
    WINDOWS_IMAGE,
    ZONE,
    World,
    new_world,
)

VSWITCH_BLOCK = ipaddress.IPv4Network("192.168.1.0/24")
PUBLIC_POOL = ipaddress.IPv4Network("198.18.0.0/15")
CLASSIC_BLOCK = ipaddress.IPv4Network("10.96.0.0/12")


def _tag(key: str, value: str) -> ecs_models.RunInstancesRequestTag:
    return ecs_models.RunInstancesRequestTag(key=key, value=value)


# -- RunInstances ----------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_run_instances_ends_running_with_addresses_names_and_tags(
    server: RunningServer, signature: str
) -> None:
    world = new_world(server, signature=signature)
    ids = world.run(
        3,
        instance_name="web-[1,3]",
        host_name="web-[1,3]",
        private_ip_address="192.168.1.20",
        internet_max_bandwidth_out=5,
        tag=[_tag("env", "test")],
        system_disk=ecs_models.RunInstancesRequestSystemDisk(category="cloud_essd", size=40),
        client_token=uuid.uuid4().hex,
    )
    assert len(ids) == 3 and all(re.fullmatch(r"i-[a-z0-9]{20}", i) for i in ids)
    shown = {i.instance_id: i for i in world.instances(ids)}
    for index, instance_id in enumerate(ids):
        instance = shown[instance_id]
        # no delay by default: the first poll already sees the end state
        assert instance.status == "Running"
        assert (instance.instance_name, instance.host_name) == (
            f"web-{index + 1:03d}",
            f"web-{index + 1:03d}",
        )
        assert instance.vpc_attributes.private_ip_address.ip_address == [f"192.168.1.{20 + index}"]
        (public,) = instance.public_ip_address.ip_address
        assert ipaddress.IPv4Address(public) in PUBLIC_POOL
        assert instance.security_group_ids.security_group_id == [world.group_id]
        assert (instance.zone_id, instance.instance_network_type) == (ZONE, "vpc")
        assert {(t.tag_key, t.tag_value) for t in instance.tags.tag} == {("env", "test")}
        (eni,) = instance.network_interfaces.network_interface
        assert eni.type == "Primary" and eni.mac_address.startswith("00:16:3e:")
        assert eni.primary_ip_address == f"192.168.1.{20 + index}"
    # the primary interfaces carry the launch's tags too
    tagged = world.client.list_tag_resources(
        ecs_models.ListTagResourcesRequest(
            region_id=REGION,
            resource_type="eni",
            tag=[ecs_models.ListTagResourcesRequestTag(key="env", value="test")],
        )
    ).body.tag_resources.tag_resource
    assert len(tagged) == 3


def test_run_instances_defaults(world: World) -> None:
    (instance_id,) = world.run()
    (instance,) = world.instances([instance_id])
    assert instance.instance_name == instance_id
    assert instance.host_name == f"iZ{instance_id[2:]}Z"
    assert ipaddress.IPv4Address(instance.vpc_attributes.private_ip_address.ip_address[0]) in (
        VSWITCH_BLOCK
    )
    # no bandwidth, no public address
    assert instance.public_ip_address.ip_address == []
    assert (instance.internet_charge_type, instance.instance_charge_type) == (
        "PayByTraffic",
        "PostPaid",
    )


def test_windows_host_name_defaults_to_fifteen_characters(world: World) -> None:
    (instance_id,) = world.run(image_id=WINDOWS_IMAGE, password="Windows-Pass1")
    (instance,) = world.instances([instance_id])
    assert instance.host_name == f"iZ{instance_id[2:14]}Z" and len(instance.host_name) == 15
    assert_refused(
        lambda: world.run(image_id=WINDOWS_IMAGE, host_name="a-windows-name-too-long"),
        "InvalidHostName.Malformed",
        400,
    )


def test_run_instances_with_the_old_sdk(server: RunningServer, world: World) -> None:
    client = acs_client(server.endpoint, world.key)
    request = RunInstancesRequest()
    request.set_ImageId(IMAGE)
    request.set_InstanceType(INSTANCE_TYPE)
    request.set_SecurityGroupIdss([world.group_id])
    request.set_VSwitchId(world.vswitch_id)
    request.set_Amount(2)
    request.set_SystemDisk({"Category": "cloud_efficiency"})
    request.set_Tags([{"Key": "team", "Value": "a"}])
    body = json.loads(client.do_action_with_exception(request))
    ids = body["InstanceIdSets"]["InstanceIdSet"]
    assert len(ids) == 2
    describe = DescribeInstancesRequest()
    describe.set_InstanceIds(json.dumps(ids))
    shown = json.loads(client.do_action_with_exception(describe))["Instances"]["Instance"]
    assert sorted(i["InstanceId"] for i in shown) == sorted(ids)
    assert {i["Status"] for i in shown} == {"Running"}


def test_client_token_replays_the_first_answer(world: World) -> None:
    token = uuid.uuid4().hex
    first = world.run(2, client_token=token)
    again = world.run(2, client_token=token)
    assert first == again
    assert len(world.instances()) == 2
    assert refusal(lambda: world.run(3, client_token=token)) == (
        "IdempotentParameterMismatch",
        400,
    )


def test_dry_run_creates_nothing(world: World) -> None:
    assert_refused(lambda: world.run(2, dry_run=True), "DryRunOperation", 400)
    assert world.instances() == []
    # a DryRun that would fail answers the failure
    assert_refused(
        lambda: world.run(dry_run=True, image_id="no_such_image.vhd"),
        "InvalidImageId.NotFound",
        404,
    )


# -- CreateInstance --------------------------------------------------------------------------


def test_create_instance_ends_stopped_without_public_address(world: World) -> None:
    instance_id = world.create(internet_max_bandwidth_out=5, io_optimized="optimized")
    (instance,) = world.instances([instance_id])
    assert instance.status == "Stopped"
    # CreateInstance never assigns one: AllocatePublicIpAddress does
    assert instance.public_ip_address.ip_address == []


def test_create_instance_with_the_old_sdk(server: RunningServer, world: World) -> None:
    client = acs_client(server.endpoint, world.key)
    request = CreateInstanceRequest()
    request.set_ImageId(IMAGE)
    request.set_InstanceType(INSTANCE_TYPE)
    request.set_SecurityGroupId(world.group_id)
    request.set_VSwitchId(world.vswitch_id)
    request.set_IoOptimized("optimized")
    request.set_UserData(base64.b64encode(b"#!/bin/sh\necho hi\n").decode())
    request.set_Password("Packer-Pass1")
    request.set_DataDisks([{"Size": 40, "Category": "cloud_efficiency"}])
    instance_id = json.loads(client.do_action_with_exception(request))["InstanceId"]
    assert instance_id.startswith("i-")
    assert world.status(instance_id) == "Stopped"
    missing = CreateInstanceRequest()
    missing.set_ImageId(IMAGE)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(missing)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "MissingParameter",
        400,
    )


# -- groups and batches ----------------------------------------------------------------------


def test_several_groups_are_all_on_the_interface(world: World) -> None:
    groups = [world.group_id, world.group(), world.group()]
    (instance_id,) = world.run(security_group_id=None, security_group_ids=groups)
    (instance,) = world.instances([instance_id])
    assert instance.security_group_ids.security_group_id == groups


def test_min_amount_takes_what_the_vswitch_holds(world: World) -> None:
    # a /29 holds 8 addresses, 4 of them the system's
    small = world.vswitch("192.168.9.0/29")
    assert_refused(lambda: world.run(6, v_switch_id=small), "InvalidVSwitchId.IpNotEnough", 403)
    assert world.instances() == []
    ids = world.run(6, v_switch_id=small, min_amount=2)
    assert len(ids) == 4
    assert_refused(
        lambda: world.run(2, v_switch_id=small, min_amount=1), "InvalidVSwitchId.IpNotEnough", 403
    )


def test_unique_suffix_numbers_names(world: World) -> None:
    ids = world.run(2, instance_name="node", host_name="node", unique_suffix=True)
    shown = {i.instance_id: i for i in world.instances(ids)}
    assert [shown[i].instance_name for i in ids] == ["node001", "node002"]
    assert [shown[i].host_name for i in ids] == ["node001", "node002"]


# -- the classic network ---------------------------------------------------------------------


def test_classic_instances_of_two_accounts_share_the_network(server: RunningServer) -> None:
    first, second = new_world(server), new_world(server)
    addresses = []
    for world in (first, second):
        group = world.group(vpc_id=None)
        (instance_id,) = world.run(
            security_group_id=group, v_switch_id=None, internet_max_bandwidth_out=1
        )
        (instance,) = world.instances([instance_id])
        assert (instance.instance_network_type, instance.zone_id) == ("classic", CLASSIC_ZONE)
        assert instance.vpc_attributes.private_ip_address.ip_address == []
        (inner,) = instance.inner_ip_address.ip_address
        assert ipaddress.IPv4Address(inner) in CLASSIC_BLOCK
        (public,) = instance.public_ip_address.ip_address
        assert ipaddress.IPv4Address(public) in PUBLIC_POOL
        addresses.append(inner)
    assert addresses[0] != addresses[1]


def test_classic_needs_a_zone_that_sells_it(world: World) -> None:
    group = world.group(vpc_id=None)
    assert_refused(
        lambda: world.run(security_group_id=group, v_switch_id=None, zone_id=ZONE),
        "InvalidNetworkType",
        403,
    )
    assert_refused(
        lambda: world.run(
            security_group_id=group, v_switch_id=None, private_ip_address="10.96.0.9"
        ),
        "MissingParameter",
        400,
    )


# -- EIPs ------------------------------------------------------------------------------------


def test_eip_association_with_an_instance(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    vpc = tea_vpc(server.endpoint, world.key)
    allocated = vpc.allocate_eip_address(
        vpc_models.AllocateEipAddressRequest(region_id=REGION)
    ).body
    vpc.associate_eip_address(
        vpc_models.AssociateEipAddressRequest(
            region_id=REGION, allocation_id=allocated.allocation_id, instance_id=instance_id
        )
    )
    (instance,) = world.instances([instance_id])
    assert instance.eip_address.ip_address == allocated.eip_address
    assert instance.eip_address.allocation_id == allocated.allocation_id
    (eip,) = vpc.describe_eip_addresses(
        vpc_models.DescribeEipAddressesRequest(
            region_id=REGION, allocation_id=allocated.allocation_id
        )
    ).body.eip_addresses.eip_address
    assert (eip.status, eip.instance_id) == ("InUse", instance_id)
    world.client.delete_instance(
        ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True)
    )
    (eip,) = vpc.describe_eip_addresses(
        vpc_models.DescribeEipAddressesRequest(
            region_id=REGION, allocation_id=allocated.allocation_id
        )
    ).body.eip_addresses.eip_address
    assert (eip.status, eip.instance_id) == ("Available", "")

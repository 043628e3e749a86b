"""What the network-interface and group-membership API tests stand on: a fresh account with a
VPC, a vSwitch and a group, and instances launched into it through RunInstances."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
IMAGE = "centos_7_03_64_20G_alibase_20170818.vhd"
# a primary interface and one more
TWO_ENIS = "ecs.t5-c1m1.large"

InterfaceSet = (
    ecs_models.DescribeNetworkInterfacesResponseBodyNetworkInterfaceSetsNetworkInterfaceSet
)


@dataclass(frozen=True)
class Network:
    key: tuple[str, str]
    client: EcsClient
    vpc_id: str
    vswitch_id: str
    group_id: str

    def group(self, vpc_id: str | None = None, group_type: str = "normal") -> str:
        request = ecs_models.CreateSecurityGroupRequest(
            region_id=REGION, vpc_id=vpc_id or self.vpc_id, security_group_type=group_type
        )
        return str(self.client.create_security_group(request).body.security_group_id)


def new_account(server: RunningServer) -> tuple[str, str]:
    account = create_account(server.url)
    return account["AccessKeyId"], account["AccessKeySecret"]


def vpc_with_vswitch(
    client: EcsClient, vpc_cidr: str = "192.168.0.0/16", vswitch_cidr: str = "192.168.1.0/24"
) -> tuple[str, str]:
    vpc_id = str(
        client.create_vpc(
            ecs_models.CreateVpcRequest(region_id=REGION, cidr_block=vpc_cidr)
        ).body.vpc_id
    )
    request = ecs_models.CreateVSwitchRequest(
        region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block=vswitch_cidr
    )
    return vpc_id, str(client.create_vswitch(request).body.v_switch_id)


def network(server: RunningServer, signature: str = "v3") -> Network:
    """A fresh account (tests isolate themselves by it) with a VPC, vSwitch and group."""
    key = new_account(server)
    client = tea_ecs(server.endpoint, key, signature=signature)
    vpc_id, vswitch_id = vpc_with_vswitch(client)
    group = client.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id)
    )
    return Network(key, client, vpc_id, vswitch_id, str(group.body.security_group_id))


def run_instance(
    net: Network,
    *,
    group_id: str | None = None,
    vswitch_id: str | None = None,
    instance_type: str = TWO_ENIS,
) -> str:
    """One instance through RunInstances; the test is skipped while that is not served."""
    request = ecs_models.RunInstancesRequest(
        region_id=REGION,
        image_id=IMAGE,
        instance_type=instance_type,
        security_group_id=group_id or net.group_id,
        v_switch_id=vswitch_id or net.vswitch_id,
        amount=1,
    )
    try:
        body = net.client.run_instances(request).body
    except ClientException as error:
        if error.code == "InvalidAction.NotFound":
            pytest.skip("RunInstances is not served yet")
        raise
    return str(body.instance_id_sets.instance_id_set[0])


def interfaces(net: Network, **fields: object) -> list[InterfaceSet]:
    """DescribeNetworkInterfaces in the test region, filtered by ``fields``."""
    request = ecs_models.DescribeNetworkInterfacesRequest(**({"region_id": REGION} | fields))
    body = net.client.describe_network_interfaces(request).body
    return list(body.network_interface_sets.network_interface_set)


def primary_interface(net: Network, instance_id: str) -> InterfaceSet:
    (found,) = interfaces(net, instance_id=instance_id, type="Primary")
    return found

"""A fresh account with a VPC, a vSwitch and a security group, for the launch and lifecycle
tests; each test makes its own, so the shared server never mixes them."""

from __future__ import annotations

from dataclasses import dataclass

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
# the region's zone that still sells classic-network instances
CLASSIC_ZONE = "cn-hangzhou-h"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
WINDOWS_IMAGE = "win2022_21H2_x64_dtc_en-us_40G_alibase_20240613.vhd"
INSTANCE_TYPE = "ecs.g6.large"

Instance = ecs_models.DescribeInstancesResponseBodyInstancesInstance


@dataclass(frozen=True)
class World:
    key: tuple[str, str]
    client: EcsClient
    vpc_id: str
    vswitch_id: str
    group_id: str

    def run(self, amount: int = 1, **fields: object) -> list[str]:
        """RunInstances in the world's vSwitch and group (``fields`` override)."""
        defaults: dict[str, object] = {
            "region_id": REGION,
            "image_id": IMAGE,
            "instance_type": INSTANCE_TYPE,
            "security_group_id": self.group_id,
            "v_switch_id": self.vswitch_id,
            "amount": amount,
        }
        request = ecs_models.RunInstancesRequest(**(defaults | fields))
        body = self.client.run_instances(request).body
        return [str(i) for i in body.instance_id_sets.instance_id_set]

    def create(self, **fields: object) -> str:
        """CreateInstance in the world's vSwitch and group (``fields`` override)."""
        defaults: dict[str, object] = {
            "region_id": REGION,
            "image_id": IMAGE,
            "instance_type": INSTANCE_TYPE,
            "security_group_id": self.group_id,
            "v_switch_id": self.vswitch_id,
        }
        request = ecs_models.CreateInstanceRequest(**(defaults | fields))
        return str(self.client.create_instance(request).body.instance_id)

    def instances(self, ids: list[str] | None = None) -> list[Instance]:
        request = ecs_models.DescribeInstancesRequest(region_id=REGION, page_size=100)
        if ids is not None:
            request.instance_ids = "[" + ",".join(f'"{i}"' for i in ids) + "]"
        return list(self.client.describe_instances(request).body.instances.instance)

    def status(self, instance_id: str) -> str:
        (instance,) = self.instances([instance_id])
        return str(instance.status)

    def group(self, *, vpc_id: str | None = "", group_type: str | None = None) -> str:
        """Another group: in the world's VPC by default, classic with ``vpc_id=None``."""
        request = ecs_models.CreateSecurityGroupRequest(
            region_id=REGION,
            vpc_id=self.vpc_id if vpc_id == "" else vpc_id,
            security_group_type=group_type,
        )
        return str(self.client.create_security_group(request).body.security_group_id)

    def vswitch(self, cidr: str, *, vpc_id: str | None = None, zone: str = ZONE) -> str:
        request = ecs_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id or self.vpc_id, zone_id=zone, cidr_block=cidr
        )
        return str(self.client.create_vswitch(request).body.v_switch_id)

    def vpc(self, cidr: str = "10.0.0.0/16") -> str:
        request = ecs_models.CreateVpcRequest(region_id=REGION, cidr_block=cidr)
        return str(self.client.create_vpc(request).body.vpc_id)


def new_world(server: RunningServer, *, signature: str = "v3") -> World:
    account = create_account(server.url)
    key = (account["AccessKeyId"], account["AccessKeySecret"])
    client = tea_ecs(server.endpoint, key, signature=signature)
    vpc_id = client.create_vpc(
        ecs_models.CreateVpcRequest(region_id=REGION, cidr_block="192.168.0.0/16")
    ).body.vpc_id
    vswitch_id = client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block="192.168.1.0/24"
        )
    ).body.v_switch_id
    group_id = client.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.security_group_id
    return World(key, client, str(vpc_id), str(vswitch_id), str(group_id))

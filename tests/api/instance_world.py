"""Instances for the instance query and attribute tests, launched through the tea SDK in an
account of the test's own (each test makes one, so the shared server never mixes them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer

DescribedInstance = ecs_models.DescribeInstancesResponseBodyInstancesInstance

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
# the zone of the region that still has a classic network
CLASSIC_ZONE = "cn-hangzhou-h"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
WINDOWS_IMAGE = "win2019_1809_x64_dtc_en-us_40G_alibase_20240613.vhd"
INSTANCE_TYPE = "ecs.g6.large"


@dataclass(frozen=True)
class World:
    """A fresh account with one VPC, one vSwitch and one group in it."""

    key: tuple[str, str]
    client: EcsClient
    vpc_id: str
    vswitch_id: str
    group_id: str

    def run(self, amount: int = 1, **fields: object) -> list[str]:
        """RunInstances in the world's vSwitch and group; the new instances' ids."""
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
        return list(body.instance_id_sets.instance_id_set)

    def create(self, **fields: object) -> str:
        """CreateInstance in the world's vSwitch and group: it ends Stopped, with no public
        address whatever its bandwidth."""
        defaults: dict[str, object] = {
            "region_id": REGION,
            "image_id": IMAGE,
            "instance_type": INSTANCE_TYPE,
            "security_group_id": self.group_id,
            "v_switch_id": self.vswitch_id,
        }
        request = ecs_models.CreateInstanceRequest(**(defaults | fields))
        return str(self.client.create_instance(request).body.instance_id)

    def run_classic(self, group_id: str, **fields: object) -> str:
        """One instance on the region's classic network (no vSwitch)."""
        request = ecs_models.RunInstancesRequest(
            **(
                {
                    "region_id": REGION,
                    "image_id": IMAGE,
                    "instance_type": INSTANCE_TYPE,
                    "security_group_id": group_id,
                    "zone_id": CLASSIC_ZONE,
                }
                | fields
            )
        )
        (instance_id,) = self.client.run_instances(request).body.instance_id_sets.instance_id_set
        return str(instance_id)

    def group(self, *, vpc_id: str | None = "", group_type: str | None = None) -> str:
        """Another group: in the world's VPC by default, classic with ``vpc_id=None``."""
        request = ecs_models.CreateSecurityGroupRequest(
            region_id=REGION,
            vpc_id=self.vpc_id if vpc_id == "" else vpc_id,
            security_group_type=group_type,
        )
        return str(self.client.create_security_group(request).body.security_group_id)

    def vpc(self, cidr: str = "10.0.0.0/8") -> str:
        request = ecs_models.CreateVpcRequest(region_id=REGION, cidr_block=cidr)
        return str(self.client.create_vpc(request).body.vpc_id)

    def instances(
        self, **fields: object
    ) -> list[ecs_models.DescribeInstancesResponseBodyInstancesInstance]:
        request = ecs_models.DescribeInstancesRequest(**({"region_id": REGION} | fields))
        return list(self.client.describe_instances(request).body.instances.instance)

    def ids(self, **fields: object) -> list[str]:
        return [str(item.instance_id) for item in self.instances(**fields)]


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


def undocumented(value: object, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Keys of ``value`` that the metadata's response ``schema`` does not document."""
    found: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in properties:
                found.append(where)
            else:
                found += undocumented(item, properties[key], where)
    elif isinstance(value, list):
        for item in value:
            found += undocumented(item, schema.get("items") or {}, f"{path}[]")
    return found


def keys_in_order(value: object) -> bool:
    """Whether every object in ``value`` lists its keys alphabetically."""
    if isinstance(value, dict):
        keys = list(value)
        return keys == sorted(keys) and all(keys_in_order(item) for item in value.values())
    if isinstance(value, list):
        return all(keys_in_order(item) for item in value)
    return True

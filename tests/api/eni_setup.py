"""What the network-interface and group-membership API tests add to a world
(tests.support.worlds): instances with room for a second interface, and the calls that list
interfaces."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.worlds import REGION, World

IMAGE = "centos_7_03_64_20G_alibase_20170818.vhd"
# a primary interface and one more
TWO_ENIS = "ecs.t5-c1m1.large"

InterfaceSet = (
    ecs_models.DescribeNetworkInterfacesResponseBodyNetworkInterfaceSetsNetworkInterfaceSet
)


def run_instance(
    world: World,
    *,
    group_id: str | None = None,
    vswitch_id: str | None = None,
    instance_type: str = TWO_ENIS,
) -> str:
    """One instance through RunInstances, in the world's group and vSwitch by default."""
    (instance_id,) = world.run(
        image_id=IMAGE,
        instance_type=instance_type,
        security_group_id=group_id or world.group_id,
        v_switch_id=vswitch_id or world.vswitch_id,
    )
    return instance_id


def interfaces(world: World, **fields: object) -> list[InterfaceSet]:
    """DescribeNetworkInterfaces in the test region, filtered by ``fields``."""
    request = ecs_models.DescribeNetworkInterfacesRequest(**({"region_id": REGION} | fields))
    body = world.client.describe_network_interfaces(request).body
    return list(body.network_interface_sets.network_interface_set)


def primary_interface(world: World, instance_id: str) -> InterfaceSet:
    (found,) = interfaces(world, instance_id=instance_id, type="Primary")
    return found


def create_interface(world: World, **fields: object) -> str:
    """CreateNetworkInterface in the world's vSwitch (``fields`` override); the new id."""
    request = ecs_models.CreateNetworkInterfaceRequest(
        **({"region_id": REGION, "v_switch_id": world.vswitch_id} | fields)
    )
    return str(world.client.create_network_interface(request).body.network_interface_id)


def interface_ids(world: World, **fields: object) -> list[str]:
    return [eni.network_interface_id for eni in interfaces(world, **fields)]

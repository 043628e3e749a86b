"""Network interfaces with instances, through the official SDKs (tea V3 and v2): an instance's
primary interface, and attaching and detaching secondary ones. Each test works in a fresh
account and launches its instances with RunInstances."""

from __future__ import annotations

import ipaddress

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.api.eni_setup import (
    create_interface,
    interface_ids,
    interfaces,
    primary_interface,
    run_instance,
)
from tests.support.clients import assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World, new_world


def _attach(world: World, eni_id: str, instance_id: str) -> None:
    world.client.attach_network_interface(
        ecs_models.AttachNetworkInterfaceRequest(
            region_id=REGION, network_interface_id=eni_id, instance_id=instance_id
        )
    )


def _detach(world: World, eni_id: str, instance_id: str) -> None:
    world.client.detach_network_interface(
        ecs_models.DetachNetworkInterfaceRequest(
            region_id=REGION, network_interface_id=eni_id, instance_id=instance_id
        )
    )


def test_instance_has_a_primary_interface(world: World) -> None:
    instance_id = run_instance(world)
    primary = primary_interface(world, instance_id)
    shown = primary.to_map()
    assert (shown["Type"], shown["Status"], shown["InstanceId"]) == (
        "Primary",
        "InUse",
        instance_id,
    )
    assert shown["Attachment"]["InstanceId"] == instance_id
    assert shown["Attachment"]["DeviceIndex"] == 0
    assert shown["SecurityGroupIds"] == {"SecurityGroupId": [world.group_id]}
    assert ipaddress.IPv4Address(shown["PrivateIpAddress"]) in ipaddress.IPv4Network(
        "192.168.1.0/24"
    )
    assert_refused(
        lambda: world.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(
                region_id=REGION, network_interface_id=primary.network_interface_id
            )
        ),
        "InvalidOperation.InvalidEniState",
        400,
    )
    assert_refused(
        lambda: _detach(world, primary.network_interface_id, instance_id),
        "InvalidOperation.DetachPrimaryEniNotAllowed",
        400,
    )


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_attach_and_detach_network_interface(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    instance_id = run_instance(world)
    eni_id = create_interface(world, security_group_id=world.group_id)
    _attach(world, eni_id, instance_id)
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert (eni.status, eni.instance_id) == ("InUse", instance_id)
    assert (eni.attachment.instance_id, eni.attachment.device_index) == (instance_id, 1)
    assert sorted(interface_ids(world, instance_id=instance_id)) == sorted(
        [eni_id, primary_interface(world, instance_id).network_interface_id]
    )
    assert_refused(lambda: _attach(world, eni_id, instance_id),
                   "InvalidOperation.InvalidEniState", 400)  # fmt: skip
    # the type takes two interfaces: the primary one and this one
    another = create_interface(world, security_group_id=world.group_id)
    assert_refused(lambda: _attach(world, another, instance_id),
                   "EniPerInstanceLimitExceeded", 403)  # fmt: skip
    assert_refused(
        lambda: world.client.delete_network_interface(
            ecs_models.DeleteNetworkInterfaceRequest(region_id=REGION, network_interface_id=eni_id)
        ),
        "InvalidOperation.InvalidEniState",
        400,
    )
    _detach(world, eni_id, instance_id)
    assert interfaces(world, network_interface_id=[eni_id])[0].status == "Available"
    assert_refused(lambda: _detach(world, eni_id, instance_id),
                   "InvalidParameter.EniNotBelongEcs", 400)  # fmt: skip
    assert_refused(lambda: _attach(world, eni_id, "i-missing"), "InvalidEcsId.NotFound", 404)


def test_attach_network_interface_of_another_vpc_is_refused(world: World) -> None:
    instance_id = run_instance(world)
    other_vpc = world.vpc("10.0.0.0/16")
    vswitch_id = world.vswitch("10.0.1.0/24", vpc_id=other_vpc)
    group_id = world.group(vpc_id=other_vpc)
    eni_id = create_interface(world, security_group_id=group_id, v_switch_id=vswitch_id)
    assert_refused(lambda: _attach(world, eni_id, instance_id),
                   "InvalidOperation.VpcMismatch", 403)  # fmt: skip

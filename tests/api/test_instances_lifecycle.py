"""The instance state machine through the official SDKs: Packer's sequence, each operation in
the wrong status, the batch forms and release (what goes with an instance)."""

from __future__ import annotations

import json
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.CreateInstanceRequest import CreateInstanceRequest
from aliyunsdkecs.request.v20140526.DeleteInstanceRequest import DeleteInstanceRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from aliyunsdkecs.request.v20140526.StartInstanceRequest import StartInstanceRequest
from aliyunsdkecs.request.v20140526.StopInstanceRequest import StopInstanceRequest

from tests.support.clients import acs_client, assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, INSTANCE_TYPE, REGION, World, new_world

# Packer polls every 5 s; with no delay configured the first poll must already succeed,
# so a handful of polls (without waiting) is plenty.
POLLS = 3


def _wait_for(world: World, instance_id: str, status: str) -> None:
    seen = [world.status(instance_id) for _ in range(POLLS)]
    assert status in seen, f"{instance_id} never reached {status}: {seen}"


def _start(client: EcsClient, instance_id: str) -> None:
    client.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id))


def _stop(client: EcsClient, instance_id: str, **fields: object) -> None:
    client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id, **fields))


def _delete(client: EcsClient, instance_id: str, **fields: object) -> None:
    client.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=instance_id, **fields))


# -- Packer ----------------------------------------------------------------------------------


def test_packer_sequence(server: RunningServer) -> None:
    """clients-protocol.md §4, steps 14-25 and 33 (then the rest of Packer's cleanup), signed
    as the Go SDK signs (V1 HMAC-SHA1)."""
    world = new_world(server, signature="v2")
    client = world.client
    key_name = f"packer_{uuid.uuid4().hex}"
    client.create_key_pair(
        ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name=key_name)
    )
    # 14-16
    instance_id = world.create(
        client_token=uuid.uuid4().hex,
        io_optimized="optimized",
        internet_charge_type="PayByTraffic",
        system_disk=ecs_models.CreateInstanceRequestSystemDisk(category="cloud_efficiency"),
    )
    _wait_for(world, instance_id, "Stopped")
    (instance,) = world.instances([instance_id])
    assert instance.region_id == REGION
    (private_ip,) = instance.vpc_attributes.private_ip_address.ip_address
    # 17-20
    eip = client.allocate_eip_address(
        ecs_models.AllocateEipAddressRequest(
            region_id=REGION, client_token=uuid.uuid4().hex, internet_charge_type="PayByTraffic"
        )
    ).body
    assert _eip_status(client, eip.allocation_id) == "Available"
    client.associate_eip_address(
        ecs_models.AssociateEipAddressRequest(
            region_id=REGION, allocation_id=eip.allocation_id, instance_id=instance_id
        )
    )
    assert _eip_status(client, eip.allocation_id) == "InUse"
    # 21
    client.attach_key_pair(
        ecs_models.AttachKeyPairRequest(
            region_id=REGION, key_pair_name=key_name, instance_ids=json.dumps([instance_id])
        )
    )
    # 22-25
    _start(client, instance_id)
    _wait_for(world, instance_id, "Running")
    (instance,) = world.instances([instance_id])
    assert instance.eip_address.ip_address == eip.eip_address
    assert instance.vpc_attributes.private_ip_address.ip_address == [private_ip]
    _stop(client, instance_id, force_stop=False)
    _wait_for(world, instance_id, "Stopped")
    # cleanup: 29-37
    client.detach_key_pair(
        ecs_models.DetachKeyPairRequest(
            region_id=REGION, key_pair_name=key_name, instance_ids=json.dumps([instance_id])
        )
    )
    client.unassociate_eip_address(
        ecs_models.UnassociateEipAddressRequest(
            region_id=REGION, allocation_id=eip.allocation_id, instance_id=instance_id
        )
    )
    assert _eip_status(client, eip.allocation_id) == "Available"
    client.release_eip_address(
        ecs_models.ReleaseEipAddressRequest(region_id=REGION, allocation_id=eip.allocation_id)
    )
    _delete(client, instance_id, force=True)
    assert world.instances() == []
    client.delete_security_group(
        ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=world.group_id)
    )
    client.delete_vswitch(
        ecs_models.DeleteVSwitchRequest(region_id=REGION, v_switch_id=world.vswitch_id)
    )
    client.delete_vpc(ecs_models.DeleteVpcRequest(region_id=REGION, vpc_id=world.vpc_id))
    client.delete_key_pairs(
        ecs_models.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=json.dumps([key_name]))
    )


def _eip_status(client: EcsClient, allocation_id: str) -> str:
    (eip,) = client.describe_eip_addresses(
        ecs_models.DescribeEipAddressesRequest(region_id=REGION, allocation_id=allocation_id)
    ).body.eip_addresses.eip_address
    return str(eip.status)


def test_lifecycle_with_the_old_sdk(server: RunningServer, world: World) -> None:
    client = acs_client(server.endpoint, world.key)

    def call(request: object) -> dict[str, object]:
        return dict(json.loads(client.do_action_with_exception(request)))

    def status(instance_id: str) -> str:
        describe = DescribeInstancesRequest()
        describe.set_InstanceIds(json.dumps([instance_id]))
        (instance,) = call(describe)["Instances"]["Instance"]  # type: ignore[index]
        return str(instance["Status"])

    create = CreateInstanceRequest()
    create.set_ImageId(IMAGE)
    create.set_InstanceType(INSTANCE_TYPE)
    create.set_SecurityGroupId(world.group_id)
    create.set_VSwitchId(world.vswitch_id)
    instance_id = str(call(create)["InstanceId"])
    assert status(instance_id) == "Stopped"
    start = StartInstanceRequest()
    start.set_InstanceId(instance_id)
    call(start)
    assert status(instance_id) == "Running"
    reboot = RebootInstanceRequest()
    reboot.set_InstanceId(instance_id)
    call(reboot)
    assert status(instance_id) == "Running"
    stop = StopInstanceRequest()
    stop.set_InstanceId(instance_id)
    stop.set_ForceStop(True)
    call(stop)
    assert status(instance_id) == "Stopped"
    with pytest.raises(ServerException) as caught:
        call(stop)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "IncorrectInstanceStatus",
        403,
    )
    delete = DeleteInstanceRequest()
    delete.set_InstanceId(instance_id)
    call(delete)
    assert world.instances() == []


# -- one instance, each status ---------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_operations_in_the_wrong_status(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    client = world.client
    (running,) = world.run()
    stopped = world.create()
    wrong = "IncorrectInstanceStatus"
    assert_refused(lambda: _start(client, running), wrong, 403)
    assert_refused(lambda: _stop(client, stopped), wrong, 403)
    assert_refused(
        lambda: client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=stopped)),
        wrong,
        403,
    )
    # a running instance goes only with Force
    assert_refused(lambda: _delete(client, running), wrong, 403)
    _delete(client, running, force=True)
    _delete(client, stopped)
    assert world.instances() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c, i: _start(c, i),
        lambda c, i: _stop(c, i),
        lambda c, i: c.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=i)),
        lambda c, i: _delete(c, i, force=True),
    ],
    ids=["start", "stop", "reboot", "delete"],
)
def test_unknown_instance(world: World, call: object) -> None:
    assert callable(call)
    assert_refused(
        lambda: call(world.client, "i-nosuchinstance0000000"), "InvalidInstanceId.NotFound", 404
    )


def test_another_accounts_instance_is_not_found(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    other = new_world(server)
    assert_refused(lambda: _stop(other.client, instance_id), "InvalidInstanceId.NotFound", 404)
    assert world.status(instance_id) == "Running"


def test_dry_run_changes_nothing(world: World) -> None:
    (instance_id,) = world.run()
    assert_refused(lambda: _stop(world.client, instance_id, dry_run=True), "DryRunOperation", 400)
    assert world.status(instance_id) == "Running"
    assert_refused(
        lambda: _delete(world.client, instance_id, force=True, dry_run=True), "DryRunOperation", 400
    )
    assert world.status(instance_id) == "Running"


def test_deletion_protection_blocks_release(world: World) -> None:
    (instance_id,) = world.run(deletion_protection=True)
    assert_refused(
        lambda: _delete(world.client, instance_id, force=True),
        "InvalidOperation.DeletionProtection",
        403,
    )
    assert world.status(instance_id) == "Running"


def test_stop_charging_is_not_for_classic_instances(world: World) -> None:
    (instance_id,) = world.run(security_group_id=world.group(vpc_id=None), v_switch_id=None)
    assert_refused(
        lambda: _stop(world.client, instance_id, stopped_mode="StopCharging"),
        "InvalidInstanceId.NotSupport",
        403,
    )
    _stop(world.client, instance_id, stopped_mode="KeepCharging")
    (instance,) = world.instances([instance_id])
    assert (instance.status, instance.stopped_mode) == ("Stopped", "KeepCharging")


def test_stopped_mode_is_shown_until_the_next_start(world: World) -> None:
    (instance_id,) = world.run()
    _stop(world.client, instance_id, stopped_mode="StopCharging")
    (instance,) = world.instances([instance_id])
    assert instance.stopped_mode == "StopCharging"
    _start(world.client, instance_id)
    (instance,) = world.instances([instance_id])
    assert instance.stopped_mode == "Not-applicable"


# -- release ---------------------------------------------------------------------------------


def test_release_frees_address_interface_tags_and_group(world: World) -> None:
    (instance_id,) = world.run(
        private_ip_address="192.168.1.77",
        tag=[ecs_models.RunInstancesRequestTag(key="k", value="v")],
    )
    _delete(world.client, instance_id, force=True)
    enis = world.client.describe_network_interfaces(
        ecs_models.DescribeNetworkInterfacesRequest(region_id=REGION)
    ).body.network_interface_sets.network_interface_set
    assert enis == []
    tags = world.client.list_tag_resources(
        ecs_models.ListTagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[instance_id],
        )
    ).body.tag_resources.tag_resource
    assert tags == []
    # the address is free again
    (again,) = world.run(private_ip_address="192.168.1.77")
    _delete(world.client, again, force=True)
    # and the group has no member left
    world.client.delete_security_group(
        ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=world.group_id)
    )

"""JoinSecurityGroup / LeaveSecurityGroup through the official SDKs, for instances (their
primary interface) and for network interfaces; the guide's §1.2 snippets with the old SDK."""

from __future__ import annotations

import json
import logging

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest

from tests.api.eni_setup import interfaces, primary_interface, run_instance
from tests.support.clients import acs_client, assert_refused
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World, new_world


def _groups_of(world: World, instance_id: str) -> list[str]:
    return list(primary_interface(world, instance_id).security_group_ids.security_group_id)


def _join(world: World, group_id: str, **target: object) -> None:
    world.client.join_security_group(
        ecs_models.JoinSecurityGroupRequest(security_group_id=group_id, **target)
    )


def _leave(world: World, group_id: str, **target: object) -> None:
    world.client.leave_security_group(
        ecs_models.LeaveSecurityGroupRequest(security_group_id=group_id, **target)
    )


def test_guide_join_and_leave_with_the_v1_sdk(server: RunningServer, world: World) -> None:
    """The guide's join_sg / leave_sg, as written there: ``clt.do_action(request)``."""
    instance_id = run_instance(world)
    sg_web = world.group()
    clt = acs_client(server.endpoint, world.key)

    def _send_request(request: JoinSecurityGroupRequest | LeaveSecurityGroupRequest) -> object:
        request.set_accept_format("json")
        # do_action is deprecated in aliyunsdkcore, and says so; the guide calls it anyway
        with pytest.warns(DeprecationWarning, match="do_action"):
            response_str = clt.do_action(request)
        logging.info(response_str)
        return json.loads(response_str)

    def join_sg(sg_id: str, instance_id: str) -> object:
        request = JoinSecurityGroupRequest()
        request.set_InstanceId(instance_id)
        request.set_SecurityGroupId(sg_id)
        return _send_request(request)

    def leave_sg(sg_id: str, instance_id: str) -> object:
        request = LeaveSecurityGroupRequest()
        request.set_InstanceId(instance_id)
        request.set_SecurityGroupId(sg_id)
        return _send_request(request)

    joined = join_sg(sg_web, instance_id)
    assert isinstance(joined, dict) and set(joined) == {"RequestId"}
    assert _groups_of(world, instance_id) == [world.group_id, sg_web]
    leave_sg(world.group_id, instance_id)
    assert _groups_of(world, instance_id) == [sg_web]
    # leaving the last group is refused; do_action hands back the error body
    refused = leave_sg(sg_web, instance_id)
    assert isinstance(refused, dict) and refused["Code"] == "InstanceLastSecurityGroup"
    assert _groups_of(world, instance_id) == [sg_web]


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_join_and_leave_an_instance(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    instance_id = run_instance(world)
    second = world.group()
    # RegionId may be left out for an instance
    _join(world, second, instance_id=instance_id)
    assert _groups_of(world, instance_id) == [world.group_id, second]
    _leave(world, world.group_id, instance_id=instance_id, region_id=REGION)
    assert _groups_of(world, instance_id) == [second]


def test_join_refusals(world: World) -> None:
    instance_id = run_instance(world)
    other_vpc = world.client.create_vpc(
        ecs_models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/16")
    ).body.vpc_id
    cases: list[tuple[str, dict[str, object], str, int]] = [
        (world.group_id, {"instance_id": instance_id}, "InvalidInstanceId.AlreadyExists", 403),
        ("sg-missing", {"instance_id": instance_id}, "InvalidSecurityGroupId.NotFound", 404),
        (world.group(), {"instance_id": "i-missing"}, "InvalidInstanceId.NotFound", 404),
        (world.group(vpc_id=str(other_vpc)), {"instance_id": instance_id},
         "InvalidInstanceId.Mismatch", 400),
        (world.group(group_type="enterprise"), {"instance_id": instance_id},
         "InvalidOperation.MultiGroupType", 400),
        (world.group(), {}, "MissingParameter", 400),
        (world.group(), {"instance_id": instance_id, "network_interface_id": "eni-x"},
         "InvalidParam.EniIdAndInstanceId.Conflict", 403),
        (world.group(), {"network_interface_id": "eni-x"}, "MissingParameter.RegionId", 400),
        (world.group(), {"instance_id": instance_id, "region_id": "cn-atlantis"},
         "InvalidRegionId.NotFound", 404),
    ]  # fmt: skip
    for group_id, target, code, status in cases:
        assert_refused(lambda: _join(world, group_id, **target), code, status)  # noqa: B023
    assert _groups_of(world, instance_id) == [world.group_id]


def test_join_over_the_group_limit(world: World) -> None:
    instance_id = run_instance(world)
    for _ in range(4):
        _join(world, world.group(), instance_id=instance_id)
    assert len(_groups_of(world, instance_id)) == 5
    assert_refused(
        lambda: _join(world, world.group(), instance_id=instance_id),
        "InstanceSecurityGroupLimitExceeded",
        400,
    )


def test_leave_refusals(world: World) -> None:
    instance_id = run_instance(world)
    assert_refused(lambda: _leave(world, world.group_id, instance_id=instance_id),
                   "InstanceLastSecurityGroup", 403)  # fmt: skip
    assert_refused(lambda: _leave(world, world.group(), instance_id=instance_id),
                   "InvalidSecurityGroupAssociation.NotFound", 400)  # fmt: skip
    assert_refused(lambda: _leave(world, "sg-missing", instance_id=instance_id),
                   "InvalidSecurityGroupId.NotFound", 404)  # fmt: skip
    assert_refused(lambda: _leave(world, world.group_id, instance_id="i-missing"),
                   "InvalidInstanceId.NotFound", 404)  # fmt: skip
    assert _groups_of(world, instance_id) == [world.group_id]


def test_member_group_cannot_be_deleted_until_left(world: World) -> None:
    instance_id = run_instance(world)
    extra = world.group()
    _join(world, extra, instance_id=instance_id)

    def delete() -> None:
        world.client.delete_security_group(
            ecs_models.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=extra)
        )

    assert_refused(delete, "DependencyViolation", 403)
    _leave(world, extra, instance_id=instance_id)
    delete()


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_join_and_leave_a_network_interface(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    eni_id = world.client.create_network_interface(
        ecs_models.CreateNetworkInterfaceRequest(
            region_id=REGION, v_switch_id=world.vswitch_id, security_group_id=world.group_id
        )
    ).body.network_interface_id
    second = world.group()
    target = {"network_interface_id": eni_id, "region_id": REGION}
    _join(world, second, **target)
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert eni.security_group_ids.security_group_id == [world.group_id, second]
    assert_refused(lambda: _join(world, second, **target), "InvalidInstanceId.AlreadyExists", 403)
    _leave(world, world.group_id, **target)
    (eni,) = interfaces(world, network_interface_id=[eni_id])
    assert eni.security_group_ids.security_group_id == [second]
    assert_refused(lambda: _leave(world, second, **target), "InstanceLastSecurityGroup", 403)
    assert_refused(
        lambda: _join(world, second, network_interface_id="eni-missing", region_id=REGION),
        "InvalidEniId.NotFound",
        404,
    )


def test_join_another_accounts_instance_is_not_found(server: RunningServer, world: World) -> None:
    instance_id = run_instance(world)
    stranger = new_world(server)
    assert_refused(
        lambda: _join(stranger, stranger.group_id, instance_id=instance_id),
        "InvalidInstanceId.NotFound",
        404,
    )
    # nor may the owner join a group of another account
    assert_refused(
        lambda: _join(world, stranger.group_id, instance_id=instance_id),
        "InvalidSecurityGroupId.NotFound",
        404,
    )

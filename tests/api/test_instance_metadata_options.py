"""Instance metadata options through the official SDKs: HttpEndpoint, HttpTokens and
HttpPutResponseHopLimit at launch (RunInstances, CreateInstance), changed by
ModifyInstanceMetadataOptions, shown by DescribeInstances as MetadataOptions; and every bad
value refused with its documented code, changing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.ModifyInstanceMetadataOptionsRequest import (
    ModifyInstanceMetadataOptionsRequest,
)
from aliyunsdkecs.request.v20140526.RunInstancesRequest import RunInstancesRequest

from tests.support.clients import acs_client, assert_refused, tea_call
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, INSTANCE_TYPE, REGION, World, new_world

DEFAULTS = ("enabled", "optional", 1)


def _options(world: World, instance_id: str) -> tuple[str, str, int]:
    (item,) = world.instances([instance_id])
    shown = item.metadata_options
    return shown.http_endpoint, shown.http_tokens, shown.http_put_response_hop_limit


def _modify(world: World, instance_id: str, **fields: Any) -> None:
    request = ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id=REGION, instance_id=instance_id, **fields
    )
    world.client.modify_instance_metadata_options(request)


# -- at launch --------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_launch_options_are_kept_and_shown(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (plain,) = world.run()
    (hardened,) = world.run(
        http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=3
    )
    created = world.create(http_endpoint="disabled", http_put_response_hop_limit=64)
    assert _options(world, plain) == DEFAULTS
    assert _options(world, hardened) == ("enabled", "required", 3)
    assert _options(world, created) == ("disabled", "optional", 64)


def test_v1_sdk_launch_options(server: RunningServer, world: World) -> None:
    request = RunInstancesRequest()
    request.set_ImageId(IMAGE)
    request.set_InstanceType(INSTANCE_TYPE)
    request.set_SecurityGroupId(world.group_id)
    request.set_VSwitchId(world.vswitch_id)
    request.set_HttpTokens("required")
    request.set_HttpPutResponseHopLimit(2)
    client = acs_client(server.endpoint, world.key)
    body = json.loads(client.do_action_with_exception(request))
    (instance_id,) = body["InstanceIdSets"]["InstanceIdSet"]
    assert _options(world, instance_id) == ("enabled", "required", 2)
    request.set_HttpEndpoint("off")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidHttpEndpoint.NotSupported",
        400,
    )


BAD_LAUNCH: list[tuple[dict[str, object], str]] = [
    ({"http_endpoint": "Enabled"}, "InvalidHttpEndpoint.NotSupported"),
    ({"http_endpoint": "on"}, "InvalidHttpEndpoint.NotSupported"),
    ({"http_tokens": "mandatory"}, "InvalidHttpTokens.NotSupported"),
    ({"http_put_response_hop_limit": 0}, "InvalidHttpPutResponseHopLimit.NotSupported"),
    ({"http_put_response_hop_limit": 65}, "InvalidHttpPutResponseHopLimit.NotSupported"),
    ({"http_put_response_hop_limit": -1}, "InvalidHttpPutResponseHopLimit.NotSupported"),
]


@pytest.mark.parametrize(("fields", "code"), BAD_LAUNCH)
def test_launch_refusals_leave_nothing_behind(
    world: World, fields: dict[str, object], code: str
) -> None:
    assert_refused(lambda: world.run(**fields), code, 400)
    assert_refused(lambda: world.create(**fields), code, 400)
    assert world.ids() == []


def test_a_hop_limit_that_is_no_number_is_refused(server: RunningServer, world: World) -> None:
    params = {
        "RegionId": REGION,
        "ImageId": IMAGE,
        "InstanceType": INSTANCE_TYPE,
        "SecurityGroupId": world.group_id,
        "VSwitchId": world.vswitch_id,
        "HttpPutResponseHopLimit": "three",
    }
    assert_refused(
        lambda: tea_call(server.endpoint, world.key, "2014-05-26", "RunInstances", params),
        "InvalidHttpPutResponseHopLimit.NotSupported",
        400,
    )
    assert world.ids() == []


# -- ModifyInstanceMetadataOptions ------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_modify_changes_what_is_given(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run()
    _modify(world, instance_id, http_endpoint="enabled", http_tokens="required")
    assert _options(world, instance_id) == ("enabled", "required", 1)
    _modify(world, instance_id, http_endpoint="disabled", http_put_response_hop_limit=8)
    assert _options(world, instance_id) == ("disabled", "required", 8)
    _modify(world, instance_id, http_endpoint="enabled", http_tokens="optional")
    assert _options(world, instance_id) == ("enabled", "optional", 8)


def test_modify_a_stopped_instance(world: World) -> None:
    instance_id = world.create()
    _modify(world, instance_id, http_endpoint="enabled", http_tokens="required")
    assert world.status(instance_id) == "Stopped"
    assert _options(world, instance_id) == ("enabled", "required", 1)


def test_modify_v1_sdk(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    request = ModifyInstanceMetadataOptionsRequest()
    request.set_InstanceId(instance_id)
    request.set_HttpEndpoint("enabled")
    request.set_HttpTokens("required")
    request.set_InstanceMetadataTags("disabled")
    client = acs_client(server.endpoint, world.key)
    body = json.loads(client.do_action_with_exception(request))
    assert list(body) == ["RequestId"]
    assert _options(world, instance_id) == ("enabled", "required", 1)
    request.set_HttpTokens("strict")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidHttpTokens.NotSupported",
        400,
    )


BAD_MODIFY: list[tuple[dict[str, object], str, int]] = [
    ({"http_endpoint": None}, "MissingParameter", 400),
    ({"http_endpoint": "yes"}, "InvalidHttpEndpoint.NotSupported", 400),
    ({"http_tokens": "Required"}, "InvalidHttpTokens.NotSupported", 400),
    ({"http_put_response_hop_limit": 0}, "InvalidHttpPutResponseHopLimit.NotSupported", 400),
    ({"http_put_response_hop_limit": 100}, "InvalidHttpPutResponseHopLimit.NotSupported", 400),
    ({"instance_metadata_tags": "enabled"}, "InvalidInstanceMetadataTags.NotSupported", 400),
    ({"instance_metadata_tags": "maybe"}, "InvalidInstanceMetadataTags.NotSupported", 400),
    ({"instance_id": None}, "MissingParameter", 400),
    ({"instance_id": "i-nothere"}, "InvalidInstanceId.NotFound", 404),
    ({"region_id": "cn-qingdao"}, "InvalidInstanceId.NotFound", 404),
    ({"region_id": "cn-nowhere"}, "InvalidRegionId.NotFound", 404),
]


@pytest.mark.parametrize(("fields", "code", "status"), BAD_MODIFY)
def test_modify_refusals_change_nothing(
    world: World, fields: dict[str, object], code: str, status: int
) -> None:
    (instance_id,) = world.run()
    wanted: dict[str, object] = {
        "region_id": REGION,
        "instance_id": instance_id,
        "http_endpoint": "disabled",
        "http_tokens": "required",
    }
    request = ecs_models.ModifyInstanceMetadataOptionsRequest(**(wanted | fields))
    assert_refused(lambda: world.client.modify_instance_metadata_options(request), code, status)
    assert _options(world, instance_id) == DEFAULTS


def test_another_accounts_instance_is_not_found(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    stranger = new_world(server)
    request = ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id=REGION, instance_id=instance_id, http_endpoint="disabled"
    )
    assert_refused(
        lambda: stranger.client.modify_instance_metadata_options(request),
        "InvalidInstanceId.NotFound",
        404,
    )
    assert _options(world, instance_id) == DEFAULTS

"""What the data plane knows of an instance, through the API, on a server without one
(``--dataplane none``, as every API test runs): GetInstanceConsoleOutput through the official
SDKs, ecsim's DescribeInstanceRuntime through the generic tea and V1 calls, and
``ecsim exec``, which refuses as the API does."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526.GetInstanceConsoleOutputRequest import (
    GetInstanceConsoleOutputRequest,
)

from ecsim.api.products import ECSIM
from tests.contract.meta import load_apis
from tests.support.clients import acs_client, assert_refused, tea_call
from tests.support.response_shapes import undocumented
from tests.support.server import RunningServer
from tests.support.worlds import REGION, WINDOWS_IMAGE, World, new_world

_BEIJING_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _console(world: World, instance: str, **fields: Any) -> Any:
    request = ecs_models.GetInstanceConsoleOutputRequest(
        **({"region_id": REGION, "instance_id": instance} | fields)
    )
    return world.client.get_instance_console_output(request).body


def _start_time(world: World, instance_id: str) -> datetime:
    (item,) = world.instances([instance_id])
    return datetime.strptime(item.start_time, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


# -- GetInstanceConsoleOutput -----------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_console_output_of_a_running_instance(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run()
    body = _console(world, instance_id)
    assert body.instance_id == instance_id
    # no data plane, nothing printed
    assert base64.b64decode(body.console_output) == b""
    assert _BEIJING_SECONDS.fullmatch(body.last_update_time)
    # Beijing time of the instance's start (DescribeInstances shows it in UTC, to the minute)
    shown = datetime.strptime(body.last_update_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert shown - timedelta(hours=8) - _start_time(world, instance_id) < timedelta(minutes=1)
    assert _console(world, instance_id, remove_symbols=True).instance_id == instance_id


def test_console_output_v1_sdk_and_documented_keys(
    server: RunningServer, world: World, api_meta_dir: Path
) -> None:
    (instance_id,) = world.run()
    request = GetInstanceConsoleOutputRequest()
    request.set_InstanceId(instance_id)
    request.set_RemoveSymbols(True)
    client = acs_client(server.endpoint, world.key)
    body = json.loads(client.do_action_with_exception(request))
    assert sorted(body) == ["ConsoleOutput", "InstanceId", "LastUpdateTime", "RequestId"]
    assert (body["InstanceId"], body["ConsoleOutput"]) == (instance_id, "")
    schema = load_apis(api_meta_dir, "2014-05-26")["GetInstanceConsoleOutput"].response
    assert undocumented(body, schema) == []
    request.set_InstanceId("i-nothere")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidInstanceId.NotFound",
        404,
    )


def test_console_output_of_a_stopped_instance(world: World) -> None:
    instance_id = world.create()
    body = _console(world, instance_id)
    assert (body.instance_id, body.console_output) == (instance_id, "")


BAD_CONSOLE: list[tuple[dict[str, object], str, int]] = [
    ({"instance_id": None}, "MissingParameter", 400),
    ({"instance_id": "i-nothere"}, "InvalidInstanceId.NotFound", 404),
    ({"region_id": "cn-qingdao"}, "InvalidInstanceId.NotFound", 404),
    ({"region_id": "cn-nowhere"}, "InvalidRegionId.NotFound", 404),
]


@pytest.mark.parametrize(("fields", "code", "status"), BAD_CONSOLE)
def test_console_output_refusals(
    world: World, fields: dict[str, object], code: str, status: int
) -> None:
    (instance_id,) = world.run()
    assert_refused(lambda: _console(world, instance_id, **fields), code, status)


def test_console_output_refusals_beyond_the_model(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    (windows,) = world.run(image_id=WINDOWS_IMAGE)
    stranger = new_world(server)
    assert_refused(lambda: _console(stranger, instance_id), "InvalidInstanceId.NotFound", 404)
    # ECS keeps no console for Windows instances
    assert_refused(lambda: _console(world, windows), "NotSupported", 405)
    params = {"RegionId": REGION, "InstanceId": instance_id, "RemoveSymbols": "maybe"}
    assert_refused(
        lambda: tea_call(
            server.endpoint, world.key, "2014-05-26", "GetInstanceConsoleOutput", params
        ),
        "InvalidParameter",
        400,
    )


# -- DescribeInstanceRuntime (ecsim's own API) ------------------------------------------------


def _runtime(
    server: RunningServer, key: tuple[str, str], signature: str = "v3", **params: str
) -> dict[str, Any]:
    return tea_call(
        server.endpoint, key, ECSIM.version, "DescribeInstanceRuntime", params, signature=signature
    )


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_runtime_refusals(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (running,) = world.run()
    stopped = world.create()
    # without a data plane nothing runs in the kernel, whatever its status says
    for instance_id in (running, stopped):
        assert_refused(
            lambda i=instance_id: _runtime(server, world.key, signature, InstanceId=i),
            "IncorrectInstanceStatus",
            403,
        )
    stranger = new_world(server)
    for key, instance_id in ((world.key, "i-nothere"), (stranger.key, running)):
        assert_refused(
            lambda k=key, i=instance_id: _runtime(server, k, signature, InstanceId=i),
            "InvalidInstanceId.NotFound",
            404,
        )
    assert_refused(lambda: _runtime(server, world.key, signature), "MissingParameter", 400)


def test_runtime_refusals_v1(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    client = acs_client(server.endpoint, world.key)
    for given, expected in (
        (instance_id, ("IncorrectInstanceStatus", 403)),
        ("i-nothere", ("InvalidInstanceId.NotFound", 404)),
    ):
        request = CommonRequest(
            domain=server.endpoint, version=ECSIM.version, action_name="DescribeInstanceRuntime"
        )
        request.set_protocol_type("http")
        request.set_method("POST")
        request.add_query_param("InstanceId", given)
        with pytest.raises(ServerException) as caught:
            client.do_action_with_exception(request)
        assert (caught.value.get_error_code(), caught.value.get_http_status()) == expected


# -- ecsim exec -------------------------------------------------------------------------------


def _exec(server: RunningServer, key: tuple[str, str], *args: str) -> tuple[int, str, str]:
    """``ecsim exec ARGS`` as a process, talking to ``server`` with ``key``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECSIM_")}
    environment.update(
        ECSIM_ENDPOINT=server.url, ECSIM_ACCESS_KEY_ID=key[0], ECSIM_ACCESS_KEY_SECRET=key[1]
    )
    done = subprocess.run(
        [sys.executable, "-m", "ecsim", "exec", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_exec_reports_the_api_refusal(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    for instance, code in (
        (instance_id, "IncorrectInstanceStatus"),
        ("i-nothere", "InvalidInstanceId.NotFound"),
    ):
        code_seen, stdout, stderr = _exec(server, world.key, instance, "--", "hostname")
        assert code_seen == 1, stderr
        assert stdout == ""
        assert json.loads(stderr)["Code"] == code


def test_exec_usage_errors(server: RunningServer, world: World) -> None:
    code, _, stderr = _exec(server, world.key, "i-nothere")
    assert code == 2
    assert "COMMAND" in stderr
    code, _, stderr = _exec(
        server, world.key, "--endpoint", "http://127.0.0.1:1", "i-x", "--", "true"
    )
    assert code == 2
    assert "cannot reach ecsim" in stderr

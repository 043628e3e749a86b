"""The ``ecsim`` CLI as a client (contracts 3 and 5), run as a real subprocess."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from ecsim.api.products import ECSIM
from ecsim.cli.client import RpcClient
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> Any:
        return json.loads(self.stderr)


def ecsim(*args: str, endpoint: str | None = None, env: dict[str, str] | None = None) -> Result:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ECSIM_", "ALIBABA_CLOUD_"))
    }
    # The C locale must not stop non-ASCII output (region names in Chinese).
    environment.update({"LC_ALL": "C", "LANG": "C"})
    if endpoint is not None:
        environment["ECSIM_ENDPOINT"] = endpoint
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "ecsim", *args],
        capture_output=True,
        env=environment,
        timeout=60,
        check=False,
    )
    return Result(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def new_account(server: RunningServer) -> dict[str, str]:
    name = f"cli-{uuid.uuid4().hex[:10]}@aliyun.com"
    result = ecsim("account", "create", "--name", name, endpoint=server.url)
    assert result.code == 0, result.stderr
    created: dict[str, str] = result.json()
    return created


def test_describe_regions_prints_the_response(server: RunningServer) -> None:
    result = ecsim("ecs", "DescribeRegions", endpoint=server.url)
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    body = result.json()
    assert {r["RegionId"] for r in body["Regions"]["Region"]} >= {"cn-hangzhou", "cn-qingdao"}
    assert len(body["RequestId"]) == 36
    # pretty-printed, as the aliyun CLI does
    assert result.stdout.startswith('{\n  "')


def test_endpoint_option_beats_the_environment(server: RunningServer) -> None:
    unused = _free_port()
    result = ecsim(
        "ecs",
        "DescribeRegions",
        "--endpoint",
        server.endpoint,  # host:port without a scheme means http
        endpoint=f"http://127.0.0.1:{unused}",
    )
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--AcceptLanguage", "en-US"), "China (Hangzhou)"),
        (("--AcceptLanguage=zh-CN",), "华东1（杭州）"),
    ],
)
def test_parameters_are_passed(server: RunningServer, args: tuple[str, ...], expected: str) -> None:
    result = ecsim("ecs", "DescribeRegions", *args, endpoint=server.url)
    assert result.code == 0, result.stderr
    names = {r["RegionId"]: r["LocalName"] for r in result.json()["Regions"]["Region"]}
    assert names["cn-hangzhou"] == expected


def test_api_error_goes_to_stderr_with_exit_1(server: RunningServer) -> None:
    result = ecsim("ecs", "NoSuchAction", "--RegionId", "cn-hangzhou", endpoint=server.url)
    assert result.code == 1
    assert result.stdout == ""
    error = result.error()
    assert error["Code"] == "InvalidAction.NotFound"
    assert error["HostId"] == "ecs.aliyuncs.com"
    assert error["RequestId"]


def test_vpc_calls_use_the_vpc_version(server: RunningServer) -> None:
    result = ecsim("vpc", "NoSuchAction", endpoint=server.url)
    assert result.code == 1
    assert result.error()["HostId"] == "vpc.aliyuncs.com"


def test_guide_command_line_reaches_the_server(server: RunningServer) -> None:
    """The best-practices guide's aliyun command, with ``aliyun`` replaced by ``ecsim``."""
    result = ecsim(
        *shlex.split(
            "ecs AuthorizeSecurityGroup --SecurityGroupId sg-1 --RegionId cn-qingdao "
            "--IpProtocol all --PortRange -1/-1 --SourceCidrIp 10.0.0.2 --NicType intranet"
        ),
        endpoint=server.url,
    )
    # sg-1 does not exist: whatever the server says, it is an API answer, not a usage error.
    assert result.code == 1, result.stderr
    assert "Code" in result.error()


def test_wrong_secret_is_an_api_error(server: RunningServer) -> None:
    result = ecsim(
        "ecs", "DescribeRegions", "--access-key-secret", "not-the-secret", endpoint=server.url
    )
    assert result.code == 1
    assert result.error()["Code"] == "SignatureDoesNotMatch"


def test_account_create_gives_a_working_key(server: RunningServer) -> None:
    created = new_account(server)
    assert set(created) == {"AccountId", "AccessKeyId", "AccessKeySecret"}
    assert created["AccountId"].isdigit() and created["AccountId"] != "1000000000000001"
    client = tea_ecs(server.endpoint, key=(created["AccessKeyId"], created["AccessKeySecret"]))
    response = client.describe_regions(ecs_models.DescribeRegionsRequest())
    assert response.status_code == 200
    assert response.body.regions.region


def test_account_create_without_name(server: RunningServer) -> None:
    first = ecsim("account", "create", endpoint=server.url)
    second = ecsim("account", "create", endpoint=server.url)
    assert first.code == second.code == 0, first.stderr + second.stderr
    assert first.json()["AccountId"] != second.json()["AccountId"]


def test_account_name_is_unique(server: RunningServer) -> None:
    name = f"dup-{uuid.uuid4().hex[:10]}@aliyun.com"
    assert ecsim("account", "create", "--name", name, endpoint=server.url).code == 0
    again = ecsim("account", "create", "--name", name, endpoint=server.url)
    assert again.code == 1
    assert again.stdout == ""
    assert again.error()["Code"].endswith("Duplicate")


def test_only_root_creates_accounts(server: RunningServer) -> None:
    created = new_account(server)
    result = ecsim(
        "account",
        "create",
        endpoint=server.url,
        env={
            "ECSIM_ACCESS_KEY_ID": created["AccessKeyId"],
            "ECSIM_ACCESS_KEY_SECRET": created["AccessKeySecret"],
        },
    )
    assert result.code == 1
    assert result.error()["Code"] == "Forbidden"
    # the same call through the client module shows the HTTP status
    client = RpcClient(server.url, created["AccessKeyId"], created["AccessKeySecret"])
    response = client.call(ECSIM.version, "CreateAccount", {})
    assert response.status == 403
    assert not response.ok


def test_unreachable_server(server: RunningServer) -> None:
    result = ecsim("ecs", "DescribeRegions", endpoint=f"http://127.0.0.1:{_free_port()}")
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot reach ecsim" in lines[0] and "connection refused" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--RegionId", "a", "--RegionId", "b"), "given twice"),
        (("--RegionId",), "needs a value"),
        (("--Version", "2016-04-28"), "set by ecsim"),
    ],
)
def test_usage_errors_exit_2(server: RunningServer, args: tuple[str, ...], message: str) -> None:
    result = ecsim("ecs", "DescribeRegions", *args, endpoint=server.url)
    assert result.code == 2
    assert message in result.stderr


def test_help_says_how_to_use_it() -> None:
    top = ecsim("--help")
    assert top.code == 0
    for command in ("serve", "ecs", "vpc", "account"):
        assert command in top.stdout
    ecs_help = ecsim("ecs", "--help")
    assert ecs_help.code == 0
    assert "ACTION [--Param VALUE]..." in ecs_help.stdout
    assert "--endpoint" in ecs_help.stdout
    create_help = ecsim("account", "create", "--help")
    assert create_help.code == 0
    assert "--name" in create_help.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port

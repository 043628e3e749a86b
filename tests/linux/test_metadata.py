"""The metadata service at 100.100.100.200, asked from inside instances with curl."""

from __future__ import annotations

import base64

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from Tea.exceptions import TeaException

from tests.support.linux import (
    address,
    associate_eip,
    exec_in,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

BASE = "http://100.100.100.200/latest"
TOKEN_TTL = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN = "X-aliyun-ecs-metadata-token"


def _curl(server: RunningServer, instance_id: str, *args: str) -> tuple[int, str]:
    """(HTTP status, body) of curl run inside the instance."""
    command = ["curl", "-s", "-m", "5", "-w", "\\n%{http_code}", *args]
    done = exec_in(server, instance_id, command)
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def _get(server: RunningServer, instance_id: str, path: str, *headers: str) -> tuple[int, str]:
    options = [part for header in headers for part in ("-H", header)]
    return _curl(server, instance_id, *options, f"{BASE}/{path}")


def _token(server: RunningServer, instance_id: str, ttl: int = 60) -> str:
    status, token = _curl(
        server, instance_id, "-X", "PUT", "-H", f"{TOKEN_TTL}: {ttl}", f"{BASE}/api/token"
    )
    assert status == 200, token
    return token


def test_an_instance_reads_its_own_metadata(linux_server: RunningServer, world: World) -> None:
    first, second = world.run(2)
    for instance_id in (first, second):
        assert _get(linux_server, instance_id, "meta-data/instance-id") == (200, instance_id)
        assert _get(linux_server, instance_id, "meta-data/private-ipv4") == (
            200,
            address(world, instance_id),
        )
        assert _get(linux_server, instance_id, "meta-data/vpc-id") == (200, world.vpc_id)
    status, listing = _get(linux_server, first, "meta-data/")
    assert status == 200
    assert {"instance-id", "private-ipv4", "region-id"} <= set(listing.splitlines())


def test_eipv4_appears_once_an_eip_is_associated(linux_server: RunningServer, world: World) -> None:
    (instance_id,) = world.run(1)
    assert _get(linux_server, instance_id, "meta-data/eipv4")[0] == 404
    eip = associate_eip(world, instance_id)
    assert _get(linux_server, instance_id, "meta-data/eipv4") == (200, eip)


def test_user_data_is_served_as_launched(linux_server: RunningServer, world: World) -> None:
    script = "#!/bin/sh\necho configured > /root/configured\n"
    (instance_id,) = world.run(1, user_data=base64.b64encode(script.encode()).decode())
    assert _get(linux_server, instance_id, "user-data") == (200, script)


def test_the_token_flow(linux_server: RunningServer, world: World) -> None:
    """PUT /latest/api/token with the TTL header, then GET with the token; a wrong token is
    refused, and so is another instance's token."""
    first, second = world.run(2)
    token = _token(linux_server, first)
    assert _get(linux_server, first, "meta-data/instance-id", f"{TOKEN}: {token}") == (200, first)
    assert _get(linux_server, first, "meta-data/instance-id", f"{TOKEN}: not-a-token")[0] == 401
    assert _get(linux_server, second, "meta-data/instance-id", f"{TOKEN}: {token}")[0] == 401
    # without HttpTokens=required a plain GET still works
    assert _get(linux_server, first, "meta-data/instance-id") == (200, first)


def test_http_tokens_required_at_launch(linux_server: RunningServer, world: World) -> None:
    (instance_id,) = world.run(1, http_tokens="required")
    assert _get(linux_server, instance_id, "meta-data/instance-id")[0] == 401
    token = _token(linux_server, instance_id)
    assert _get(linux_server, instance_id, "meta-data/instance-id", f"{TOKEN}: {token}") == (
        200,
        instance_id,
    )


def test_http_tokens_required_on_a_running_instance(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    assert _get(linux_server, instance_id, "meta-data/instance-id") == (200, instance_id)
    request = ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id=REGION, instance_id=instance_id, http_endpoint="enabled", http_tokens="required"
    )
    try:
        world.client.modify_instance_metadata_options(request)
    except TeaException as error:
        if error.code == "InvalidAction.NotFound":
            pytest.skip("ModifyInstanceMetadataOptions is not there yet")
        raise
    assert _get(linux_server, instance_id, "meta-data/instance-id")[0] == 401
    token = _token(linux_server, instance_id)
    assert _get(linux_server, instance_id, "meta-data/instance-id", f"{TOKEN}: {token}") == (
        200,
        instance_id,
    )

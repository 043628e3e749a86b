"""The classic network: one more routed network per region, shared by every account, with
the same per-interface gates (guide §1.7: accounts meet there and authorize each other)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.linux import ping, serve_linux
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World, world_in


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from serve_linux(tmp_path_factory.mktemp("ecsim-classic"))


def _address(world: World, instance_id: str) -> str:
    (instance,) = world.instances([instance_id])
    return str(instance.inner_ip_address.ip_address[0])


def test_classic_instances_of_two_accounts_meet_only_through_their_rules(
    linux_server: RunningServer,
) -> None:
    first, first_account = _world(linux_server)
    second, _ = _world(linux_server)
    first_group = first.group(vpc_id=None)
    second_group = second.group(vpc_id=None)
    mine = first.run_classic(first_group)
    theirs = second.run_classic(second_group)
    target = _address(second, theirs)
    assert not ping(mine, target)
    second.client.authorize_security_group(
        ecs_models.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=second_group,
            ip_protocol="icmp",
            port_range="-1/-1",
            source_group_id=first_group,
            source_group_owner_id=first_account,
            nic_type="intranet",
        )
    )
    assert ping(mine, target)
    # the other way round is still closed: the first account authorized nothing
    assert not ping(theirs, _address(first, mine))


def _world(server: RunningServer) -> tuple[World, str]:
    """A world in a fresh account, and that account's id."""
    account = create_account(server.url)
    key = (account["AccessKeyId"], account["AccessKeySecret"])
    return world_in(tea_ecs(server.endpoint, key), key), account["AccountId"]

"""Group changes reach the kernel before the API answers: a revoke cuts new connections at
once, and a rule that references a group follows that group's membership as it changes
(JoinSecurityGroup, LeaveSecurityGroup, a new member launched into it)."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    address,
    authorize,
    background,
    eventually,
    listening,
    ping,
    revoke,
    tcp_connects,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World


def _join(world: World, instance_id: str, group_id: str) -> None:
    world.client.join_security_group(
        ecs_models.JoinSecurityGroupRequest(
            region_id=REGION, instance_id=instance_id, security_group_id=group_id
        )
    )


def _leave(world: World, instance_id: str, group_id: str) -> None:
    world.client.leave_security_group(
        ecs_models.LeaveSecurityGroupRequest(
            region_id=REGION, instance_id=instance_id, security_group_id=group_id
        )
    )


def test_a_revoke_cuts_new_connections(linux_server: RunningServer, world: World) -> None:
    guarded = world.group()
    (client,) = world.run(1)
    (server_id,) = world.run(1, security_group_id=guarded)
    background(linux_server, server_id, "nc -l -k 8080")
    target = address(world, server_id)
    rule = {"ip_protocol": "tcp", "port_range": "8080/8080", "source_group_id": world.group_id}
    authorize(world, guarded, **rule)
    assert eventually(lambda: tcp_connects(client, target, 8080))
    # a flow that stays open over the revoke (what happens to it is not asserted)
    background(linux_server, client, f"sleep 30 | nc {target} 8080")
    revoke(world, guarded, **rule)
    assert not tcp_connects(client, target, 8080)
    # the revoke did not take anything else with it
    authorize(
        world, guarded, ip_protocol="icmp", port_range="-1/-1", source_group_id=world.group_id
    )
    assert ping(client, target)
    assert not tcp_connects(client, target, 8080)


def test_a_group_reference_follows_join_and_leave(world: World) -> None:
    """The guarded group lets pings in from the members of `trusted`: an instance that joins
    `trusted` gets through at once, and loses it at once when it leaves."""
    trusted, guarded = world.group(), world.group()
    (target_id,) = world.run(1, security_group_id=guarded)
    (member,) = world.run(1, security_group_id=trusted)
    (newcomer,) = world.run(1)
    authorize(world, guarded, ip_protocol="icmp", port_range="-1/-1", source_group_id=trusted)
    target = address(world, target_id)
    assert ping(member, target)
    assert not ping(newcomer, target)
    _join(world, newcomer, trusted)
    assert ping(newcomer, target)
    _leave(world, newcomer, trusted)
    assert not ping(newcomer, target)
    assert ping(member, target)


def test_a_member_launched_into_a_referenced_group_is_let_in_at_once(world: World) -> None:
    trusted, guarded = world.group(), world.group()
    (target_id,) = world.run(1, security_group_id=guarded)
    authorize(world, guarded, ip_protocol="icmp", port_range="-1/-1", source_group_id=trusted)
    (member,) = world.run(1, security_group_id=trusted)
    assert ping(member, address(world, target_id))


def test_joining_the_guarded_group_itself_shares_its_inner_access(
    linux_server: RunningServer, world: World
) -> None:
    """The other side of membership: an instance that joins the destination's (basic, Accept)
    group reaches its members, on any port, until it leaves."""
    guarded = world.group()
    (target_id,) = world.run(1, security_group_id=guarded)
    (visitor,) = world.run(1)
    background(linux_server, target_id, "nc -l -k 5000")
    target = address(world, target_id)
    assert eventually(lambda: listening(linux_server, target_id, 5000))
    assert not tcp_connects(visitor, target, 5000)
    _join(world, visitor, guarded)
    assert tcp_connects(visitor, target, 5000)
    _leave(world, visitor, guarded)
    assert not tcp_connects(visitor, target, 5000)

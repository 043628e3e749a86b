"""The guide's rule practices with real packets: §1.1 (3306 dropped for all, accepted for
sg-web by priority), §1.5 (isolation inside a group, the three-group case) and §1.6 (a
five-tuple egress rule on the source port)."""

from __future__ import annotations

from functools import partial

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import (
    address,
    authorize,
    authorize_egress,
    background,
    eventually,
    exec_in,
    listening,
    ping,
    revoke_egress,
    tcp_connects,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World


def _listen(server: RunningServer, instance_id: str, *ports: int) -> None:
    """TCP listeners inside the instance (``nc -l -k``), ready when this returns."""
    for port in ports:
        background(server, instance_id, f"nc -l -k {port}")
    for port in ports:
        assert eventually(partial(listening, server, instance_id, port))


# -- §1.1 -------------------------------------------------------------------------------------


def test_3306_dropped_at_priority_100_and_accepted_for_sg_web_at_priority_2(
    linux_server: RunningServer, world: World
) -> None:
    """sg-database was open to 0.0.0.0/0 (an accept at priority 100). The guide adds a drop
    of tcp 3306 from 0.0.0.0/0 at priority 100: at equal priority drop wins, so nobody reaches
    3306 while other ports stay open. Then an accept of 3306 from sg-web at priority 2: sg-web's
    members get through, everyone else is still dropped."""
    sg_web, sg_database = world.group(), world.group()
    (database,) = world.run(1, security_group_id=sg_database)
    (web,) = world.run(1, security_group_id=sg_web)
    (other,) = world.run(1)
    _listen(linux_server, database, 3306, 8080)
    target = address(world, database)
    authorize(
        world,
        sg_database,
        ip_protocol="tcp",
        port_range="1/65535",
        source_cidr_ip="0.0.0.0/0",
        priority=100,
    )
    assert tcp_connects(web, target, 3306)
    assert tcp_connects(other, target, 3306)
    authorize(
        world,
        sg_database,
        ip_protocol="tcp",
        port_range="3306/3306",
        source_cidr_ip="0.0.0.0/0",
        policy="drop",
        priority=100,
    )
    assert not tcp_connects(web, target, 3306)
    assert not tcp_connects(other, target, 3306)
    assert tcp_connects(other, target, 8080)
    authorize(
        world,
        sg_database,
        ip_protocol="tcp",
        port_range="3306/3306",
        source_group_id=sg_web,
        policy="accept",
        priority=2,
    )
    assert tcp_connects(web, target, 3306)
    assert not tcp_connects(other, target, 3306)


def test_trusting_a_vpc_block_opens_icmp_tcp_and_udp(
    linux_server: RunningServer, world: World
) -> None:
    """§1.1's CIDR example: icmp -1/-1, tcp and udp from the VPC's own block (ports 1/65535:
    the guide's listing prints 0/65535, but ports start at 1)."""
    guarded = world.group()
    (server_id,) = world.run(1, security_group_id=guarded)
    (client,) = world.run(1)
    _listen(linux_server, server_id, 8080)
    target = address(world, server_id)
    assert not ping(client, target)
    assert not tcp_connects(client, target, 8080)
    authorize(
        world,
        guarded,
        ip_protocol="icmp",
        port_range="-1/-1",
        source_cidr_ip="192.168.1.0/24",
        priority=2,
    )
    authorize(
        world,
        guarded,
        ip_protocol="tcp",
        port_range="1/65535",
        source_cidr_ip="192.168.1.0/24",
        priority=2,
    )
    assert ping(client, target)
    assert tcp_connects(client, target, 8080)
    # udp: a datagram through the rule reaches a listener that writes it to a file
    background(linux_server, server_id, "nc -u -l 5353 > /root/udp.txt")
    assert eventually(lambda: listening(linux_server, server_id, 5353, udp=True))
    authorize(
        world,
        guarded,
        ip_protocol="udp",
        port_range="1/65535",
        source_cidr_ip="192.168.1.0/24",
        priority=2,
    )
    sent = exec_in(linux_server, client, ["sh", "-c", f"echo datagram | nc -u -w 1 {target} 5353"])
    assert sent.returncode == 0, sent.stderr
    assert eventually(
        lambda: "datagram" in exec_in(linux_server, server_id, ["cat", "/root/udp.txt"]).stdout
    )


# -- §1.5 -------------------------------------------------------------------------------------


def _isolate(world: World, group_id: str) -> None:
    world.client.modify_security_group_policy(
        ecs_models.ModifySecurityGroupPolicyRequest(
            region_id=REGION, security_group_id=group_id, inner_access_policy="Drop"
        )
    )


def _connected(world: World, one: str, two: str) -> bool:
    """Private connectivity both ways, as the guide's table means it."""
    return ping(one, address(world, two)) and ping(two, address(world, one))


def test_the_three_group_case(world: World) -> None:
    """Group1 isolated {ECS1, ECS2}, Group2 interconnected {ECS1, ECS2}, Group3
    interconnected {ECS2, ECS3}: ECS1-ECS2 connected (isolation has the lowest priority),
    ECS2-ECS3 connected, ECS1-ECS3 isolated (no shared group, no rule)."""
    group1, group2, group3 = world.group(), world.group(), world.group()
    _isolate(world, group1)
    (ecs1,) = world.run(1, security_group_id=None, security_group_ids=[group1, group2])
    (ecs2,) = world.run(1, security_group_id=None, security_group_ids=[group1, group2, group3])
    (ecs3,) = world.run(1, security_group_id=group3)
    assert _connected(world, ecs1, ecs2)
    assert _connected(world, ecs2, ecs3)
    assert not ping(ecs1, address(world, ecs3))
    assert not ping(ecs3, address(world, ecs1))


def test_isolation_alone_separates_members_and_a_rule_reconnects_them(world: World) -> None:
    isolated = world.group()
    _isolate(world, isolated)
    one, two = world.run(2, security_group_id=isolated)
    assert not ping(one, address(world, two))
    assert not ping(two, address(world, one))
    # §1.5: isolation is the lowest priority, a rule that allows the members wins
    authorize(world, isolated, ip_protocol="icmp", port_range="-1/-1", source_group_id=isolated)
    assert _connected(world, one, two)


# -- §1.6 -------------------------------------------------------------------------------------


def test_egress_drop_on_source_port_22(linux_server: RunningServer, world: World) -> None:
    """The guide's five-tuple egress rule: drop tcp from the sender's address, source port
    22, to the target's address, any destination port. The same connection from another
    source port passes, and from port 22 once the rule is revoked."""
    senders, receivers = world.group(), world.group()
    (sender,) = world.run(1, security_group_id=senders)
    (receiver,) = world.run(1, security_group_id=receivers)
    _listen(linux_server, receiver, 8080)
    source, target = address(world, sender), address(world, receiver)
    authorize(world, receivers, ip_protocol="tcp", port_range="8080/8080", source_cidr_ip=source)
    # nc needs port 22 itself: the sender's sshd gives it up
    stopped = exec_in(linux_server, sender, ["sh", "-c", "kill $(cat /run/sshd.pid)"])
    assert stopped.returncode == 0, stopped.stderr
    rule = {
        "ip_protocol": "tcp",
        "port_range": "1/65535",
        "source_port_range": "22/22",
        "source_cidr_ip": f"{source}/32",
        "dest_cidr_ip": f"{target}/32",
        "policy": "drop",
        "priority": 1,
    }
    authorize_egress(world, senders, **rule)

    def connects_from(port: int) -> bool:
        command = ["nc", "-v", "-z", "-w", "1", "-p", str(port), target, "8080"]
        done = exec_in(linux_server, sender, command)
        # a local error (port 22 still bound) would not say anything of the network
        assert "bind failed" not in done.stderr, done.stderr
        return done.returncode == 0

    # dropped first: a connection from port 22 that never opened leaves no TIME_WAIT behind
    # to keep the port from being bound again
    assert eventually(lambda: not listening(linux_server, sender, 22))
    assert not connects_from(22)
    assert connects_from(2222)
    revoke_egress(world, senders, **rule)
    assert connects_from(22)

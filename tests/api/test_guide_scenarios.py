"""The best-practices guide's security-group scenarios (chapter 1), end to end through the SDKs,
with the reachability analyzer's verdict at each step.

- §1.2: the guide's ``join_sg`` / ``leave_sg`` snippets, as written (the V1 SDK's
  ``JoinSecurityGroupRequest`` and ``do_action``), around the Redis example's rules;
- §1.3: migrating an instance from SG_CURRENT to SG_WEB;
- §1.5: isolation inside a group, the three-group case, with real instances;
- §1.7: two instances authorizing each other's address (the guide's ``aliyun ecs`` command
  lines, run with ``ecsim ecs``), and two accounts authorizing each other's group.

The classic-network scenarios run in cn-qingdao, the region the guide's commands name.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.JoinSecurityGroupRequest import JoinSecurityGroupRequest
from aliyunsdkecs.request.v20140526.LeaveSecurityGroupRequest import LeaveSecurityGroupRequest

from tests.api.reach_tenants import OUT, Tenant, cli, implicit, new_tenant, rule
from tests.support.server import RunningServer

INNER = "same-group-inner-accept"
NO_RULE = implicit("no-matching-rule-ingress-default-deny")
# the guide's snippets call the V1 SDK's do_action, which the SDK now marks deprecated
SNIPPETS_WARN = pytest.mark.filterwarnings(
    r"ignore:do_action\(\) method is deprecated:DeprecationWarning"
)


class GuideSnippets:
    """§1.2's Python, as the guide writes it (``clt`` is the guide's AcsClient)."""

    def __init__(self, clt: AcsClient) -> None:
        self.clt = clt

    def join_sg(self, sg_id: str, instance_id: str) -> Any:
        request = JoinSecurityGroupRequest()
        request.set_InstanceId(instance_id)
        request.set_SecurityGroupId(sg_id)
        response = self._send_request(request)
        return response

    def leave_sg(self, sg_id: str, instance_id: str) -> Any:
        request = LeaveSecurityGroupRequest()
        request.set_InstanceId(instance_id)
        request.set_SecurityGroupId(sg_id)
        response = self._send_request(request)
        return response

    # send open api request
    def _send_request(self, request: Any) -> Any:
        request.set_accept_format("json")
        try:
            response_str = self.clt.do_action(request)
            logging.info(response_str)
            response_detail = json.loads(response_str)
            return response_detail
        except Exception as e:
            logging.error(e)
            return None


def verdict(tenant: Tenant, source: str, destination: str, **flow: str) -> tuple[str, Any, Any]:
    body = tenant.reach(source, destination, **flow)
    return body["verdict"], body["egress"], body["ingress"]


def ecsim_ecs(server: RunningServer, key: tuple[str, str], command: str) -> dict[str, Any]:
    """A guide command line with ``aliyun`` replaced by ``ecsim``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECSIM_")}
    environment.update(
        {
            "ECSIM_ENDPOINT": server.url,
            "ECSIM_ACCESS_KEY_ID": key[0],
            "ECSIM_ACCESS_KEY_SECRET": key[1],
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "ecsim", *command.split()[1:]],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body: dict[str, Any] = json.loads(done.stdout)
    return body


@SNIPPETS_WARN
def test_practice_2_join_and_leave_with_the_guides_snippets(server: RunningServer) -> None:
    tenant = new_tenant(server, "cn-qingdao")
    sg_web, sg_redis, sg_app = (tenant.group(None, n) for n in ("sg-web", "sg-redis", "sg-app"))
    # the worked rules: Redis drops 6379 for everyone at the lowest priority, and accepts it
    # from sg-web
    tenant.ecs.authorize_security_group(
        ecs.AuthorizeSecurityGroupRequest(
            region_id=tenant.region,
            security_group_id=sg_redis,
            permissions=[
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp",
                    port_range="6379/6379",
                    source_cidr_ip="0.0.0.0/0",
                    nic_type="intranet",
                    policy="drop",
                    priority="100",
                ),
                ecs.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp",
                    port_range="6379/6379",
                    source_group_id=sg_web,
                    nic_type="intranet",
                    policy="accept",
                    priority="1",
                ),
            ],
        )
    )
    rules = {r.priority: r.security_group_rule_id for r in _permissions(tenant, sg_redis)}
    (web,) = tenant.run(sg_web)
    (redis,) = tenant.run(sg_redis)
    (app,) = tenant.run(sg_app)
    redis_port = {"Protocol": "tcp", "Port": "6379"}
    accepted = rule(sg_redis, rules[1])
    dropped = rule(sg_redis, rules[100], priority=100, policy="Drop")
    assert verdict(tenant, web, redis, **redis_port) == ("allowed", OUT, accepted)
    assert verdict(tenant, app, redis, **redis_port) == ("denied", OUT, dropped)

    guide = GuideSnippets(tenant.acs)
    joined = guide.join_sg(sg_web, app)
    assert set(joined) == {"RequestId"}
    assert verdict(tenant, app, redis, **redis_port) == ("allowed", OUT, accepted)
    # members of sg-web reach each other
    assert verdict(tenant, web, app, Protocol="icmp")[0] == "allowed"

    left = guide.leave_sg(sg_web, app)
    assert set(left) == {"RequestId"}
    assert verdict(tenant, app, redis, **redis_port) == ("denied", OUT, dropped)
    # leaving the last group is refused; the snippet hands back the error body
    refused = guide.leave_sg(sg_app, app)
    assert refused["Code"] == "InstanceLastSecurityGroup"


def _permissions(tenant: Tenant, group_id: str) -> list[Any]:
    body = tenant.ecs.describe_security_group_attribute(
        # intranet: a classic group lists its internet rules by default
        ecs.DescribeSecurityGroupAttributeRequest(
            region_id=tenant.region, security_group_id=group_id, nic_type="intranet"
        )
    ).body
    return [p for p in body.permissions.permission]


def test_practice_3_migration_from_sg_current_to_sg_web(server: RunningServer) -> None:
    tenant = new_tenant(server)
    vpc_id, vswitch_id = tenant.vpc("10.20.0.0/16")
    sg_current = tenant.group(vpc_id, "SG_CURRENT")
    server_id, peer = tenant.run(sg_current, vswitch_id, amount=2)
    inner = implicit(INNER, True) | {"SecurityGroupId": sg_current}
    assert verdict(tenant, peer, server_id, Protocol="tcp", Port="22") == ("allowed", inner, inner)

    # 1. SG_WEB opens 80 and 443
    sg_web = tenant.group(vpc_id, "SG_WEB")
    tenant.authorize(sg_web, "tcp", "80/80", source_cidr_ip="0.0.0.0/0")
    tenant.authorize(sg_web, "tcp", "443/443", source_cidr_ip="0.0.0.0/0")
    # 2. SG_CURRENT lets SG_WEB's members in, all protocols
    tenant.authorize(sg_current, "all", "-1/-1", source_group_id=sg_web)
    (authorized,) = [r.security_group_rule_id for r in _permissions(tenant, sg_current)]
    # 3. the server joins SG_WEB, and is in both for a while
    tenant.ecs.join_security_group(
        ecs.JoinSecurityGroupRequest(
            region_id=tenant.region, security_group_id=sg_web, instance_id=server_id
        )
    )
    assert verdict(tenant, peer, server_id, Protocol="tcp", Port="22")[0] == "allowed"
    # 4. it leaves SG_CURRENT; the analyzer shows what still works, and why
    tenant.ecs.leave_security_group(
        ecs.LeaveSecurityGroupRequest(
            region_id=tenant.region, security_group_id=sg_current, instance_id=server_id
        )
    )
    web_rules = {p.port_range: p.security_group_rule_id for p in _permissions(tenant, sg_web)}
    assert verdict(tenant, peer, server_id, Protocol="tcp", Port="80") == (
        "allowed",
        OUT,
        rule(sg_web, web_rules["80/80"]),
    )
    assert verdict(tenant, peer, server_id, Protocol="tcp", Port="22") == (
        "denied",
        OUT,
        NO_RULE,
    )
    assert verdict(tenant, server_id, peer, Protocol="tcp", Port="5432") == (
        "allowed",
        OUT,
        rule(sg_current, authorized),
    )


def test_practice_5_isolation_is_the_lowest_priority(server: RunningServer) -> None:
    tenant = new_tenant(server)
    vpc_id, vswitch_id = tenant.vpc("10.30.0.0/16")
    group1, group2, group3 = (tenant.group(vpc_id, f"Group{n}") for n in (1, 2, 3))
    tenant.ecs.modify_security_group_policy(
        ecs.ModifySecurityGroupPolicyRequest(
            region_id=tenant.region, security_group_id=group1, inner_access_policy="Drop"
        )
    )
    (ecs1,) = tenant.run(group1, vswitch_id)
    ecs2 = tenant.ecs.run_instances(
        ecs.RunInstancesRequest(
            region_id=tenant.region,
            image_id="centos_7_03_64_20G_alibase_20170818.vhd",
            instance_type="ecs.g6.large",
            security_group_ids=[group1, group2, group3],
            v_switch_id=vswitch_id,
        )
    ).body.instance_id_sets.instance_id_set[0]
    (ecs3,) = tenant.run(group3, vswitch_id)
    tenant.ecs.join_security_group(
        ecs.JoinSecurityGroupRequest(
            region_id=tenant.region, security_group_id=group2, instance_id=ecs1
        )
    )

    def inner(group_id: str) -> dict[str, Any]:
        return implicit(INNER, True) | {"SecurityGroupId": group_id}

    icmp = {"Protocol": "icmp"}
    for a, b in ((ecs1, ecs2), (ecs2, ecs1)):
        assert verdict(tenant, a, b, **icmp) == ("allowed", inner(group2), inner(group2))
    for a, b in ((ecs2, ecs3), (ecs3, ecs2)):
        assert verdict(tenant, a, b, **icmp) == ("allowed", inner(group3), inner(group3))
    for a, b in ((ecs1, ecs3), (ecs3, ecs1)):
        assert verdict(tenant, a, b, **icmp) == ("denied", OUT, NO_RULE)
    matrix = cli(
        server, "--matrix", "--vpc", vpc_id, "--protocol", "icmp", "--json", key=tenant.key
    )
    assert matrix.returncode == 0, matrix.stderr
    assert json.loads(matrix.stdout)["allowedPairs"] == 4


def test_practice_7_two_instances_authorize_each_others_address(server: RunningServer) -> None:
    tenant = new_tenant(server, "cn-qingdao")
    sg1, sg2 = tenant.group(None, "sg1"), tenant.group(None, "sg2")
    (a,) = tenant.run(sg1)
    (b,) = tenant.run(sg2)
    a_ip, b_ip = tenant.private_ip(a), tenant.private_ip(b)
    assert verdict(tenant, a, b, Protocol="icmp") == ("denied", OUT, NO_RULE)
    assert verdict(tenant, b, a, Protocol="icmp") == ("denied", OUT, NO_RULE)
    for group_id, peer in ((sg1, b_ip), (sg2, a_ip)):
        ecsim_ecs(
            server,
            tenant.key,
            f"aliyun ecs AuthorizeSecurityGroup --SecurityGroupId {group_id} "
            f"--RegionId cn-qingdao --IpProtocol all --PortRange -1/-1 "
            f"--SourceCidrIp {peer} --NicType intranet",
        )
    (to_a,) = [r.security_group_rule_id for r in _permissions(tenant, sg1)]
    (to_b,) = [r.security_group_rule_id for r in _permissions(tenant, sg2)]
    assert verdict(tenant, a_ip, b_ip, Protocol="icmp") == ("allowed", OUT, rule(sg2, to_b))
    assert verdict(tenant, b_ip, a_ip, Protocol="icmp") == ("allowed", OUT, rule(sg1, to_a))
    # every protocol, as the rule says
    assert verdict(tenant, a, b, Protocol="tcp", Port="22")[0] == "allowed"


def test_practice_7_two_accounts_authorize_each_others_group(server: RunningServer) -> None:
    first, second = new_tenant(server, "cn-qingdao"), new_tenant(server, "cn-qingdao")
    sg1, sg2 = first.group(None, "sg1"), second.group(None, "sg2")
    (a,) = first.run(sg1)
    (b,) = second.run(sg2)
    a_ip, b_ip = first.private_ip(a), second.private_ip(b)
    # each account names its own instance by id, the other's by its classic address
    assert verdict(first, a, b_ip, Protocol="icmp") == ("denied", OUT, NO_RULE)
    assert verdict(second, b, a_ip, Protocol="icmp") == ("denied", OUT, NO_RULE)
    for tenant, group_id, peer_group, peer in (
        (first, sg1, sg2, second),
        (second, sg2, sg1, first),
    ):
        tenant.ecs.authorize_security_group(
            ecs.AuthorizeSecurityGroupRequest(
                region_id=tenant.region,
                security_group_id=group_id,
                permissions=[
                    ecs.AuthorizeSecurityGroupRequestPermissions(
                        ip_protocol="all",
                        port_range="-1/-1",
                        source_group_id=peer_group,
                        source_group_owner_account=peer.account_name,
                        nic_type="intranet",
                    )
                ],
            )
        )
    (into_1,) = [r.security_group_rule_id for r in _permissions(first, sg1)]
    (into_2,) = [r.security_group_rule_id for r in _permissions(second, sg2)]
    assert verdict(first, a, b_ip, Protocol="icmp") == ("allowed", OUT, rule(sg2, into_2))
    assert verdict(second, b, a_ip, Protocol="icmp") == ("allowed", OUT, rule(sg1, into_1))
    # a third account's group of the same name would not do: the reference names its owner
    third = new_tenant(server, "cn-qingdao")
    (c,) = third.run(third.group(None, "sg2"))
    assert verdict(third, c, a_ip, Protocol="icmp") == ("denied", OUT, NO_RULE)

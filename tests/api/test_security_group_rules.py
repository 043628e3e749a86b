"""Authorize / Revoke / Modify security-group rules through the official SDKs."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupEgressRequest import (
    AuthorizeSecurityGroupEgressRequest,
)
from aliyunsdkecs.request.v20140526.AuthorizeSecurityGroupRequest import (
    AuthorizeSecurityGroupRequest,
)
from aliyunsdkecs.request.v20140526.RevokeSecurityGroupRequest import RevokeSecurityGroupRequest

from tests.api.rule_tenants import (
    REGION,
    SSH,
    EgressPermission,
    IngressPermission,
    Tenant,
    authorize,
    make_tenant,
    refused,
)
from tests.support.clients import acs_client
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def tenant(server: RunningServer) -> Tenant:
    return make_tenant(server)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_authorize_describe_and_revoke_by_id(tenant: Tenant, signature: str) -> None:
    client = tenant.client(signature)
    group = tenant.group()
    authorize(
        client,
        group,
        SSH,
        IngressPermission(
            ip_protocol="icmp",
            port_range="-1/-1",
            source_cidr_ip="192.168.0.7",
            dest_cidr_ip="172.16.1.0/24",
            policy="Drop",
            priority="100",
            description="no ping",
        ),
    )
    ssh, ping = tenant.permissions(group)
    assert (ssh.ip_protocol, ssh.port_range, ssh.source_cidr_ip) == ("TCP", "22/22", "10.0.0.0/8")
    assert (ssh.policy, str(ssh.priority), ssh.nic_type) == ("Accept", "1", "intranet")
    assert ssh.security_group_rule_id.startswith("sgr-")
    assert ssh.create_time.endswith("Z")
    assert (ping.source_cidr_ip, ping.dest_cidr_ip) == ("192.168.0.7/32", "172.16.1.0/24")
    assert (ping.policy, str(ping.priority), ping.description) == ("Drop", "100", "no ping")
    client.revoke_security_group(
        ecs.RevokeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=group,
            security_group_rule_id=[ssh.security_group_rule_id],
        )
    )
    assert [p.security_group_rule_id for p in tenant.permissions(group)] == [
        ping.security_group_rule_id
    ]


def test_packer_style_legacy_call_through_the_old_sdk(server: RunningServer) -> None:
    tenant = make_tenant(server)
    group = tenant.group()
    client = acs_client(server.endpoint, tenant.key, region=REGION)
    request = AuthorizeSecurityGroupRequest()
    request.set_SecurityGroupId(group)
    request.set_IpProtocol("all")
    request.set_PortRange("-1/-1")
    request.set_NicType("internet")
    request.set_SourceCidrIp("0.0.0.0/0")
    body = json.loads(client.do_action_with_exception(request))
    assert set(body) == {"RequestId"}
    # the same call again (Packer retries) adds nothing
    client.do_action_with_exception(request)
    (rule,) = tenant.permissions(group)
    assert (rule.ip_protocol, rule.port_range, rule.source_cidr_ip) == ("ALL", "-1/-1", "0.0.0.0/0")
    # a VPC group's rules are intranet whatever the caller said
    assert rule.nic_type == "intranet"
    revoke = RevokeSecurityGroupRequest()
    revoke.set_SecurityGroupId(group)
    revoke.set_IpProtocol("ALL")
    revoke.set_PortRange("-1/-1")
    revoke.set_SourceCidrIp("0.0.0.0/0")
    client.do_action_with_exception(revoke)
    assert tenant.permissions(group) == []


def test_old_sdk_egress_permissions_and_mixingrefused(
    tenant: Tenant, server: RunningServer
) -> None:
    group = tenant.group()
    client = acs_client(server.endpoint, tenant.key, region=REGION)
    request = AuthorizeSecurityGroupEgressRequest()
    request.set_SecurityGroupId(group)
    request.set_Permissions(
        [{"IpProtocol": "udp", "PortRange": "53/53", "DestCidrIp": "100.100.2.136"}]
    )
    client.do_action_with_exception(request)
    (rule,) = tenant.permissions(group, "egress")
    assert (rule.direction, rule.dest_cidr_ip, rule.port_range) == (
        "egress",
        "100.100.2.136/32",
        "53/53",
    )
    request.set_Description("flat and listed")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert caught.value.get_error_code() == "InvalidParam.Permissions"
    assert caught.value.get_http_status() == 400


def test_a_batch_with_one_bad_entry_adds_none(tenant: Tenant) -> None:
    client = tenant.client()
    group = tenant.group()
    bad_cidr = IngressPermission(ip_protocol="tcp", port_range="80/80", source_cidr_ip="1.2.3")
    error = refused(lambda: authorize(client, group, SSH, bad_cidr))
    assert (error.code, error.status_code) == ("InvalidSourceCidrIp.Malformed", 400)
    missing_peer = IngressPermission(ip_protocol="tcp", port_range="80/80", source_group_id="sg-x")
    error = refused(lambda: authorize(client, group, SSH, missing_peer))
    assert (error.code, error.status_code) == ("InvalidSourceGroupId.NotFound", 404)
    error = refused(lambda: authorize(client, group, SSH, SSH))
    assert (error.code, error.status_code) == ("InvalidParam.DuplicatePermissions", 400)
    assert tenant.permissions(group) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"ip_protocol": "icmpx"}, "InvalidIpProtocol.ValueNotSupported"),
        ({"port_range": "200/1"}, "InvalidParam.PortRange"),
        ({"port_range": "-1/-1"}, "OperationDenied"),
        ({"policy": "allow"}, "InvalidPolicy.Malformed"),
        ({"priority": "0"}, "InvalidPriority.ValueNotSupported"),
        ({"priority": "one"}, "InvalidPriority.Malformed"),
        ({"nic_type": "public"}, "InvalidNicType.ValueNotSupported"),
        ({"description": "d" * 513}, "InvalidSecurityGroupDiscription.Malformed"),
        ({"dest_cidr_ip": "10.0.0.0/8"}, "InvalidParamter.Conflict"),
        (
            {
                "source_cidr_ip": None,
                "ipv_6source_cidr_ip": "2001:db8::/32",
                "ip_protocol": "icmp",
                "port_range": "-1/-1",
            },
            "InvalidParam.Ipv4ProtocolConflictWithIpv6Address",
        ),
        ({"source_cidr_ip": None}, "MissingParameter.Source"),
    ],
)
def test_bad_input_gets_the_documented_code(
    tenant: Tenant, fields: dict[str, Any], code: str
) -> None:
    group = tenant.group()
    permission = IngressPermission().from_map(SSH.to_map())
    for name, value in fields.items():
        setattr(permission, name, value)
    error = refused(lambda: authorize(tenant.client("v2"), group, permission))
    assert (error.code, error.status_code) == (code, 400)


def test_group_peer_egress_five_tuple_and_modify(tenant: Tenant) -> None:
    client = tenant.client()
    group, peer = tenant.group(), tenant.group()
    client.authorize_security_group_egress(
        ecs.AuthorizeSecurityGroupEgressRequest(
            region_id=REGION,
            security_group_id=group,
            permissions=[
                EgressPermission(
                    ip_protocol="tcp",
                    port_range="3306/3306",
                    dest_group_id=peer,
                    source_cidr_ip="172.16.0.0/24",
                    source_port_range="1024/65535",
                )
            ],
        )
    )
    (rule,) = tenant.permissions(group, "egress")
    assert (rule.dest_group_id, rule.source_cidr_ip, rule.source_port_range) == (
        peer,
        "172.16.0.0/24",
        "1024/65535",
    )
    assert rule.dest_group_owner_account == tenant.name
    client.modify_security_group_egress_rule(
        ecs.ModifySecurityGroupEgressRuleRequest(
            region_id=REGION,
            security_group_id=group,
            security_group_rule_id=rule.security_group_rule_id,
            port_range="5432/5432",
            description="postgres now",
        )
    )
    (after,) = tenant.permissions(group, "egress")
    assert (after.port_range, after.description, after.dest_group_id) == (
        "5432/5432",
        "postgres now",
        peer,
    )
    error = refused(
        lambda: client.modify_security_group_egress_rule(
            ecs.ModifySecurityGroupEgressRuleRequest(
                region_id=REGION,
                security_group_id=group,
                security_group_rule_id=rule.security_group_rule_id,
                dest_cidr_ip="10.0.0.0/8",
            )
        )
    )
    assert (error.code, error.status_code) == ("InvalidOperation.ModifySgRuleEntityType", 400)
    # revoked by its fields as they are now, the five-tuple's local side included
    client.revoke_security_group_egress(
        ecs.RevokeSecurityGroupEgressRequest(
            region_id=REGION,
            security_group_id=group,
            permissions=[
                ecs.RevokeSecurityGroupEgressRequestPermissions(
                    ip_protocol="TCP",
                    port_range="5432/5432",
                    dest_group_id=peer,
                    source_cidr_ip="172.16.0.0/24",
                    source_port_range="1024/65535",
                )
            ],
        )
    )
    assert tenant.permissions(group, "egress") == []


def test_modify_ingress_rule_and_unknown_rule(tenant: Tenant) -> None:
    client = tenant.client("v2")
    group = tenant.group()
    authorize(client, group, SSH)
    (rule,) = tenant.permissions(group)

    def modify(rule_id: str, **fields: Any) -> None:
        client.modify_security_group_rule(
            ecs.ModifySecurityGroupRuleRequest(
                region_id=REGION, security_group_id=group, security_group_rule_id=rule_id, **fields
            )
        )

    modify(rule.security_group_rule_id, source_cidr_ip="192.168.0.0/16", priority="5")
    (after,) = tenant.permissions(group)
    assert (after.source_cidr_ip, str(after.priority)) == ("192.168.0.0/16", "5")
    error = refused(lambda: modify("sgr-doesnotexist", description="x"))
    assert (error.code, error.status_code) == ("SecurityGroupRule.NotFound", 404)
    error = refused(lambda: modify(rule.security_group_rule_id, ip_protocol="gre"))
    assert (error.code, error.status_code) == ("OperationDenied", 400)


def test_revoke_by_rule_and_by_id_errors(tenant: Tenant) -> None:
    client = tenant.client()
    group = tenant.group()
    authorize(client, group, SSH)

    def revoke(**fields: Any) -> None:
        client.revoke_security_group(
            ecs.RevokeSecurityGroupRequest(region_id=REGION, security_group_id=group, **fields)
        )

    other_port = ecs.RevokeSecurityGroupRequestPermissions(
        ip_protocol="tcp", port_range="23/23", source_cidr_ip="10.0.0.0/8"
    )
    revoke(permissions=[other_port])
    (rule,) = tenant.permissions(group)
    for fields, code in (
        ({"security_group_rule_id": ["sgr-unknown"]}, "InvalidParam.SecurityGroupRuleId"),
        (
            {"security_group_rule_id": [rule.security_group_rule_id] * 2},
            "InvalidParam.SecurityGroupRuleIdRepeated",
        ),
        (
            {"security_group_rule_id": [rule.security_group_rule_id], "permissions": [other_port]},
            "InvalidParam.Permissions",
        ),
    ):
        error = refused(lambda fields=fields: revoke(**fields))
        assert (error.code, error.status_code) == (code, 400)
    same = ecs.RevokeSecurityGroupRequestPermissions(
        ip_protocol="TCP", port_range="22/22", source_cidr_ip="10.0.0.0/8"
    )
    revoke(permissions=[same])
    assert tenant.permissions(group) == []


def test_client_token_replays_the_first_answer(tenant: Tenant) -> None:
    client = tenant.client()
    group = tenant.group()
    token = uuid.uuid4().hex
    for _ in range(2):
        client.authorize_security_group(
            ecs.AuthorizeSecurityGroupRequest(
                region_id=REGION, security_group_id=group, permissions=[SSH], client_token=token
            )
        )
    assert len(tenant.permissions(group)) == 1

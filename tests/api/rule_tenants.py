"""Accounts of a test module's own, each with a VPC, and the SDK calls the rule tests share.

The session's server is shared: a module that works in accounts it created never meets other
modules' groups or quotas.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
IngressPermission = ecs.AuthorizeSecurityGroupRequestPermissions
EgressPermission = ecs.AuthorizeSecurityGroupEgressRequestPermissions


@dataclass(frozen=True)
class Tenant:
    """An account of this module's own, with one VPC to put groups in."""

    account_id: str
    name: str
    key: tuple[str, str]
    vpc_id: str
    endpoint: str

    def client(self, signature: str = "v3") -> EcsClient:
        return tea_ecs(self.endpoint, self.key, signature=signature)

    def group(self, *, group_type: str = "normal") -> str:
        request = ecs.CreateSecurityGroupRequest(
            region_id=REGION, vpc_id=self.vpc_id, security_group_type=group_type
        )
        return str(self.client().create_security_group(request).body.security_group_id)

    def permissions(self, group_id: str, direction: str = "all") -> list[Any]:
        request = ecs.DescribeSecurityGroupAttributeRequest(
            region_id=REGION, security_group_id=group_id, direction=direction
        )
        body = self.client().describe_security_group_attribute(request).body
        return list(body.permissions.permission)


def make_tenant(server: RunningServer) -> Tenant:
    name = f"rules-{uuid.uuid4().hex[:8]}@ecsim.test"
    account = create_account(server.url, name)
    key = (account["AccessKeyId"], account["AccessKeySecret"])
    client = tea_ecs(server.endpoint, key)
    vpc = client.create_vpc(ecs.CreateVpcRequest(region_id=REGION, cidr_block="172.16.0.0/12"))
    return Tenant(account["AccountId"], name, key, str(vpc.body.vpc_id), server.endpoint)


def authorize(client: EcsClient, group_id: str, *permissions: IngressPermission) -> None:
    client.authorize_security_group(
        ecs.AuthorizeSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id, permissions=list(permissions)
        )
    )


def refused(call: Any) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


SSH = IngressPermission(ip_protocol="TCP", port_range="22/22", source_cidr_ip="10.0.0.0/8")

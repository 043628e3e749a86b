"""Tenants of the shared server for the reachability tests: an account, its SDK clients, and
the calls of ecsim's own Ecsim API (which has no SDK: the generic clients the SDKs are built
on carry it, tea-openapi ``call_api`` with both signatures and aliyunsdkcore
``CommonRequest``), plus ``ecsim reach`` as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428 import models as vpc_models
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from ecsim.api.products import ECSIM
from tests.support.cli import create_account
from tests.support.clients import acs_client, tea_call, tea_ecs, tea_vpc
from tests.support.server import RunningServer

IMAGE = "centos_7_03_64_20G_alibase_20170818.vhd"
INSTANCE_TYPE = "ecs.g6.large"
HANGZHOU_ZONE = "cn-hangzhou-i"


@dataclass
class Tenant:
    """One account of the shared server, with the clients its tests use."""

    server: RunningServer
    account_id: str
    account_name: str
    key: tuple[str, str]
    region: str

    @property
    def ecs(self) -> EcsClient:
        return tea_ecs(self.server.endpoint, self.key, region=self.region)

    @property
    def acs(self) -> AcsClient:
        return acs_client(self.server.endpoint, self.key, region=self.region)

    def vpc(self, cidr: str = "192.168.0.0/16") -> tuple[str, str]:
        """A VPC and one vSwitch in it (the VPC's first /24)."""
        vpc_client = tea_vpc(self.server.endpoint, self.key, region=self.region)
        vpc_id = vpc_client.create_vpc(
            vpc_models.CreateVpcRequest(region_id=self.region, cidr_block=cidr)
        ).body.vpc_id
        block = cidr.split("/")[0].rsplit(".", 2)[0] + ".0.0/24"
        zone = HANGZHOU_ZONE if self.region == "cn-hangzhou" else f"{self.region}-b"
        vswitch_id = vpc_client.create_vswitch(
            vpc_models.CreateVSwitchRequest(
                region_id=self.region, vpc_id=vpc_id, cidr_block=block, zone_id=zone
            )
        ).body.v_switch_id
        return vpc_id, vswitch_id

    def group(self, vpc_id: str | None = None, name: str = "sg") -> str:
        return self.ecs.create_security_group(
            ecs.CreateSecurityGroupRequest(
                region_id=self.region, vpc_id=vpc_id, security_group_name=name
            )
        ).body.security_group_id

    def run(self, group_id: str, vswitch_id: str | None = None, amount: int = 1) -> list[str]:
        body = self.ecs.run_instances(
            ecs.RunInstancesRequest(
                region_id=self.region,
                image_id=IMAGE,
                instance_type=INSTANCE_TYPE,
                security_group_id=group_id,
                v_switch_id=vswitch_id,
                amount=amount,
            )
        ).body
        return list(body.instance_id_sets.instance_id_set)

    def authorize(self, group_id: str, protocol: str, ports: str, **peer: str) -> None:
        """An ingress rule (``source_cidr_ip=...`` or ``source_group_id=...``)."""
        self.ecs.authorize_security_group(
            ecs.AuthorizeSecurityGroupRequest(
                region_id=self.region,
                security_group_id=group_id,
                permissions=[
                    ecs.AuthorizeSecurityGroupRequestPermissions(
                        ip_protocol=protocol, port_range=ports, nic_type="intranet", **peer
                    )
                ],
            )
        )

    def rule_ids(self, group_id: str) -> list[str]:
        body = self.ecs.describe_security_group_attribute(
            # intranet: a classic group lists its internet rules by default
            ecs.DescribeSecurityGroupAttributeRequest(
                region_id=self.region, security_group_id=group_id, nic_type="intranet"
            )
        ).body
        return [p.security_group_rule_id for p in body.permissions.permission]

    def private_ip(self, instance_id: str) -> str:
        instance = self.ecs.describe_instance_attribute(
            ecs.DescribeInstanceAttributeRequest(instance_id=instance_id)
        ).body
        vpc_addresses = instance.vpc_attributes.private_ip_address.ip_address
        addresses = vpc_addresses or instance.inner_ip_address.ip_address
        return str(addresses[0])

    def reach(self, source: str, destination: str, **flow: str) -> dict[str, Any]:
        return call(self, "AnalyzeReachability", Source=source, Destination=destination, **flow)


def new_tenant(server: RunningServer, region: str = "cn-hangzhou") -> Tenant:
    name = f"reach-{uuid.uuid4().hex[:10]}@aliyun.com"
    created = create_account(server.url, name)
    return Tenant(
        server,
        created["AccountId"],
        name,
        (created["AccessKeyId"], created["AccessKeySecret"]),
        region,
    )


def call(tenant: Tenant, action: str, *, signature: str = "v3", **params: str) -> dict[str, Any]:
    """An Ecsim action through tea-openapi's generic ``call_api``."""
    return tea_call(
        tenant.server.endpoint,
        tenant.key,
        ECSIM.version,
        action,
        params,
        signature=signature,
        region=tenant.region,
    )


def call_v1(tenant: Tenant, action: str, **params: str) -> dict[str, Any]:
    """An Ecsim action through aliyunsdkcore's ``CommonRequest`` (V1 HMAC-SHA1)."""
    request = CommonRequest(
        domain=tenant.server.endpoint, version=ECSIM.version, action_name=action
    )
    request.set_protocol_type("http")
    request.set_method("POST")
    for name, value in params.items():
        request.add_query_param(name, value)
    body: dict[str, Any] = json.loads(tenant.acs.do_action_with_exception(request))
    return body


def rule(group_id: str, rule_id: str, priority: int = 1, policy: str = "Accept") -> dict[str, Any]:
    return {
        "allowed": policy == "Accept",
        "rule": {
            "SecurityGroupId": group_id,
            "SecurityGroupRuleId": rule_id,
            "Priority": priority,
            "Policy": policy,
        },
    }


def implicit(reason: str, allowed: bool = False) -> dict[str, Any]:
    return {"allowed": allowed, "implicit": reason}


OUT = implicit("egress-default-allow-basic-group", True)
NO_RULE = implicit("no-matching-rule-ingress-default-deny")


def cli(
    server: RunningServer, *args: str, key: tuple[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECSIM_")}
    environment["ECSIM_ENDPOINT"] = server.url
    if key is not None:
        environment.update({"ECSIM_ACCESS_KEY_ID": key[0], "ECSIM_ACCESS_KEY_SECRET": key[1]})
    return subprocess.run(
        [sys.executable, "-m", "ecsim", "reach", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )

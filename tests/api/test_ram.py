"""RAM (2015-05-01) through aliyun-python-sdk-ram: the flows faascmd runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import RpcRequest
from aliyunsdkram.request.v20150501.AttachPolicyToRoleRequest import AttachPolicyToRoleRequest
from aliyunsdkram.request.v20150501.CreatePolicyRequest import CreatePolicyRequest
from aliyunsdkram.request.v20150501.CreateRoleRequest import CreateRoleRequest
from aliyunsdkram.request.v20150501.DeletePolicyRequest import DeletePolicyRequest
from aliyunsdkram.request.v20150501.DeleteRoleRequest import DeleteRoleRequest
from aliyunsdkram.request.v20150501.DetachPolicyFromRoleRequest import (
    DetachPolicyFromRoleRequest,
)
from aliyunsdkram.request.v20150501.GetPolicyRequest import GetPolicyRequest
from aliyunsdkram.request.v20150501.GetPolicyVersionRequest import GetPolicyVersionRequest
from aliyunsdkram.request.v20150501.GetRoleRequest import GetRoleRequest
from aliyunsdkram.request.v20150501.ListPoliciesForRoleRequest import (
    ListPoliciesForRoleRequest,
)
from aliyunsdkram.request.v20150501.ListRolesRequest import ListRolesRequest

from ecsim.api.products import RAM
from tests.support.cli import create_account
from tests.support.clients import tea_call
from tests.support.server import RunningServer

TRUST = json.dumps(
    {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": ["faas.aliyuncs.com"]},
            }
        ],
        "Version": "1",
    }
)


def _policy(bucket: str) -> str:
    resources = [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/*"]
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {"Action": "ecs:DescribeInstances", "Effect": "Allow", "Resource": "acs:ecs:*:*:*"},
                {
                    "Action": ["oss:GetObject", "oss:PutObject", "oss:ListObjects"],
                    "Effect": "Allow",
                    "Resource": resources,
                },
            ],
        }
    )


class Ram:
    """An account's RAM client: the old SDK, its https requests sent over http to ecsim."""

    def __init__(self, server: RunningServer) -> None:
        account = create_account(server.url)
        self.account_id: str = account["AccountId"]
        self._client = AcsClient(account["AccessKeyId"], account["AccessKeySecret"], "cn-hangzhou")
        self._client.add_endpoint("cn-hangzhou", "Ram", server.endpoint)

    def call(self, request: RpcRequest, **params: Any) -> dict[str, Any]:
        request.set_protocol_type("http")
        for name, value in params.items():
            getattr(request, f"set_{name}")(value)
        body: dict[str, Any] = json.loads(self._client.do_action_with_exception(request))
        assert body["RequestId"]
        return body

    def refused(self, request: RpcRequest, **params: Any) -> tuple[str, int]:
        with pytest.raises(ServerException) as caught:
            self.call(request, **params)
        return caught.value.get_error_code(), caught.value.get_http_status()

    def authorise(self, bucket: str) -> None:
        """What ``faascmd auth --bucket=`` does."""
        self.call(CreateRoleRequest(), RoleName="faasRole", AssumeRolePolicyDocument=TRUST)
        self.call(CreatePolicyRequest(), PolicyName="faasPolicy", PolicyDocument=_policy(bucket))
        self.call(
            AttachPolicyToRoleRequest(),
            PolicyType="Custom",
            PolicyName="faasPolicy",
            RoleName="faasRole",
        )


@pytest.fixture
def ram(server: RunningServer) -> Ram:
    return Ram(server)


def test_create_and_get_role(ram: Ram) -> None:
    created = ram.call(
        CreateRoleRequest(),
        RoleName="faasRole",
        AssumeRolePolicyDocument=TRUST,
        Description="FaaS reads designs",
    )["Role"]
    assert created["Arn"] == f"acs:ram::{ram.account_id}:role/faasRole"
    assert created["RoleName"] == "faasRole"
    assert created["Description"] == "FaaS reads designs"
    assert len(created["RoleId"]) == 19 and created["RoleId"].isdigit()
    assert created["CreateDate"].endswith("Z")
    got = ram.call(GetRoleRequest(), RoleName="faasRole")["Role"]
    assert got["RoleId"] == created["RoleId"]
    assert json.loads(got["AssumeRolePolicyDocument"]) == json.loads(TRUST)
    listed = ram.call(ListRolesRequest())
    assert [r["RoleName"] for r in listed["Roles"]["Role"]] == ["faasRole"]
    assert listed["IsTruncated"] is False


def test_role_refusals(ram: Ram) -> None:
    ram.call(CreateRoleRequest(), RoleName="faasRole", AssumeRolePolicyDocument=TRUST)
    assert ram.refused(
        CreateRoleRequest(), RoleName="faasRole", AssumeRolePolicyDocument=TRUST
    ) == ("EntityAlreadyExists.Role", 409)
    assert ram.refused(GetRoleRequest(), RoleName="nobody") == ("EntityNotExist.Role", 404)
    assert ram.refused(
        CreateRoleRequest(), RoleName="bad name!", AssumeRolePolicyDocument=TRUST
    ) == ("InvalidParameter.RoleName.InvalidChars", 400)
    assert ram.refused(CreateRoleRequest(), RoleName="other", AssumeRolePolicyDocument="{") == (
        "MalformedPolicyDocument",
        400,
    )
    assert ram.refused(CreateRoleRequest(), RoleName="other") == ("MissingParameter", 400)
    # nothing half-written by the refusals
    names = [r["RoleName"] for r in ram.call(ListRolesRequest())["Roles"]["Role"]]
    assert names == ["faasRole"]


def test_list_roles_pages_by_marker(ram: Ram) -> None:
    for name in ("a-role", "b-role", "c-role"):
        ram.call(CreateRoleRequest(), RoleName=name, AssumeRolePolicyDocument=TRUST)
    first = ram.call(ListRolesRequest(), MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]["Role"]] == ["a-role", "b-role"]
    assert first["IsTruncated"] is True
    rest = ram.call(ListRolesRequest(), MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]["Role"]] == ["c-role"]
    assert rest["IsTruncated"] is False


def test_faascmd_auth_list_policy_and_delete_policy(ram: Ram) -> None:
    ram.authorise("designs")
    listed = ram.call(ListPoliciesForRoleRequest(), RoleName="faasRole")["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in listed] == [("faasPolicy", "Custom")]
    got = ram.call(GetPolicyRequest(), PolicyName="faasPolicy", PolicyType="Custom")
    assert got["Policy"]["AttachmentCount"] == 1
    version = got["DefaultPolicyVersion"]
    assert (version["VersionId"], version["IsDefaultVersion"]) == ("v1", True)
    assert json.loads(version["PolicyDocument"]) == json.loads(_policy("designs"))
    same = ram.call(
        GetPolicyVersionRequest(), PolicyName="faasPolicy", PolicyType="Custom", VersionId="v1"
    )
    assert same["PolicyVersion"] == version

    assert ram.refused(DeletePolicyRequest(), PolicyName="faasPolicy") == (
        "DeleteConflict.Policy.Role",
        409,
    )
    ram.call(
        DetachPolicyFromRoleRequest(),
        PolicyType="Custom",
        PolicyName="faasPolicy",
        RoleName="faasRole",
    )
    ram.call(DeletePolicyRequest(), PolicyName="faasPolicy")
    assert ram.refused(GetPolicyRequest(), PolicyName="faasPolicy", PolicyType="Custom") == (
        "EntityNotExist.Policy",
        404,
    )
    assert ram.call(ListPoliciesForRoleRequest(), RoleName="faasRole")["Policies"]["Policy"] == []
    ram.call(DeleteRoleRequest(), RoleName="faasRole")
    assert ram.refused(GetRoleRequest(), RoleName="faasRole") == ("EntityNotExist.Role", 404)


def test_policy_refusals(ram: Ram) -> None:
    ram.authorise("designs")
    assert ram.refused(
        CreatePolicyRequest(), PolicyName="faasPolicy", PolicyDocument=_policy("x")
    ) == ("EntityAlreadyExists.Policy", 409)
    malformed = json.dumps({"Version": "1", "Statement": [{"Effect": "Perhaps", "Action": "*"}]})
    assert ram.refused(CreatePolicyRequest(), PolicyName="p2", PolicyDocument=malformed) == (
        "MalformedPolicyDocument",
        400,
    )
    assert ram.refused(GetPolicyRequest(), PolicyName="faasPolicy", PolicyType="Mine") == (
        "InvalidParameter.PolicyType.InvalidValue",
        400,
    )
    assert ram.refused(
        AttachPolicyToRoleRequest(),
        PolicyType="Custom",
        PolicyName="faasPolicy",
        RoleName="faasRole",
    ) == ("EntityAlreadyExists.Role.Policy", 409)
    assert ram.refused(
        AttachPolicyToRoleRequest(), PolicyType="Custom", PolicyName="nope", RoleName="faasRole"
    ) == ("EntityNotExist.Policy", 404)
    assert ram.refused(
        AttachPolicyToRoleRequest(),
        PolicyType="Custom",
        PolicyName="faasPolicy",
        RoleName="nobody",
    ) == ("EntityNotExist.Role", 404)
    assert ram.refused(
        DetachPolicyFromRoleRequest(),
        PolicyType="System",
        PolicyName="AliyunOSSFullAccess",
        RoleName="faasRole",
    ) == ("EntityNotExist.Role.Policy", 404)


def test_system_policies_attach(ram: Ram) -> None:
    ram.call(CreateRoleRequest(), RoleName="faasRole", AssumeRolePolicyDocument=TRUST)
    ram.call(
        AttachPolicyToRoleRequest(),
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        RoleName="faasRole",
    )
    listed = ram.call(ListPoliciesForRoleRequest(), RoleName="faasRole")["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in listed] == [
        ("AliyunOSSReadOnlyAccess", "System")
    ]


def test_accounts_do_not_see_each_others_roles(server: RunningServer) -> None:
    mine, theirs = Ram(server), Ram(server)
    mine.authorise("designs")
    assert theirs.call(ListRolesRequest())["Roles"]["Role"] == []
    assert theirs.refused(GetRoleRequest(), RoleName="faasRole") == ("EntityNotExist.Role", 404)
    # the same names are free in another account
    theirs.authorise("designs")


def _tea_call(
    server: RunningServer, key: tuple[str, str], signature: str, action: str, **params: str
) -> dict[str, Any]:
    """A RAM action through tea-openapi's generic ``call_api`` (what the tea RAM SDK uses)."""
    return tea_call(server.endpoint, key, RAM.version, action, params, signature=signature)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_tea_clients_with_both_signatures(server: RunningServer, signature: str) -> None:
    account = create_account(server.url)
    key = (account["AccessKeyId"], account["AccessKeySecret"])
    role = _tea_call(
        server, key, signature, "CreateRole", RoleName="faasRole", AssumeRolePolicyDocument=TRUST
    )["Role"]
    assert role["Arn"] == f"acs:ram::{account['AccountId']}:role/faasRole"
    with pytest.raises(ClientException) as caught:
        _tea_call(server, key, signature, "GetRole", RoleName="absent")
    assert (caught.value.code, caught.value.status_code) == ("EntityNotExist.Role", 404)

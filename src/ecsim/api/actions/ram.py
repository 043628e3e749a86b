"""RAM product actions (2015-05-01): the roles and policies faascmd manages.

There is no RAM metadata in the reference; parameter names follow aliyun-python-sdk-ram's
request classes, response keys and error codes RAM's documentation:

- CreateRole / GetRole -> {Role: {RoleId, RoleName, Arn, Description, AssumeRolePolicyDocument,
  MaxSessionDuration, CreateDate, UpdateDate}}; ListRoles -> {Roles: {Role: [...]},
  IsTruncated, Marker}; DeleteRole -> {}.
- CreatePolicy -> {Policy: {PolicyName, PolicyType, Description, DefaultVersion, CreateDate}};
  GetPolicy -> {Policy: {... UpdateDate, AttachmentCount, PolicyDocument},
  DefaultPolicyVersion: {VersionId, IsDefaultVersion, CreateDate, PolicyDocument}};
  GetPolicyVersion -> {PolicyVersion: {...}}; DeletePolicy -> {}.
- AttachPolicyToRole / DetachPolicyFromRole -> {}; ListPoliciesForRole -> {Policies: {Policy:
  [{PolicyName, PolicyType, Description, DefaultVersion, AttachDate}]}}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Integer, String
from ecsim.api.products import RAM
from ecsim.api.registry import ActionGroup
from ecsim.errors import EcsError
from ecsim.model.ram import Policy, PolicyType, Role
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(RAM)

# RAM's name rules: roles 1-64 of letters, digits, "." and "-"; policies 1-128 of letters,
# digits and "-".
_ROLE_NAME = String(
    "RoleName",
    required=True,
    pattern=r"[A-Za-z0-9.\-]{1,64}",
    code="InvalidParameter.RoleName.InvalidChars",
)
_POLICY_NAME = String(
    "PolicyName",
    required=True,
    pattern=r"[A-Za-z0-9\-]{1,128}",
    code="InvalidParameter.PolicyName.InvalidChars",
)
_POLICY_TYPE = String(
    "PolicyType",
    required=True,
    enum=tuple(t.value for t in PolicyType),
    code="InvalidParameter.PolicyType.InvalidValue",
)
_DESCRIPTION = String("Description", max_length=1024, code="InvalidParameter.Description.Length")
# RAM's documented bound on a policy document.
_DOCUMENT_MAX = 6144


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _role(role: Role) -> dict[str, Any]:
    return {
        "RoleId": role.role_id,
        "RoleName": role.name,
        "Arn": role.arn,
        "Description": role.description,
        "AssumeRolePolicyDocument": role.assume_role_policy_document,
        "MaxSessionDuration": role.max_session_duration,
        "CreateDate": _date(role.created_at),
        "UpdateDate": _date(role.updated_at),
    }


def _policy(policy: Policy) -> dict[str, Any]:
    return {
        "PolicyName": policy.name,
        "PolicyType": policy.policy_type.value,
        "Description": policy.description,
        "DefaultVersion": policy.default_version,
        "CreateDate": _date(policy.created_at),
    }


def _version(policy: Policy) -> dict[str, Any]:
    return {
        "VersionId": policy.default_version,
        "IsDefaultVersion": True,
        "CreateDate": _date(policy.updated_at),
        "PolicyDocument": policy.document,
    }


@actions.action(
    "CreateRole",
    params=(
        _ROLE_NAME,
        String(
            "AssumeRolePolicyDocument",
            required=True,
            max_length=_DOCUMENT_MAX,
            code="InvalidParameter.AssumeRolePolicyDocument.Length",
        ),
        _DESCRIPTION,
        Integer("MaxSessionDuration", minimum=3600, maximum=43200, default=3600),
    ),
    mutating=True,
)
def create_role(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    role = services.ram.create_role(
        ctx.account_id,
        params["RoleName"],
        params["AssumeRolePolicyDocument"],
        params.get("Description", ""),
        params["MaxSessionDuration"],
    )
    return {"Role": _role(role)}


@actions.action("GetRole", params=(_ROLE_NAME,))
def get_role(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    return {"Role": _role(services.ram.get_role(ctx.account_id, params["RoleName"]))}


@actions.action(
    "ListRoles",
    params=(String("Marker"), Integer("MaxItems", minimum=1, maximum=1000, default=100)),
)
def list_roles(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    roles = services.ram.roles(ctx.account_id)
    # The marker is the name of the first role of the next page (roles list in name order).
    marker = params.get("Marker")
    if marker:
        roles = [role for role in roles if role.name >= marker]
    page, rest = roles[: params["MaxItems"]], roles[params["MaxItems"] :]
    body: dict[str, Any] = {"Roles": {"Role": [_role(r) for r in page]}, "IsTruncated": bool(rest)}
    if rest:
        body["Marker"] = rest[0].name
    return body


@actions.action("DeleteRole", params=(_ROLE_NAME,), mutating=True)
def delete_role(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    services.ram.delete_role(ctx.account_id, params["RoleName"])
    return {}


@actions.action(
    "CreatePolicy",
    params=(
        _POLICY_NAME,
        String(
            "PolicyDocument",
            required=True,
            max_length=_DOCUMENT_MAX,
            code="InvalidParameter.PolicyDocument.Length",
        ),
        _DESCRIPTION,
    ),
    mutating=True,
)
def create_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    policy = services.ram.create_policy(
        ctx.account_id,
        params["PolicyName"],
        params["PolicyDocument"],
        params.get("Description", ""),
    )
    return {"Policy": _policy(policy)}


@actions.action("GetPolicy", params=(_POLICY_NAME, _POLICY_TYPE))
def get_policy(ctx: RequestContext, params: dict[str, Any], services: Services) -> dict[str, Any]:
    policy = services.ram.get_policy(
        ctx.account_id, PolicyType(params["PolicyType"]), params["PolicyName"]
    )
    shown = _policy(policy)
    shown["UpdateDate"] = _date(policy.updated_at)
    shown["AttachmentCount"] = services.ram.attachment_count(ctx.account_id, policy)
    shown["PolicyDocument"] = policy.document
    return {"Policy": shown, "DefaultPolicyVersion": _version(policy)}


@actions.action(
    "GetPolicyVersion", params=(_POLICY_NAME, _POLICY_TYPE, String("VersionId", required=True))
)
def get_policy_version(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    policy = services.ram.get_policy(
        ctx.account_id, PolicyType(params["PolicyType"]), params["PolicyName"]
    )
    # ecsim keeps one version per policy: its default.
    if params["VersionId"] != policy.default_version:
        raise EcsError(
            f"The policy version does not exist: {params['VersionId']}.",
            code="EntityNotExist.Policy.Version",
            http_status=404,
        )
    return {"PolicyVersion": _version(policy)}


@actions.action("DeletePolicy", params=(_POLICY_NAME,), mutating=True)
def delete_policy(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.ram.delete_policy(ctx.account_id, params["PolicyName"])
    return {}


@actions.action(
    "AttachPolicyToRole", params=(_POLICY_TYPE, _POLICY_NAME, _ROLE_NAME), mutating=True
)
def attach_policy_to_role(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.ram.attach_to_role(
        ctx.account_id, PolicyType(params["PolicyType"]), params["PolicyName"], params["RoleName"]
    )
    return {}


@actions.action(
    "DetachPolicyFromRole", params=(_POLICY_TYPE, _POLICY_NAME, _ROLE_NAME), mutating=True
)
def detach_policy_from_role(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    services.ram.detach_from_role(
        ctx.account_id, PolicyType(params["PolicyType"]), params["PolicyName"], params["RoleName"]
    )
    return {}


@actions.action("ListPoliciesForRole", params=(_ROLE_NAME,))
def list_policies_for_role(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    listed = []
    for policy, attached in services.ram.policies_for_role(ctx.account_id, params["RoleName"]):
        shown = _policy(policy)
        del shown["CreateDate"]
        shown["AttachDate"] = _date(attached.attached_at)
        listed.append(shown)
    return {"Policies": {"Policy": listed}}

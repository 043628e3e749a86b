"""auth, list_policy, delete_policy: the RAM role faasRole and its policy faasPolicy, which
let the FaaS service read the user's OSS bucket."""

from __future__ import annotations

import json
from typing import Any

from ecsim.faascmd import credentials
from ecsim.faascmd.clients import ApiError
from ecsim.faascmd.session import POLICY_NAME, ROLE_NAME, Session

__all__ = ["auth", "delete_policy", "list_policy"]

TRUSTED_SERVICE = "faas.aliyuncs.com"
OSS_ACTIONS = ["oss:GetObject", "oss:PutObject", "oss:ListObjects", "oss:GetBucketInfo"]
OSS_PREFIX = "acs:oss:*:*:"


def _missing(error: ApiError) -> bool:
    return error.status == 404 and error.code.startswith("EntityNotExist")


def _trust_document() -> str:
    statement = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Service": [TRUSTED_SERVICE]},
    }
    return json.dumps({"Statement": [statement], "Version": "1"})


def _policy_document(buckets: list[str]) -> str:
    resources: list[str] = []
    for bucket in buckets:
        resources += [
            f"{OSS_PREFIX}{bucket}",
            f"{OSS_PREFIX}{bucket}/*",
            f"{OSS_PREFIX}{bucket}/compiling_logs/*",
        ]
    statements: list[dict[str, Any]] = [
        {"Action": "ecs:DescribeInstances", "Effect": "Allow", "Resource": "acs:ecs:*:*:*"},
        {"Action": OSS_ACTIONS, "Effect": "Allow", "Resource": resources},
    ]
    return json.dumps({"Version": "1", "Statement": statements})


def _granted_buckets(document: dict[str, Any]) -> list[str]:
    """The buckets an earlier ``auth`` put in the policy (resources ``acs:oss:*:*:NAME``)."""
    buckets: list[str] = []
    for statement in document.get("Statement", []):
        resources = statement.get("Resource", [])
        for resource in [resources] if isinstance(resources, str) else resources:
            name = str(resource).removeprefix(OSS_PREFIX)
            if str(resource).startswith(OSS_PREFIX) and "/" not in name and name not in buckets:
                buckets.append(name)
    return buckets


def _policy(session: Session) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(default version, its document) of faasPolicy; None when there is none."""
    try:
        body = session.api.ram("GetPolicy", PolicyName=POLICY_NAME, PolicyType="Custom")
    except ApiError as error:
        if _missing(error):
            return None
        raise
    version = body.get("DefaultPolicyVersion") or {}
    raw = version.get("PolicyDocument") or body.get("Policy", {}).get("PolicyDocument") or "{}"
    document = json.loads(raw) if isinstance(raw, str) else raw
    return version, document


def _attached(session: Session) -> bool:
    body = session.api.ram("ListPoliciesForRole", RoleName=ROLE_NAME)
    policies = body.get("Policies", {}).get("Policy", [])
    return any(p.get("PolicyName") == POLICY_NAME for p in policies)


def _role_arn(session: Session) -> str:
    try:
        role = session.api.ram("GetRole", RoleName=ROLE_NAME)["Role"]
    except ApiError as error:
        if not _missing(error):
            raise
        role = session.api.ram(
            "CreateRole",
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=_trust_document(),
            Description="Lets the FaaS service read the FPGA designs in your OSS bucket.",
        )["Role"]
        session.print(f"Create {ROLE_NAME} successfully!!!")
    return str(role["Arn"])


def auth(session: Session) -> None:
    bucket = session.flag("bucket")
    arn = _role_arn(session)
    current = _policy(session)
    buckets = _granted_buckets(current[1]) if current else []
    if current is None or bucket not in buckets:
        if current is not None:
            # RAM here has no policy versions: the policy is replaced by one naming every bucket
            if _attached(session):
                session.api.ram(
                    "DetachPolicyFromRole",
                    PolicyType="Custom",
                    PolicyName=POLICY_NAME,
                    RoleName=ROLE_NAME,
                )
            session.api.ram("DeletePolicy", PolicyName=POLICY_NAME)
        session.api.ram(
            "CreatePolicy",
            PolicyName=POLICY_NAME,
            PolicyDocument=_policy_document([*buckets, bucket]),
            Description="FaaS access to the FPGA design buckets.",
        )
        session.print(f"Create {POLICY_NAME} successfully!!!")
    if not _attached(session):
        session.api.ram(
            "AttachPolicyToRole", PolicyType="Custom", PolicyName=POLICY_NAME, RoleName=ROLE_NAME
        )
        session.print(f"Attach {POLICY_NAME} to {ROLE_NAME} successfully!!!")
    credentials.save({"Role": {"role": arn}, "OSS": {"bucket": bucket}})
    session.print(f"role = {arn}", f"bucket = {bucket}")


def list_policy(session: Session) -> None:
    current = _policy(session)
    if current is None:
        session.print(f"{POLICY_NAME} does not exist: run faascmd auth --bucket=<bucket> first")
        return
    version, document = current
    default = "True" if version.get("IsDefaultVersion", True) else "False"
    session.print(
        f"VersionId : {version.get('VersionId', 'v1')} "
        f"CreateTime : {version.get('CreateDate', '')} IsDefaultVersion : {default}",
        json.dumps(document, indent=4, sort_keys=True),
    )


def delete_policy(session: Session) -> None:
    if _attached(session):
        session.api.ram(
            "DetachPolicyFromRole", PolicyType="Custom", PolicyName=POLICY_NAME, RoleName=ROLE_NAME
        )
        session.print(f"Detach {POLICY_NAME} from {ROLE_NAME} successfully!!!")
    session.api.ram("DeletePolicy", PolicyName=POLICY_NAME)
    session.print(f"Delete the {POLICY_NAME} successfully!!!")

"""RAM's errors, and the FaaS codes for a role that cannot read the design bucket.

There is no RAM API metadata in the reference: the RAM codes follow RAM's documented error
codes (2015-05-01); the FaaS codes and statuses follow the guide's §8.1.4 table and FAQ.
"""

from __future__ import annotations

from ecsim.errors import EcsError

__all__ = [
    "AccessDeniedError",
    "RoleAccessError",
    "RoleNotExistError",
    "delete_conflict_policy",
    "delete_conflict_role",
    "malformed_policy_document",
    "policy_already_attached",
    "policy_exists",
    "policy_not_attached",
    "policy_not_found",
    "role_exists",
    "role_not_found",
]


class RoleAccessError(EcsError):
    """FaaS: the roleArn is empty, malformed, or of another account (guide FAQ)."""

    code = "RoleAccessError"
    message = "You have no right to assume this role."
    http_status = 403


class RoleNotExistError(EcsError):
    """FaaS: the account has no such role (faascmd auth was never run)."""

    code = "EntityNotExist.RoleError"
    message = "The specified Role not exists ."
    http_status = 404


class AccessDeniedError(EcsError):
    """FaaS: the role's policies do not let the faas admin read the bucket.

    The guide's table gives no status for this row; 403 is the status of a refusal.
    """

    code = "AccessDeniedError"
    message = "The faas admin account has no permission to access the bucket."
    http_status = 403


def role_not_found(name: str) -> EcsError:
    return EcsError(
        f"The role does not exist: {name}.", code="EntityNotExist.Role", http_status=404
    )


def role_exists(name: str) -> EcsError:
    return EcsError(
        f"The role already exists: {name}.", code="EntityAlreadyExists.Role", http_status=409
    )


def policy_not_found(name: str) -> EcsError:
    return EcsError(
        f"The policy does not exist: {name}.", code="EntityNotExist.Policy", http_status=404
    )


def policy_exists(name: str) -> EcsError:
    return EcsError(
        f"The policy already exists: {name}.",
        code="EntityAlreadyExists.Policy",
        http_status=409,
    )


def malformed_policy_document(detail: str) -> EcsError:
    return EcsError(
        f"The policy document is malformed. {detail}",
        code="MalformedPolicyDocument",
        http_status=400,
    )


def policy_already_attached(policy: str, role: str) -> EcsError:
    return EcsError(
        f"The policy {policy} is already attached to the role {role}.",
        code="EntityAlreadyExists.Role.Policy",
        http_status=409,
    )


def policy_not_attached(policy: str, role: str) -> EcsError:
    return EcsError(
        f"The policy {policy} is not attached to the role {role}.",
        code="EntityNotExist.Role.Policy",
        http_status=404,
    )


def delete_conflict_policy(policy: str) -> EcsError:
    return EcsError(
        f"The policy {policy} is still attached to a role; detach it first.",
        code="DeleteConflict.Policy.Role",
        http_status=409,
    )


def delete_conflict_role(role: str) -> EcsError:
    return EcsError(
        f"The role {role} still has policies attached; detach them first.",
        code="DeleteConflict.Role.Policy",
        http_status=409,
    )

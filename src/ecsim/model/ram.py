"""RAM roles and policies: who the FaaS service may act as, and what that identity may do.

RAM is global: roles and policies belong to an account, not to a region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

__all__ = [
    "AttachedPolicy",
    "Effect",
    "Policy",
    "PolicyDocument",
    "PolicyType",
    "Role",
    "Statement",
    "role_arn",
]


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyType(Enum):
    # a policy the account wrote
    CUSTOM = "Custom"
    # a policy Alibaba Cloud provides to every account
    SYSTEM = "System"


@dataclass(frozen=True)
class Statement:
    effect: Effect
    # patterns with ``*`` and ``?`` wildcards, e.g. "oss:Get*", "acs:oss:*:*:bucket/*"
    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDocument:
    version: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Policy:
    account_id: str
    name: str
    policy_type: PolicyType
    description: str
    # the document as the client wrote it (RAM returns it verbatim)
    document: str
    created_at: datetime
    updated_at: datetime
    default_version: str = "v1"


@dataclass(frozen=True)
class AttachedPolicy:
    policy_type: PolicyType
    policy_name: str
    attached_at: datetime


@dataclass(frozen=True)
class Role:
    account_id: str
    role_id: str
    name: str
    description: str
    # the trust policy, verbatim
    assume_role_policy_document: str
    created_at: datetime
    updated_at: datetime
    max_session_duration: int = 3600
    policies: tuple[AttachedPolicy, ...] = field(default_factory=tuple)

    @property
    def arn(self) -> str:
        return role_arn(self.account_id, self.name)

    def attached(self, policy_type: PolicyType, policy_name: str) -> AttachedPolicy | None:
        for policy in self.policies:
            if policy.policy_type is policy_type and policy.policy_name == policy_name:
                return policy
        return None


def role_arn(account_id: str, role_name: str) -> str:
    return f"acs:ram::{account_id}:role/{role_name}"

"""RAM, just what faascmd needs: roles, policies, and whether a role may read a bucket."""

from __future__ import annotations

from dataclasses import replace

from ecsim.clock import Clock
from ecsim.control.ram_errors import (
    AccessDeniedError,
    RoleAccessError,
    RoleNotExistError,
    delete_conflict_policy,
    delete_conflict_role,
    malformed_policy_document,
    policy_already_attached,
    policy_exists,
    policy_not_attached,
    policy_not_found,
    role_exists,
    role_not_found,
)
from ecsim.control.ram_policies import PolicyDocumentError, allows, parse_policy_document
from ecsim.control.ram_repository import RamRepository
from ecsim.control.ram_system_policies import system_policy
from ecsim.ids import IdFactory
from ecsim.model.ram import AttachedPolicy, Policy, PolicyType, Role
from ecsim.model.ram import role_arn as make_role_arn
from ecsim.store.base import Store

__all__ = ["AccessDeniedError", "Ram", "RoleAccessError", "RoleNotExistError"]

# The action the faas service performs on a design object, and the object it stands for
# when no key is named: a literal "*" key is matched only by patterns covering every object.
_READ_ACTION = "oss:GetObject"
_ANY_OBJECT = "*"


class Ram:
    def __init__(self, store: Store, ids: IdFactory, clock: Clock) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._repo = RamRepository(store)

    # -- what the FaaS service asks --------------------------------------------------------

    def role_arn(self, account_id: str, role_name: str) -> str:
        return make_role_arn(account_id, role_name)

    def check_bucket_access(
        self, account_id: str, role_arn: str, bucket: str, key: str | None = None
    ) -> None:
        """Whether the account's role ``role_arn`` lets the faas service read ``bucket``.

        RoleAccessError when the ARN is empty, malformed or names another account;
        EntityNotExist.RoleError when the role is missing; AccessDeniedError when its policies
        grant no read on the bucket (or a Deny covers it).
        """
        prefix = f"acs:ram::{account_id}:role/"
        role_name = role_arn[len(prefix) :] if role_arn.startswith(prefix) else ""
        if not role_name:
            raise RoleAccessError()
        role = self._repo.find_role(account_id, role_name)
        if role is None:
            raise RoleNotExistError()
        documents = []
        for attached in role.policies:
            policy = self._find_policy(account_id, attached.policy_type, attached.policy_name)
            if policy is not None:
                documents.append(parse_policy_document(policy.document))
        # OSS resources in RAM are acs:oss:REGION:ACCOUNT:BUCKET[/KEY]; the service reads
        # in any region, so a region wildcard is what matches.
        resource = f"acs:oss:*:{account_id}:{bucket}/{key if key is not None else _ANY_OBJECT}"
        if not allows(documents, _READ_ACTION, resource):
            raise AccessDeniedError()

    # -- roles --------------------------------------------------------------------------------

    def create_role(
        self,
        account_id: str,
        name: str,
        trust_document: str,
        description: str,
        max_session_duration: int = 3600,
    ) -> Role:
        try:
            parse_policy_document(trust_document, trust=True)
        except PolicyDocumentError as exc:
            raise malformed_policy_document(str(exc)) from None
        if self._repo.find_role(account_id, name) is not None:
            raise role_exists(name)
        now = self._clock.now()
        role = Role(
            account_id=account_id,
            role_id=self._role_id(),
            name=name,
            description=description,
            assume_role_policy_document=trust_document,
            created_at=now,
            updated_at=now,
            max_session_duration=max_session_duration,
        )
        self._repo.save_role(role)
        return role

    def get_role(self, account_id: str, name: str) -> Role:
        role = self._repo.find_role(account_id, name)
        if role is None:
            raise role_not_found(name)
        return role

    def roles(self, account_id: str) -> list[Role]:
        return sorted(self._repo.roles(account_id), key=lambda r: r.name)

    def delete_role(self, account_id: str, name: str) -> None:
        role = self.get_role(account_id, name)
        if role.policies:
            raise delete_conflict_role(name)
        self._repo.delete_role(role)

    # -- policies -----------------------------------------------------------------------------

    def create_policy(self, account_id: str, name: str, document: str, description: str) -> Policy:
        try:
            parse_policy_document(document)
        except PolicyDocumentError as exc:
            raise malformed_policy_document(str(exc)) from None
        if self._repo.find_policy(account_id, name) is not None:
            raise policy_exists(name)
        now = self._clock.now()
        policy = Policy(
            account_id=account_id,
            name=name,
            policy_type=PolicyType.CUSTOM,
            description=description,
            document=document,
            created_at=now,
            updated_at=now,
        )
        self._repo.save_policy(policy)
        return policy

    def get_policy(self, account_id: str, policy_type: PolicyType, name: str) -> Policy:
        policy = self._find_policy(account_id, policy_type, name)
        if policy is None:
            raise policy_not_found(name)
        return policy

    def attachment_count(self, account_id: str, policy: Policy) -> int:
        return sum(
            1
            for role in self._repo.roles(account_id)
            if role.attached(policy.policy_type, policy.name) is not None
        )

    def delete_policy(self, account_id: str, name: str) -> None:
        policy = self.get_policy(account_id, PolicyType.CUSTOM, name)
        if self.attachment_count(account_id, policy):
            raise delete_conflict_policy(name)
        self._repo.delete_policy(policy)

    # -- attachments --------------------------------------------------------------------------

    def attach_to_role(
        self, account_id: str, policy_type: PolicyType, policy_name: str, role_name: str
    ) -> None:
        policy = self.get_policy(account_id, policy_type, policy_name)
        role = self.get_role(account_id, role_name)
        if role.attached(policy_type, policy_name) is not None:
            raise policy_already_attached(policy_name, role_name)
        attached = AttachedPolicy(policy.policy_type, policy.name, self._clock.now())
        self._repo.save_role(replace(role, policies=(*role.policies, attached)))

    def detach_from_role(
        self, account_id: str, policy_type: PolicyType, policy_name: str, role_name: str
    ) -> None:
        self.get_policy(account_id, policy_type, policy_name)
        role = self.get_role(account_id, role_name)
        attached = role.attached(policy_type, policy_name)
        if attached is None:
            raise policy_not_attached(policy_name, role_name)
        remaining = tuple(p for p in role.policies if p is not attached)
        self._repo.save_role(replace(role, policies=remaining))

    def policies_for_role(
        self, account_id: str, role_name: str
    ) -> list[tuple[Policy, AttachedPolicy]]:
        role = self.get_role(account_id, role_name)
        found = []
        for attached in role.policies:
            policy = self._find_policy(account_id, attached.policy_type, attached.policy_name)
            if policy is not None:
                found.append((policy, attached))
        return found

    # -- helpers ------------------------------------------------------------------------------

    def _find_policy(self, account_id: str, policy_type: PolicyType, name: str) -> Policy | None:
        if policy_type is PolicyType.SYSTEM:
            return system_policy(name)
        return self._repo.find_policy(account_id, name)

    def _role_id(self) -> str:
        # RAM role ids are 19 decimal digits.
        number = int(self._ids.request_id().replace("-", ""), 16)
        return str(number % 10**19).zfill(19)

"""RAM roles, policies and the bucket check the FaaS service relies on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.ram import AccessDeniedError, Ram, RoleAccessError, RoleNotExistError
from ecsim.control.ram_policies import PolicyDocumentError, parse_policy_document, wildcard_match
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.ram import PolicyType
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1234567890123456"
OTHER = "6543210987654321"
TRUST = json.dumps(
    {
        "Version": "1",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": ["faas.aliyuncs.com"]},
            }
        ],
    }
)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def _allow(action: Any, resource: Any, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.fixture
def ram(store: SqliteStore, clock: FrozenClock) -> Ram:
    return Ram(store, IdFactory(seed=7), clock)


def _grant(ram: Ram, *statements: dict[str, Any], role: str = "faasRole") -> str:
    ram.create_role(ACCOUNT, role, TRUST, "")
    ram.create_policy(ACCOUNT, "faasPolicy", _doc(*statements), "")
    ram.attach_to_role(ACCOUNT, PolicyType.CUSTOM, "faasPolicy", role)
    return ram.role_arn(ACCOUNT, role)


def test_role_arn_form(ram: Ram) -> None:
    assert ram.role_arn(ACCOUNT, "faasRole") == f"acs:ram::{ACCOUNT}:role/faasRole"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("oss:GetObject", "acs:oss:*:*:designs/*"),
        ("oss:*", "acs:oss:*:*:designs/*"),
        ("oss:Get*", ["acs:oss:*:*:designs", "acs:oss:*:*:designs/*"]),
        (["ecs:DescribeInstances", "*"], "*"),
        ("OSS:getobject", f"acs:oss:*:{ACCOUNT}:design?/*"),
    ],
)
def test_a_policy_granting_read_lets_the_faas_service_in(
    ram: Ram, action: Any, resource: Any
) -> None:
    arn = _grant(ram, _allow(action, resource))
    ram.check_bucket_access(ACCOUNT, arn, "designs")


@pytest.mark.parametrize(
    "statements",
    [
        [_allow("oss:PutObject", "acs:oss:*:*:designs/*")],
        [_allow("oss:GetObject", "acs:oss:*:*:other/*")],
        [_allow("oss:GetObject", "acs:oss:*:*:designs/compiling_logs/*")],
        [_allow("oss:*", "*"), _allow("oss:GetObject", "acs:oss:*:*:designs/*", "Deny")],
    ],
)
def test_no_read_grant_or_a_deny_is_access_denied(
    ram: Ram, statements: list[dict[str, Any]]
) -> None:
    arn = _grant(ram, *statements)
    with pytest.raises(AccessDeniedError) as caught:
        ram.check_bucket_access(ACCOUNT, arn, "designs")
    assert (caught.value.code, caught.value.http_status) == ("AccessDeniedError", 403)


def test_a_role_without_policies_is_access_denied(ram: Ram) -> None:
    ram.create_role(ACCOUNT, "faasRole", TRUST, "")
    with pytest.raises(AccessDeniedError):
        ram.check_bucket_access(ACCOUNT, ram.role_arn(ACCOUNT, "faasRole"), "designs")


def test_a_system_policy_grants_too(ram: Ram) -> None:
    ram.create_role(ACCOUNT, "faasRole", TRUST, "")
    ram.attach_to_role(ACCOUNT, PolicyType.SYSTEM, "AliyunOSSReadOnlyAccess", "faasRole")
    ram.check_bucket_access(ACCOUNT, ram.role_arn(ACCOUNT, "faasRole"), "designs")


@pytest.mark.parametrize(
    "arn",
    ["", "faasRole", f"acs:ram::{OTHER}:role/faasRole", f"acs:ram::{ACCOUNT}:role/"],
)
def test_an_empty_or_foreign_role_arn_is_role_access_error(ram: Ram, arn: str) -> None:
    _grant(ram, _allow("oss:*", "*"))
    with pytest.raises(RoleAccessError) as caught:
        ram.check_bucket_access(ACCOUNT, arn, "designs")
    assert (caught.value.code, caught.value.http_status) == ("RoleAccessError", 403)


def test_a_missing_role_is_entity_not_exist_role_error(ram: Ram) -> None:
    with pytest.raises(RoleNotExistError) as caught:
        ram.check_bucket_access(ACCOUNT, ram.role_arn(ACCOUNT, "faasRole"), "designs")
    assert (caught.value.code, caught.value.http_status) == ("EntityNotExist.RoleError", 404)


def test_roles_and_policies_are_per_account(ram: Ram) -> None:
    _grant(ram, _allow("oss:*", "*"))
    ram.create_role(OTHER, "faasRole", TRUST, "")
    assert [r.name for r in ram.roles(OTHER)] == ["faasRole"]
    with pytest.raises(EcsError, match=r"EntityNotExist\.Policy"):
        ram.get_policy(OTHER, PolicyType.CUSTOM, "faasPolicy")


def test_delete_policy_refused_while_attached(ram: Ram) -> None:
    _grant(ram, _allow("oss:*", "*"))
    with pytest.raises(EcsError) as caught:
        ram.delete_policy(ACCOUNT, "faasPolicy")
    assert (caught.value.code, caught.value.http_status) == ("DeleteConflict.Policy.Role", 409)
    with pytest.raises(EcsError, match=r"DeleteConflict\.Role\.Policy"):
        ram.delete_role(ACCOUNT, "faasRole")
    ram.detach_from_role(ACCOUNT, PolicyType.CUSTOM, "faasPolicy", "faasRole")
    ram.delete_policy(ACCOUNT, "faasPolicy")
    ram.delete_role(ACCOUNT, "faasRole")
    assert ram.roles(ACCOUNT) == []


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"Version": "2", "Statement": [_allow("*", "*")]}),
        json.dumps({"Version": "1", "Statement": []}),
        _doc(_allow("*", "*", "Maybe")),
        _doc({"Effect": "Allow", "Action": "*"}),
        _doc(_allow([], "*")),
        _doc(_allow("*", [1])),
    ],
)
def test_malformed_documents_are_refused(text: str) -> None:
    with pytest.raises(PolicyDocumentError):
        parse_policy_document(text)


def test_trust_documents_need_a_principal() -> None:
    parse_policy_document(TRUST, trust=True)
    with pytest.raises(PolicyDocumentError):
        parse_policy_document(_doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), trust=True)


def test_wildcards_are_anchored_and_literal_otherwise() -> None:
    assert wildcard_match("acs:oss:*:*:b/*", "acs:oss:*:1:b/x")
    assert not wildcard_match("acs:oss:*:*:b", "acs:oss:*:1:b/x")
    assert not wildcard_match("a.c", "abc")
    assert wildcard_match("a?c", "abc")

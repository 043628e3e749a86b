"""Rule peers and quotas through the official SDK: other groups, other accounts, enterprise
groups, prefix lists, and the per-group rule limits."""

from __future__ import annotations

import pytest

from tests.api.rule_tenants import (
    SSH,
    IngressPermission,
    Tenant,
    authorize,
    make_tenant,
    refused,
)
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def tenant(server: RunningServer) -> Tenant:
    return make_tenant(server)


@pytest.fixture(scope="module")
def other(server: RunningServer) -> Tenant:
    return make_tenant(server)


def test_cross_account_peer_and_isolation(tenant: Tenant, other: Tenant) -> None:
    mine, theirs = tenant.group(), other.group()
    authorize(
        tenant.client(),
        mine,
        IngressPermission(
            ip_protocol="all",
            port_range="-1/-1",
            source_group_id=theirs,
            source_group_owner_account=other.name,
            nic_type="intranet",
        ),
    )
    other_id = IngressPermission(
        ip_protocol="tcp",
        port_range="80/80",
        source_group_id=theirs,
        source_group_owner_id=int(other.account_id),
    )
    authorize(tenant.client("v2"), mine, other_id)
    rules = tenant.permissions(mine)
    assert {(r.source_group_id, r.source_group_owner_account) for r in rules} == {
        (theirs, other.name)
    }
    # without the owner the group is looked for in the caller's own account
    not_mine = IngressPermission(ip_protocol="tcp", port_range="81/81", source_group_id=theirs)
    error = refused(lambda: authorize(tenant.client(), mine, not_mine))
    assert (error.code, error.status_code) == ("InvalidSourceGroupId.NotFound", 404)
    # another account cannot touch this account's group
    error = refused(lambda: authorize(other.client(), mine, SSH))
    assert (error.code, error.status_code) == ("InvalidSecurityGroupId.NotFound", 404)


def test_enterprise_group_refuses_group_peers_and_drop(tenant: Tenant) -> None:
    client = tenant.client()
    enterprise, basic = tenant.group(group_type="enterprise"), tenant.group()
    for permission in (
        IngressPermission(ip_protocol="tcp", port_range="22/22", source_group_id=basic),
        IngressPermission(
            ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0", policy="drop"
        ),
    ):
        error = refused(lambda permission=permission: authorize(client, enterprise, permission))
        assert (error.code, error.status_code) == ("InvalidGroupParameter.OperationDenied", 400)
    to_enterprise = IngressPermission(
        ip_protocol="tcp", port_range="22/22", source_group_id=enterprise
    )
    error = refused(lambda: authorize(client, basic, to_enterprise))
    assert (error.code, error.status_code) == ("InvalidGroupAuthParameter.OperationDenied", 400)


def test_prefix_list_only_peer_is_not_found(tenant: Tenant) -> None:
    permission = IngressPermission(
        ip_protocol="tcp", port_range="22/22", source_prefix_list_id="pl-nothere"
    )
    error = refused(lambda: authorize(tenant.client(), tenant.group(), permission))
    assert (error.code, error.status_code) == ("InvalidPrefixListId.NotFound", 404)


def test_rule_and_group_reference_quotas(tenant: Tenant) -> None:
    client = tenant.client()
    group, peer = tenant.group(), tenant.group()

    def ports(first: int, count: int) -> list[IngressPermission]:
        return [
            IngressPermission(ip_protocol="tcp", port_range=f"{p}/{p}", source_cidr_ip="1.1.1.1")
            for p in range(first, first + count)
        ]

    references = [
        IngressPermission(ip_protocol="tcp", port_range=f"{p}/{p}", source_group_id=peer)
        for p in range(1, 22)
    ]
    error = refused(lambda: authorize(client, group, *references))
    assert (error.code, error.status_code) == ("AuthorizedGroupRule.LimitExceed", 400)
    authorize(client, group, *references[:20])
    authorize(client, group, *ports(1000, 100))
    error = refused(lambda: authorize(client, group, *ports(2000, 81)))
    assert (error.code, error.status_code) == ("AuthorizationLimitExceed", 403)
    authorize(client, group, *ports(2000, 80))
    assert len(tenant.permissions(group)) == 200

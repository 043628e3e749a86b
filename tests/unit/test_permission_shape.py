"""A rule as the wire's Permission, alone and through DescribeSecurityGroupAttribute in-process
(rules put on groups through the repository: rule authorization is another family's)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from ecsim.api.auth import Authenticator
from ecsim.api.intake import IncomingRequest
from ecsim.api.permission_shape import PeerNames, render_permission
from ecsim.api.products import ECS
from ecsim.api.rpc import RpcSkeleton
from ecsim.app import Application, build_app
from ecsim.control.repositories import SecurityGroupRepository
from ecsim.model.account import AccountName
from ecsim.model.security_group import GroupRef, GroupType, Peer, Rule, SecurityGroup
from ecsim.model.values import Direction, IpProtocol, NicType, Policy, PortRange, Priority
from ecsim.settings import ROOT_ACCOUNT_ID, Settings
from ecsim.store.base import ResourceRecord

ROOT = ROOT_ACCOUNT_ID
HZ = "cn-hangzhou"
MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
NAMES = PeerNames(group_name=lambda g: f"name-of-{g}", account_name=lambda a: f"acct-{a}")


def make_rule(rule_id: str = "sgr-1", peer: Peer | None = None, **changes: Any) -> Rule:
    base = Rule(
        rule_id=rule_id,
        direction=Direction.INGRESS,
        protocol=IpProtocol.TCP,
        port_range=PortRange(22, 22),
        source_port_range=None,
        peer=peer if peer is not None else ipaddress.ip_network("10.0.0.0/8"),
        local=None,
        nic_type=NicType.INTRANET,
        policy=Policy.ACCEPT,
        priority=Priority(1),
        description="ssh",
        created_at=MOMENT,
    )
    return replace(base, **changes)


def make_group(vpc_id: str | None = "vpc-1") -> SecurityGroup:
    return SecurityGroup(
        group_id="sg-mine",
        account_id=ROOT,
        region_id=HZ,
        vpc_id=vpc_id,
        name="mine",
        description="",
        group_type=GroupType.NORMAL,
        inner_access_policy=Policy.ACCEPT,
        rules=(),
        created_at=MOMENT,
    )


# -- render_permission -------------------------------------------------------------------------


def test_ingress_cidr_rule_has_every_field() -> None:
    assert render_permission(make_rule(), make_group(), NAMES) == {
        "SecurityGroupRuleId": "sgr-1",
        "Direction": "ingress",
        "IpProtocol": "TCP",
        "PortRange": "22/22",
        "SourcePortRange": "",
        "SourceCidrIp": "10.0.0.0/8",
        "Ipv6SourceCidrIp": "",
        "SourceGroupId": "",
        "SourceGroupName": "",
        "SourceGroupOwnerAccount": "",
        "SourcePrefixListId": "",
        "SourcePrefixListName": "",
        "DestCidrIp": "",
        "Ipv6DestCidrIp": "",
        "DestGroupId": "",
        "DestGroupName": "",
        "DestGroupOwnerAccount": "",
        "DestPrefixListId": "",
        "DestPrefixListName": "",
        "PortRangeListId": "",
        "PortRangeListName": "",
        "Policy": "Accept",
        "Priority": 1,
        "NicType": "intranet",
        "Description": "ssh",
        "CreateTime": "2024-05-06T07:08:09Z",
    }


def test_egress_group_peer_is_named() -> None:
    rule = make_rule(
        peer=GroupRef("sg-peer", "1000000000000002"),
        direction=Direction.EGRESS,
        protocol=IpProtocol.ALL,
        port_range=PortRange(-1, -1),
        policy=Policy.DROP,
        priority=Priority(100),
    )
    shown = render_permission(rule, make_group(), NAMES)
    assert (shown["Direction"], shown["IpProtocol"], shown["PortRange"]) == (
        "egress",
        "ALL",
        "-1/-1",
    )
    assert (shown["Policy"], shown["Priority"]) == ("Drop", 100)
    assert (shown["DestGroupId"], shown["DestGroupName"], shown["DestGroupOwnerAccount"]) == (
        "sg-peer",
        "name-of-sg-peer",
        "acct-1000000000000002",
    )
    assert shown["SourceGroupId"] == shown["DestCidrIp"] == shown["SourceCidrIp"] == ""


def test_five_tuple_rules_put_the_local_side_opposite_the_peer() -> None:
    inbound = make_rule(
        local=ipaddress.ip_network("192.168.1.0/24"), source_port_range=PortRange(1024, 2048)
    )
    shown = render_permission(inbound, make_group(), NAMES)
    assert (shown["SourceCidrIp"], shown["DestCidrIp"]) == ("10.0.0.0/8", "192.168.1.0/24")
    assert shown["SourcePortRange"] == "1024/2048"
    outbound = make_rule(
        direction=Direction.EGRESS,
        peer=ipaddress.ip_network("10.0.0.1/32"),
        local=ipaddress.ip_network("172.16.1.0/32"),
        source_port_range=PortRange(22, 22),
        port_range=PortRange(1, 65535),
        policy=Policy.DROP,
    )
    shown = render_permission(outbound, make_group(), NAMES)
    assert (shown["SourceCidrIp"], shown["DestCidrIp"]) == ("172.16.1.0/32", "10.0.0.1/32")


def test_ipv6_blocks_go_to_their_own_fields() -> None:
    rule = make_rule(peer=ipaddress.ip_network("2001:db8::/32"), protocol=IpProtocol.ICMPV6)
    shown = render_permission(rule, make_group(), NAMES)
    assert (shown["Ipv6SourceCidrIp"], shown["SourceCidrIp"]) == ("2001:db8::/32", "")
    assert shown["IpProtocol"] == "ICMPv6"


def test_nic_type_is_intranet_in_a_vpc_group_only() -> None:
    public = make_rule(nic_type=NicType.INTERNET)
    assert render_permission(public, make_group(), NAMES)["NicType"] == "intranet"
    assert render_permission(public, make_group(vpc_id=None), NAMES)["NicType"] == "internet"


# -- through the skeleton ----------------------------------------------------------------------


@pytest.fixture
def app() -> Iterator[Application]:
    application = build_app(Settings(in_memory=True, verify_signatures=False, dataplane="none"))
    try:
        yield application
    finally:
        application.close()


def call(app: Application, action: str, **params: str) -> tuple[int, dict[str, Any]]:
    services = app.services
    skeleton = RpcSkeleton(
        app.registry,
        Authenticator(services.accounts, services.clock, services.limits, verify=False),
        services,
    )
    query = {"Action": action, "Version": ECS.version, "RegionId": HZ, **params}
    response = skeleton.handle(IncomingRequest("POST", "/", urlencode(query).encode(), {}, b""))
    body: dict[str, Any] = json.loads(response.body)
    return response.status, body


def create(app: Application, key: str | None = None) -> SecurityGroup:
    app.services.store.put_resource(ResourceRecord("vpc", "vpc-1", ROOT, HZ, {}))
    extra = {"AccessKeyId": key} if key else {"VpcId": "vpc-1"}
    status, body = call(app, "CreateSecurityGroup", SecurityGroupName="grp", **extra)
    assert status == 200, body
    return SecurityGroupRepository(app.services.store).find(body["SecurityGroupId"])  # type: ignore[return-value]


def put_rules(app: Application, group: SecurityGroup, *rules: Rule) -> None:
    SecurityGroupRepository(app.services.store).save(group.with_rules_added(rules))


def test_describe_attribute_renders_the_stored_rules(app: Application) -> None:
    other = app.services.accounts.create(ROOT, AccountName.parse("peer@example.com"))
    peer = create(app, key=other.access_key_id)
    group = create(app)
    put_rules(
        app,
        group,
        make_rule("sgr-a"),
        make_rule("sgr-b", GroupRef(peer.group_id, peer.account_id), direction=Direction.EGRESS),
    )
    status, body = call(app, "DescribeSecurityGroupAttribute", SecurityGroupId=group.group_id)
    assert status == 200, body
    assert (body["SecurityGroupId"], body["VpcId"], body["InnerAccessPolicy"]) == (
        group.group_id,
        "vpc-1",
        "Accept",
    )
    assert body["NextToken"] == ""
    first, second = body["Permissions"]["Permission"]
    assert first == render_permission(make_rule("sgr-a"), group, NAMES)
    assert (second["DestGroupId"], second["DestGroupName"], second["DestGroupOwnerAccount"]) == (
        peer.group_id,
        "grp",
        "peer@example.com",
    )
    _, egress = call(
        app, "DescribeSecurityGroupAttribute", SecurityGroupId=group.group_id, Direction="egress"
    )
    assert [p["SecurityGroupRuleId"] for p in egress["Permissions"]["Permission"]] == ["sgr-b"]


def test_describe_attribute_pages_with_tokens(app: Application) -> None:
    group = create(app)
    rules = [make_rule(f"sgr-{n:02}", port_range=PortRange(n, n)) for n in range(1, 13)]
    put_rules(app, group, *rules)
    _, first = call(
        app, "DescribeSecurityGroupAttribute", SecurityGroupId=group.group_id, MaxResults="10"
    )
    assert len(first["Permissions"]["Permission"]) == 10
    _, rest = call(
        app,
        "DescribeSecurityGroupAttribute",
        SecurityGroupId=group.group_id,
        MaxResults="10",
        NextToken=first["NextToken"],
    )
    assert [p["SecurityGroupRuleId"] for p in rest["Permissions"]["Permission"]] == [
        "sgr-11",
        "sgr-12",
    ]
    assert rest["NextToken"] == ""


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"Direction": "inbound"}, 400, "InvalidParamter"),
        ({"NicType": "wifi"}, 400, "InvalidNicType.ValueNotSupported"),
        ({"MaxResults": "5"}, 400, "InvalidParameter"),
        ({"NextToken": "made-up"}, 400, "InvalidParameter.NextToken"),
        ({"SecurityGroupId": "sg-missing"}, 404, "InvalidSecurityGroupId.NotFound"),
    ],
)
def test_describe_attribute_refuses_bad_input(
    app: Application, params: dict[str, str], status: int, code: str
) -> None:
    group = create(app)
    got_status, body = call(
        app, "DescribeSecurityGroupAttribute", **{"SecurityGroupId": group.group_id, **params}
    )
    assert (got_status, body["Code"]) == (status, code)


def test_describe_groups_counts_rules(app: Application) -> None:
    group = create(app)
    peer = create(app)
    put_rules(app, group, make_rule("sgr-a"), make_rule("sgr-b", GroupRef(peer.group_id, ROOT)))
    _, body = call(app, "DescribeSecurityGroups", SecurityGroupId=group.group_id)
    (item,) = body["SecurityGroups"]["SecurityGroup"]
    assert (item["RuleCount"], item["GroupToGroupRuleCount"]) == (2, 1)


def test_references_and_delete_refusal(app: Application) -> None:
    target = create(app)
    other = app.services.accounts.create(ROOT, AccountName.parse("ref@example.com"))
    theirs = create(app, key=other.access_key_id)
    put_rules(app, theirs, make_rule("sgr-x", GroupRef(target.group_id, ROOT)))
    status, body = call(
        app, "DescribeSecurityGroupReferences", **{"SecurityGroupId.1": target.group_id}
    )
    assert status == 200, body
    (reference,) = body["SecurityGroupReferences"]["SecurityGroupReference"]
    assert reference["SecurityGroupId"] == target.group_id
    assert reference["ReferencingSecurityGroups"]["ReferencingSecurityGroup"] == [
        {"SecurityGroupId": theirs.group_id, "AliUid": other.account.account_id}
    ]
    status, body = call(app, "DeleteSecurityGroup", SecurityGroupId=target.group_id)
    assert (status, body["Code"]) == (403, "DependencyViolation")
    assert "authorized in another one" in body["Message"]
    assert SecurityGroupRepository(app.services.store).find(target.group_id) is not None

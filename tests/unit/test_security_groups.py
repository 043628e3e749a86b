"""SecurityGroups, the use cases, in-process: defaults, validation, quota, dependencies,
filters, references, policy and attributes."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.control.repositories import NetworkInterfaceRepository, SecurityGroupRepository
from ecsim.control.security_groups import GroupQuery, SecurityGroups
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.account import AccountName
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.security_group import GroupRef, GroupType, Peer, Rule, SecurityGroup
from ecsim.model.tag import Tag
from ecsim.model.values import Direction, IpProtocol, NicType, Policy, PortRange, Priority
from ecsim.settings import ROOT_ACCOUNT_ID, Limits, Settings
from ecsim.store.base import ResourceRecord

ROOT = ROOT_ACCOUNT_ID
HZ = "cn-hangzhou"
MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture
def app() -> Iterator[Application]:
    settings = Settings(
        in_memory=True, dataplane="none", limits=Limits(security_groups_per_region=3)
    )
    application = build_app(settings, clock=FrozenClock(MOMENT), ids=IdFactory(seed=7))
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def groups(app: Application) -> SecurityGroups:
    return app.services.security_groups


def other_account(app: Application, name: str = "b@example.com") -> str:
    created = app.services.accounts.create(ROOT, AccountName.parse(name))
    return created.account.account_id


def add_vpc(app: Application, vpc_id: str, account: str = ROOT, region: str = HZ) -> str:
    # The VPC family's own model is not needed: a group only checks the record exists.
    app.services.store.put_resource(ResourceRecord("vpc", vpc_id, account, region, {}))
    return vpc_id


def rule(rule_id: str, peer: Peer, direction: Direction = Direction.INGRESS) -> Rule:
    return Rule(
        rule_id=rule_id,
        direction=direction,
        protocol=IpProtocol.TCP,
        port_range=PortRange(22, 22),
        source_port_range=None,
        peer=peer,
        local=None,
        nic_type=NicType.INTRANET,
        policy=Policy.ACCEPT,
        priority=Priority(1),
        description="",
        created_at=MOMENT,
    )


def with_rules(app: Application, group: SecurityGroup, *rules: Rule) -> SecurityGroup:
    updated = group.with_rules_added(rules)
    SecurityGroupRepository(app.services.store).save(updated)
    return updated


def add_member(app: Application, group: SecurityGroup, eni_id: str = "eni-1") -> None:
    NetworkInterfaceRepository(app.services.store).save(
        NetworkInterface(
            eni_id=eni_id,
            account_id=group.account_id,
            region_id=group.region_id,
            vpc_id=group.vpc_id,
            vswitch_id=None,
            primary_ip=ipaddress.IPv4Address("192.168.0.10"),
            security_group_ids=(group.group_id,),
        )
    )


def error_of(call: object) -> EcsError:
    assert callable(call)
    with pytest.raises(EcsError) as caught:
        call()
    return caught.value


# -- create ------------------------------------------------------------------------------------


def test_create_normal_group_defaults(app: Application, groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ, name="web", description="web servers")
    assert group.group_id.startswith("sg-")
    assert (group.group_type, group.inner_access_policy) == (GroupType.NORMAL, Policy.ACCEPT)
    assert group.rules == ()
    assert group.vpc_id is None
    assert group.created_at == MOMENT
    assert groups.get(ROOT, HZ, group.group_id) == group


def test_create_enterprise_group_needs_a_vpc_and_drops(
    app: Application, groups: SecurityGroups
) -> None:
    error = error_of(lambda: groups.create(ROOT, HZ, group_type=GroupType.ENTERPRISE))
    assert (error.code, error.http_status) == ("InvalidParams.VpcIdGroupType", 400)
    vpc = add_vpc(app, "vpc-ent")
    group = groups.create(ROOT, HZ, vpc_id=vpc, group_type=GroupType.ENTERPRISE)
    assert group.inner_access_policy is Policy.DROP
    assert group.vpc_id == vpc


def test_create_refuses_a_vpc_the_caller_cannot_see(
    app: Application, groups: SecurityGroups
) -> None:
    stranger = other_account(app)
    add_vpc(app, "vpc-theirs", account=stranger)
    add_vpc(app, "vpc-beijing", region="cn-beijing")
    for vpc_id in ("vpc-missing", "vpc-theirs", "vpc-beijing"):
        error = error_of(lambda vpc_id=vpc_id: groups.create(ROOT, HZ, vpc_id=vpc_id))
        assert (error.code, error.http_status) == ("InvalidVpcId.NotFound", 404)
    assert groups.describe(ROOT, HZ, GroupQuery()) == []


@pytest.mark.parametrize(
    "name", ["ab", "web-1", "a:b_c.d-e", "安全组", "Ünïcode9", "x" * 128, "http.example"]
)
def test_valid_names(groups: SecurityGroups, name: str) -> None:
    assert groups.create(ROOT, HZ, name=name).name == name


@pytest.mark.parametrize(
    "name",
    ["a", "x" * 129, "1abc", "_abc", "has space", "semi;colon", "http://x.com", "https://a"],
)
def test_invalid_names(groups: SecurityGroups, name: str) -> None:
    error = error_of(lambda: groups.create(ROOT, HZ, name=name))
    assert (error.code, error.http_status) == ("InvalidSecurityGroupName.Malformed", 400)


@pytest.mark.parametrize("description", ["a", "d" * 257, "http://x", "HTTPS://secure"])
def test_invalid_descriptions(groups: SecurityGroups, description: str) -> None:
    error = error_of(lambda: groups.create(ROOT, HZ, description=description))
    assert (error.code, error.http_status) == ("InvalidSecurityGroupDiscription.Malformed", 400)


def test_description_may_hold_anything_else(groups: SecurityGroups) -> None:
    text = "Web tier; see http://wiki — 80/443 only. " + "x" * 200
    assert groups.create(ROOT, HZ, description=text[:256]).description == text[:256]


def test_quota_per_account_and_region(app: Application, groups: SecurityGroups) -> None:
    for _ in range(3):
        groups.create(ROOT, HZ)
    error = error_of(lambda: groups.create(ROOT, HZ))
    assert (error.code, error.http_status) == ("QuotaExceed.SecurityGroup", 403)
    groups.create(ROOT, "cn-beijing")
    groups.create(other_account(app), HZ)


def test_create_attaches_tags(app: Application, groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ, tags=(Tag("env", "prod"), Tag("team", "")))
    assert app.services.tags.of("security_group", group.group_id) == {"env": "prod", "team": ""}


# -- delete ------------------------------------------------------------------------------------


def test_delete_removes_group_and_tags(app: Application, groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ, tags=(Tag("env", "prod"),))
    groups.delete(ROOT, HZ, group.group_id)
    assert groups.describe(ROOT, HZ, GroupQuery()) == []
    assert app.services.tags.of("security_group", group.group_id) == {}


def test_delete_not_found_for_other_accounts_and_regions(
    app: Application, groups: SecurityGroups
) -> None:
    group = groups.create(ROOT, HZ)
    stranger = other_account(app)
    for account, region in ((stranger, HZ), (ROOT, "cn-beijing"), (ROOT, HZ)):
        group_id = group.group_id if account != ROOT or region != HZ else "sg-missing"
        error = error_of(lambda a=account, r=region, g=group_id: groups.delete(a, r, g))
        assert (error.code, error.http_status) == ("InvalidSecurityGroup.NotFound", 404)
    assert groups.get(ROOT, HZ, group.group_id) == group


def test_delete_refused_while_interfaces_are_members(
    app: Application, groups: SecurityGroups
) -> None:
    group = groups.create(ROOT, HZ)
    add_member(app, group)
    error = error_of(lambda: groups.delete(ROOT, HZ, group.group_id))
    assert (error.code, error.http_status) == ("DependencyViolation", 403)
    assert error.message == "There is still instance(s) in the specified security group."


def test_delete_refused_while_another_account_references_it(
    app: Application, groups: SecurityGroups
) -> None:
    target = groups.create(ROOT, HZ)
    stranger = other_account(app)
    theirs = groups.create(stranger, HZ)
    with_rules(app, theirs, rule("sgr-1", GroupRef(target.group_id, ROOT)))
    error = error_of(lambda: groups.delete(ROOT, HZ, target.group_id))
    assert (error.code, error.http_status) == ("DependencyViolation", 403)
    assert error.message == "The specified security group has been authorized in another one."
    # the referencing group itself may go, and then so may the target
    groups.delete(stranger, HZ, theirs.group_id)
    groups.delete(ROOT, HZ, target.group_id)


def test_delete_ignores_a_group_naming_itself(app: Application, groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ)
    with_rules(app, group, rule("sgr-self", GroupRef(group.group_id, ROOT)))
    groups.delete(ROOT, HZ, group.group_id)


# -- describe ----------------------------------------------------------------------------------


def test_describe_filters(app: Application, groups: SecurityGroups) -> None:
    vpc = add_vpc(app, "vpc-1")
    web = groups.create(ROOT, HZ, vpc_id=vpc, name="web-front", tags=(Tag("env", "prod"),))
    ent = groups.create(
        ROOT, HZ, vpc_id=vpc, name="db", group_type=GroupType.ENTERPRISE, resource_group_id="rg-1"
    )
    classic = groups.create(ROOT, HZ, name="web-old", tags=(Tag("env", "test"),))

    def ids(**query: object) -> list[str]:
        found = groups.describe(ROOT, HZ, GroupQuery(**query))  # type: ignore[arg-type]
        return [listing.group.group_id for listing in found]

    assert ids() == [web.group_id, ent.group_id, classic.group_id]
    assert ids(vpc_id=vpc) == [web.group_id, ent.group_id]
    assert ids(group_ids=frozenset({classic.group_id, "sg-x"})) == [classic.group_id]
    assert ids(group_ids=frozenset()) == []
    assert ids(name="web") == []
    assert ids(name="web", fuzzy_name=True) == [web.group_id, classic.group_id]
    assert ids(name="db") == [ent.group_id]
    assert ids(group_type=GroupType.ENTERPRISE) == [ent.group_id]
    assert ids(in_vpc=False) == [classic.group_id]
    assert ids(in_vpc=True) == [web.group_id, ent.group_id]
    assert ids(resource_group_id="rg-1") == [ent.group_id]
    assert ids(service_managed=True) == []
    assert ids(service_managed=False) == [web.group_id, ent.group_id, classic.group_id]
    assert ids(tags={"env": None}) == [web.group_id, classic.group_id]
    assert ids(tags={"env": "test"}) == [classic.group_id]
    assert ids(tags={"env": "prod", "team": None}) == []


def test_describe_counts_members_and_capacity(app: Application, groups: SecurityGroups) -> None:
    vpc = add_vpc(app, "vpc-1")
    normal = groups.create(ROOT, HZ, vpc_id=vpc)
    enterprise = groups.create(ROOT, HZ, vpc_id=vpc, group_type=GroupType.ENTERPRISE)
    classic = groups.create(ROOT, HZ)
    add_member(app, normal, "eni-1")
    add_member(app, normal, "eni-2")
    with_rules(
        app,
        normal,
        rule("sgr-1", ipaddress.ip_network("10.0.0.0/8")),
        rule("sgr-2", GroupRef(classic.group_id, ROOT)),
    )
    listings = {item.group.group_id: item for item in groups.describe(ROOT, HZ, GroupQuery())}
    first = listings[normal.group_id]
    assert (first.member_count, first.available, first.group_rule_count) == (2, 1998, 1)
    assert listings[enterprise.group_id].available == 65536
    assert listings[classic.group_id].available == 1000


def test_describe_isolates_accounts_and_regions(app: Application, groups: SecurityGroups) -> None:
    mine = groups.create(ROOT, HZ)
    groups.create(other_account(app), HZ)
    groups.create(ROOT, "cn-beijing")
    assert [item.group.group_id for item in groups.describe(ROOT, HZ, GroupQuery())] == [
        mine.group_id
    ]


# -- rules of a group --------------------------------------------------------------------------


def test_rules_by_direction_and_nic_type(app: Application, groups: SecurityGroups) -> None:
    inbound = rule("sgr-in", ipaddress.ip_network("10.0.0.0/8"))
    outbound = rule("sgr-out", ipaddress.ip_network("0.0.0.0/0"), Direction.EGRESS)
    public = replace(inbound, rule_id="sgr-pub", nic_type=NicType.INTERNET)
    vpc_group = with_rules(app, groups.create(ROOT, HZ, vpc_id=add_vpc(app, "vpc-1")), inbound)
    vpc_group = with_rules(app, vpc_group, outbound, public)
    assert groups.rules(vpc_group, None, None) == (inbound, outbound, public)
    assert groups.rules(vpc_group, Direction.EGRESS, NicType.INTERNET) == (outbound,)
    classic = with_rules(app, groups.create(ROOT, HZ), inbound, outbound, public)
    assert groups.rules(classic, None, None) == (public,)
    assert groups.rules(classic, Direction.INGRESS, NicType.INTRANET) == (inbound,)


# -- references --------------------------------------------------------------------------------


def test_references_across_accounts(app: Application, groups: SecurityGroups) -> None:
    target = groups.create(ROOT, HZ)
    lonely = groups.create(ROOT, HZ)
    mine = with_rules(app, groups.create(ROOT, HZ), rule("sgr-1", GroupRef(target.group_id, ROOT)))
    stranger = other_account(app)
    theirs = with_rules(
        app,
        groups.create(stranger, HZ),
        rule("sgr-2", GroupRef(target.group_id, ROOT), Direction.EGRESS),
    )
    with_rules(app, target, rule("sgr-self", GroupRef(target.group_id, ROOT)))
    found = groups.references(ROOT, HZ, [target.group_id, lonely.group_id])
    assert [r.group_id for r in found] == [target.group_id, lonely.group_id]
    assert [(g.group_id, g.account_id) for g in found[0].referencing] == [
        (mine.group_id, ROOT),
        (theirs.group_id, stranger),
    ]
    assert found[1].referencing == ()


def test_references_of_a_group_the_caller_does_not_own(
    app: Application, groups: SecurityGroups
) -> None:
    theirs = groups.create(other_account(app), HZ)
    error = error_of(lambda: groups.references(ROOT, HZ, [theirs.group_id]))
    assert (error.code, error.http_status) == ("InvalidSecurityGroupId.NotFound", 404)


# -- policy and attributes ---------------------------------------------------------------------


def test_inner_access_policy_of_a_basic_group(groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ)
    groups.set_inner_access_policy(ROOT, HZ, group.group_id, Policy.DROP)
    assert groups.get(ROOT, HZ, group.group_id).inner_access_policy is Policy.DROP
    groups.set_inner_access_policy(ROOT, HZ, group.group_id, Policy.ACCEPT)
    assert groups.get(ROOT, HZ, group.group_id).inner_access_policy is Policy.ACCEPT


def test_inner_access_policy_of_an_enterprise_group_is_fixed(
    app: Application, groups: SecurityGroups
) -> None:
    group = groups.create(ROOT, HZ, vpc_id=add_vpc(app, "vpc-1"), group_type=GroupType.ENTERPRISE)
    error = error_of(
        lambda: groups.set_inner_access_policy(ROOT, HZ, group.group_id, Policy.ACCEPT)
    )
    assert (error.code, error.http_status) == ("InvalidParameter.InnerAccessPolicy", 404)
    assert groups.get(ROOT, HZ, group.group_id).inner_access_policy is Policy.DROP


def test_modify_attribute_leaves_omitted_fields(groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ, name="old", description="old text")
    groups.modify_attribute(ROOT, HZ, group.group_id, name="new")
    renamed = groups.get(ROOT, HZ, group.group_id)
    assert (renamed.name, renamed.description) == ("new", "old text")
    groups.modify_attribute(ROOT, HZ, group.group_id, description="new text")
    changed = groups.get(ROOT, HZ, group.group_id)
    assert (changed.name, changed.description) == ("new", "new text")


def test_modify_attribute_validates_before_writing(groups: SecurityGroups) -> None:
    group = groups.create(ROOT, HZ, name="old", description="old text")
    error = error_of(
        lambda: groups.modify_attribute(ROOT, HZ, group.group_id, name="fine", description="x")
    )
    assert error.code == "InvalidSecurityGroupDiscription.Malformed"
    assert groups.get(ROOT, HZ, group.group_id) == group


def test_name_of_any_account(app: Application, groups: SecurityGroups) -> None:
    theirs = groups.create(other_account(app), HZ, name="peer-group")
    assert groups.name_of(theirs.group_id) == "peer-group"
    assert groups.name_of("sg-gone") == ""

"""SecurityGroupRules: authorize, quotas, revoke and modify."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace

import pytest

from ecsim.model.rule_spec import GroupPeer, PrefixListPeer, RuleChange, RuleSpec
from ecsim.model.security_group import GroupRef, Rule
from ecsim.model.values import ANY_PORT, IpProtocol, NicType, Policy, PortRange, Priority
from tests.unit.rule_world import IN, OUT, REGION, ROOT, World, open_world, refused, spec


@pytest.fixture
def world() -> Iterator[World]:
    with open_world() as opened:
        yield opened


# -- authorize ---------------------------------------------------------------------------------


def test_authorize_stores_a_rule_with_an_id_and_the_clock_time(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(ROOT, REGION, "sg-a", [spec(nic_type=NicType.INTERNET)])
    (rule,) = world.stored("sg-a")
    assert rule.rule_id.startswith("sgr-")
    assert rule.created_at == world.clock.now()
    # a VPC group has only the intranet side, whatever the caller says
    assert rule.nic_type is NicType.INTRANET
    assert (rule.policy, rule.priority) == (Policy.ACCEPT, Priority(1))


def test_authorize_twice_adds_nothing_even_with_another_description(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(ROOT, REGION, "sg-a", [spec()])
    world.rules.authorize(ROOT, REGION, "sg-a", [spec(description="again")])
    (rule,) = world.stored("sg-a")
    assert rule.description == ""


def test_rules_differing_in_priority_or_policy_are_distinct(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(
        ROOT,
        REGION,
        "sg-a",
        [spec(), spec(priority=Priority(2)), spec(policy=Policy.DROP)],
    )
    assert len(world.stored("sg-a")) == 3


def test_duplicates_inside_one_call_are_refused(world: World) -> None:
    world.group("sg-a")
    error = refused(
        lambda: world.rules.authorize(
            ROOT, REGION, "sg-a", [spec("10.0.0.0/8"), spec("10.0.0.0/8", description="x")]
        )
    )
    assert (error.code, error.http_status) == ("InvalidParam.DuplicatePermissions", 400)
    assert world.stored("sg-a") == ()


def test_a_batch_with_one_bad_entry_adds_none(world: World) -> None:
    world.group("sg-a")
    error = refused(
        lambda: world.rules.authorize(
            ROOT, REGION, "sg-a", [spec(), spec(GroupPeer("sg-missing"), ports="80/80")]
        )
    )
    assert (error.code, error.http_status) == ("InvalidSourceGroupId.NotFound", 404)
    assert world.stored("sg-a") == ()


@pytest.mark.parametrize(
    ("account", "region"), [("1000000000000099", REGION), (ROOT, "cn-beijing")]
)
def test_only_the_callers_group_in_the_region(world: World, account: str, region: str) -> None:
    world.group("sg-a")
    error = refused(lambda: world.rules.authorize(account, region, "sg-a", [spec()]))
    assert (error.code, error.http_status) == ("InvalidSecurityGroupId.NotFound", 404)


def test_rule_quota_counts_both_directions(world: World) -> None:
    world.group("sg-a")
    first = [spec(ports=f"{p}/{p}") for p in (1, 2)] + [spec(direction=OUT, ports="3/3")]
    world.rules.authorize(ROOT, REGION, "sg-a", first)
    error = refused(
        lambda: world.rules.authorize(ROOT, REGION, "sg-a", [spec(ports="4/4"), spec(ports="5/5")])
    )
    assert (error.code, error.http_status) == ("AuthorizationLimitExceed", 403)
    world.rules.authorize(ROOT, REGION, "sg-a", [spec(ports="4/4")])
    # at the quota, an existing rule is still a success that adds nothing
    world.rules.authorize(ROOT, REGION, "sg-a", [spec(ports="4/4")])
    assert len(world.stored("sg-a")) == 4


def test_group_reference_quota(world: World) -> None:
    world.group("sg-a")
    world.group("sg-b")
    world.rules.authorize(
        ROOT, REGION, "sg-a", [spec(GroupPeer("sg-b"), ports=f"{p}/{p}") for p in (1, 2)]
    )
    error = refused(lambda: world.rules.authorize(ROOT, REGION, "sg-a", [spec(GroupPeer("sg-b"))]))
    assert (error.code, error.http_status) == ("AuthorizedGroupRule.LimitExceed", 400)
    world.rules.authorize(ROOT, REGION, "sg-a", [spec()])
    assert len(world.stored("sg-a")) == 3


# -- revoke ------------------------------------------------------------------------------------


def test_revoke_by_rule_matches_the_normalised_rule(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(
        ROOT, REGION, "sg-a", [spec("10.0.0.0/8"), spec("10.0.0.0/8", direction=OUT)]
    )
    # internet on a VPC group is intranet, as when it was authorized
    world.rules.revoke(
        ROOT, REGION, "sg-a", IN, specs=[spec("10.0.0.0/8", nic_type=NicType.INTERNET)]
    )
    (left,) = world.stored("sg-a")
    assert left.direction is OUT


def test_revoke_without_a_match_deletes_nothing(world: World) -> None:
    world.group("sg-a")
    world.group("sg-b")
    world.rules.authorize(ROOT, REGION, "sg-a", [spec()])
    for other in (spec(priority=Priority(5)), spec(ports="23/23"), spec(GroupPeer("sg-b"))):
        world.rules.revoke(ROOT, REGION, "sg-a", IN, specs=[other])
    assert len(world.stored("sg-a")) == 1


def test_revoke_a_group_peer_that_does_not_exist(world: World) -> None:
    world.group("sg-a")
    error = refused(
        lambda: world.rules.revoke(
            ROOT, REGION, "sg-a", OUT, specs=[spec(GroupPeer("sg-nope"), direction=OUT)]
        )
    )
    assert (error.code, error.http_status) == ("InvalidDestGroupId.NotFound", 404)


def test_revoke_duplicates_inside_one_call(world: World) -> None:
    world.group("sg-a")
    error = refused(lambda: world.rules.revoke(ROOT, REGION, "sg-a", IN, specs=[spec(), spec()]))
    assert error.code == "InvalidParam.DuplicatePermissions"


def test_revoke_by_ids(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(
        ROOT, REGION, "sg-a", [spec(ports="1/1"), spec(ports="2/2"), spec(direction=OUT)]
    )
    one, two, egress = (r.rule_id for r in world.stored("sg-a"))
    for ids, code in (
        ([one, "sgr-unknown"], "InvalidParam.SecurityGroupRuleId"),
        ([egress], "InvalidParam.SecurityGroupRuleId"),
        ([one, one], "InvalidParam.SecurityGroupRuleIdRepeated"),
    ):
        error = refused(lambda ids=ids: world.rules.revoke(ROOT, REGION, "sg-a", IN, rule_ids=ids))
        assert (error.code, error.http_status) == (code, 400)
    assert len(world.stored("sg-a")) == 3
    world.rules.revoke(ROOT, REGION, "sg-a", IN, rule_ids=[one, two])
    assert [r.rule_id for r in world.stored("sg-a")] == [egress]


# -- modify ------------------------------------------------------------------------------------


def _one_rule(world: World, rule_spec: RuleSpec, group_id: str = "sg-a") -> Rule:
    world.rules.authorize(ROOT, REGION, group_id, [rule_spec])
    return world.stored(group_id)[-1]


def test_modify_changes_only_the_fields_given(world: World) -> None:
    world.group("sg-a")
    rule = _one_rule(world, spec(description="ssh"))
    change = RuleChange(
        port_range=PortRange(2222, 2222), priority=Priority(9), peer=ipaddress.ip_network("1.2.3.4")
    )
    world.rules.modify(ROOT, REGION, "sg-a", IN, rule.rule_id, change)
    (after,) = world.stored("sg-a")
    assert after == replace(
        rule,
        port_range=PortRange(2222, 2222),
        priority=Priority(9),
        peer=ipaddress.ip_network("1.2.3.4/32"),
    )


def test_modify_group_peer_to_another_group(world: World) -> None:
    world.group("sg-a")
    world.group("sg-b")
    world.group("sg-c")
    rule = _one_rule(world, spec(GroupPeer("sg-b")))
    world.rules.modify(ROOT, REGION, "sg-a", IN, rule.rule_id, RuleChange(peer=GroupPeer("sg-c")))
    assert world.stored("sg-a")[0].peer == GroupRef("sg-c", ROOT)


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        (RuleChange(peer=GroupPeer("sg-b")), "InvalidOperation.ModifySgRuleEntityType", 400),
        (
            RuleChange(peer=ipaddress.ip_network("::/0")),
            "InvalidOperation.ModifySgRuleEntityType",
            400,
        ),
        (RuleChange(peer=PrefixListPeer("pl-1")), "InvalidOperation.ModifySgRuleEntityType", 400),
        (RuleChange(nic_type=NicType.INTRANET), "InvalidOperation.ModifyNicType", 400),
        (RuleChange(protocol=IpProtocol.ICMP), "OperationDenied", 400),
        (RuleChange(port_range=ANY_PORT), "OperationDenied", 400),
        (RuleChange(local=ipaddress.ip_network("10.0.0.0/8")), "InvalidParamter.Conflict", 400),
    ],
)
def test_modify_refuses(world: World, change: RuleChange, code: str, status: int) -> None:
    world.group("sg-a", vpc=None)
    world.group("sg-b", vpc=None)
    rule = _one_rule(world, spec())
    error = refused(lambda: world.rules.modify(ROOT, REGION, "sg-a", IN, rule.rule_id, change))
    assert (error.code, error.http_status) == (code, status)
    assert world.stored("sg-a") == (rule,)


def test_modify_nic_type_internet_on_a_vpc_group_is_no_change(world: World) -> None:
    world.group("sg-a")
    rule = _one_rule(world, spec())
    change = RuleChange(nic_type=NicType.INTERNET, description="d")
    world.rules.modify(ROOT, REGION, "sg-a", IN, rule.rule_id, change)
    assert world.stored("sg-a")[0].description == "d"


def test_modify_unknown_rule_or_wrong_direction(world: World) -> None:
    world.group("sg-a")
    rule = _one_rule(world, spec())
    for rule_id, direction in (("sgr-nope", IN), (rule.rule_id, OUT)):
        error = refused(
            lambda rule_id=rule_id, direction=direction: world.rules.modify(
                ROOT, REGION, "sg-a", direction, rule_id, RuleChange(description="x")
            )
        )
        assert (error.code, error.http_status) == ("SecurityGroupRule.NotFound", 404)


def test_modify_into_a_copy_of_another_rule_is_refused(world: World) -> None:
    world.group("sg-a")
    world.rules.authorize(ROOT, REGION, "sg-a", [spec(ports="22/22"), spec(ports="23/23")])
    first, _ = world.stored("sg-a")
    change = RuleChange(port_range=PortRange(23, 23))
    error = refused(lambda: world.rules.modify(ROOT, REGION, "sg-a", IN, first.rule_id, change))
    assert error.code == "InvalidParam.InvalidModifyRuleRequest"


def test_modify_enterprise_rule_to_drop_is_refused(world: World) -> None:
    world.group("sg-ent", enterprise=True)
    rule = _one_rule(world, spec(), "sg-ent")
    error = refused(
        lambda: world.rules.modify(
            ROOT, REGION, "sg-ent", IN, rule.rule_id, RuleChange(policy=Policy.DROP)
        )
    )
    assert error.code == "InvalidGroupParameter.OperationDenied"


def test_legacy_modify_finds_the_rule_by_its_fields(world: World) -> None:
    world.group("sg-a")
    _one_rule(world, spec())
    world.rules.modify(ROOT, REGION, "sg-a", IN, spec(), RuleChange(description="found"))
    assert world.stored("sg-a")[0].description == "found"
    error = refused(
        lambda: world.rules.modify(
            ROOT, REGION, "sg-a", IN, spec(ports="1/1"), RuleChange(description="x")
        )
    )
    assert error.code == "SecurityGroupRule.NotFound"

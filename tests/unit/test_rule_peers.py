"""Rule peers through SecurityGroupRules: groups, owners, network types, enterprise groups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecsim.model.account import AccountName
from ecsim.model.rule_spec import GroupPeer, PrefixListPeer
from ecsim.model.security_group import GroupRef
from ecsim.model.values import Direction, NicType, Policy
from tests.unit.rule_world import IN, OUT, REGION, ROOT, World, open_world, refused, spec


@pytest.fixture
def world() -> Iterator[World]:
    with open_world() as opened:
        yield opened


def test_classic_group_defaults_to_internet_and_group_peers_need_intranet(world: World) -> None:
    world.group("sg-classic", vpc=None)
    world.group("sg-other", vpc=None)
    world.rules.authorize(ROOT, REGION, "sg-classic", [spec()])
    assert world.stored("sg-classic")[0].nic_type is NicType.INTERNET
    error = refused(
        lambda: world.rules.authorize(ROOT, REGION, "sg-classic", [spec(GroupPeer("sg-other"))])
    )
    assert (error.code, error.http_status) == ("InvalidSourceGroupId.Mismatch", 403)
    world.rules.authorize(
        ROOT, REGION, "sg-classic", [spec(GroupPeer("sg-other"), nic_type=NicType.INTRANET)]
    )
    assert world.stored("sg-classic")[1].peer == GroupRef("sg-other", ROOT)


def test_group_peer_in_the_same_vpc_and_self_reference_on_ingress(world: World) -> None:
    world.group("sg-a")
    world.group("sg-b")
    world.rules.authorize(
        ROOT, REGION, "sg-a", [spec(GroupPeer("sg-b")), spec(GroupPeer("sg-a"), ports="80/80")]
    )
    assert [r.peer for r in world.stored("sg-a")] == [
        GroupRef("sg-b", ROOT),
        GroupRef("sg-a", ROOT),
    ]


@pytest.mark.parametrize(
    ("peer_kwargs", "direction", "code", "status"),
    [
        ({"group_id": "sg-nope"}, IN, "InvalidSourceGroupId.NotFound", 404),
        ({"group_id": "sg-nope"}, OUT, "InvalidDestGroupId.NotFound", 404),
        ({"group_id": "sg-far"}, IN, "InvalidSourceGroupId.NotFound", 404),
        ({"group_id": "sg-vpc2"}, IN, "InvalidSourceGroupId.Mismatch", 400),
        ({"group_id": "sg-vpc2"}, OUT, "InvalidDestGroupId.Mismatch", 400),
        ({"group_id": "sg-classic"}, IN, "InvalidNetworkType.Mismatch", 403),
        ({"group_id": "sg-classic"}, OUT, "InvalidNetworkType.Conflict", 403),
        ({"group_id": "sg-a"}, OUT, "InvalidSecurityGroup.IsSame", 403),
        ({"group_id": "sg-ent"}, IN, "InvalidGroupAuthParameter.OperationDenied", 400),
        (
            {"group_id": "sg-b", "owner": "nobody@example.com"},
            IN,
            "InvalidSourceGroupId.NotFound",
            404,
        ),
    ],
)
def test_peer_group_checks(
    world: World, peer_kwargs: dict[str, str], direction: Direction, code: str, status: int
) -> None:
    world.group("sg-a")
    world.group("sg-b")
    world.group("sg-far", region="cn-beijing")
    world.group("sg-vpc2", vpc="vpc-2")
    world.group("sg-classic", vpc=None)
    world.group("sg-ent", enterprise=True)
    peer = GroupPeer(**peer_kwargs)
    error = refused(
        lambda: world.rules.authorize(ROOT, REGION, "sg-a", [spec(peer, direction=direction)])
    )
    assert (error.code, error.http_status) == (code, status)


def test_cross_account_peer_by_login_name_or_account_id(world: World) -> None:
    other = world.accounts.create(ROOT, AccountName("b@aliyun.com")).account
    world.group("sg-a")
    # another account's VPC: only the region has to match
    world.group("sg-theirs", account=other.account_id, vpc="vpc-theirs")
    world.rules.authorize(
        ROOT,
        REGION,
        "sg-a",
        [
            spec(GroupPeer("sg-theirs", "b@aliyun.com")),
            spec(GroupPeer("sg-theirs", other.account_id), direction=OUT),
        ],
    )
    assert {r.peer for r in world.stored("sg-a")} == {GroupRef("sg-theirs", other.account_id)}
    # without the owner, the group is looked for in the caller's account
    error = refused(
        lambda: world.rules.authorize(ROOT, REGION, "sg-a", [spec(GroupPeer("sg-theirs"))])
    )
    assert error.code == "InvalidSourceGroupId.NotFound"


def test_enterprise_groups_refuse_group_peers_and_drop_rules(world: World) -> None:
    world.group("sg-ent", enterprise=True)
    world.group("sg-ent2", enterprise=True)
    for bad in (spec(GroupPeer("sg-ent2")), spec(policy=Policy.DROP)):
        error = refused(lambda bad=bad: world.rules.authorize(ROOT, REGION, "sg-ent", [bad]))
        assert (error.code, error.http_status) == ("InvalidGroupParameter.OperationDenied", 400)
    world.rules.authorize(ROOT, REGION, "sg-ent", [spec(policy=Policy.ACCEPT)])
    assert len(world.stored("sg-ent")) == 1


def test_prefix_lists_are_never_found(world: World) -> None:
    world.group("sg-a")
    error = refused(
        lambda: world.rules.authorize(ROOT, REGION, "sg-a", [spec(PrefixListPeer("pl-1"))])
    )
    assert (error.code, error.http_status) == ("InvalidPrefixListId.NotFound", 404)

"""Which groups an interface may be in (validate_groups, with each action's codes and order),
and JoinSecurityGroup / LeaveSecurityGroup, on an in-memory store with a frozen clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.network_interfaces import NewInterface
from ecsim.control.security_group_membership import (
    INSTANCE_CODES,
    INTERFACE_CODES,
    JOIN_INSTANCE_CODES,
    LAUNCH_CODES,
)
from ecsim.model.instance import InstanceStatus, ScheduledStatus
from ecsim.model.security_group import GroupType
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION
from tests.unit.interface_world import World, refused


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock) -> World:
    return World(store, clock, Limits())


# -- validate_groups ----------------------------------------------------------------------------


def test_validate_groups_returns_the_groups_in_order(world: World) -> None:
    first, second = world.group(), world.group()
    groups = world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", [second, first])
    assert [g.group_id for g in groups] == [second, first]


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("missing", "InvalidSecurityGroupId.NotFound", 404),
        ("other_account", "InvalidSecurityGroupId.NotFound", 404),
        ("repeated", "InvalidParameter.SecurityGroupIdRepeated", 400),
        ("other_vpc", "InvalidOperation.VpcMismatch", 403),
        ("classic_group", "InvalidOperation.VpcMismatch", 403),
        ("mixed", "EnterpriseGroupLimited.MutliGroupType", 403),
        ("too_many", "JoinedGroupLimitExceed", 400),
    ],
)
def test_validate_groups_refusals(world: World, case: str, code: str, status: int) -> None:
    mine = world.group()
    wanted = {
        "missing": [mine, "sg-missing"],
        "other_account": [world.group(account=OTHER)],
        "repeated": [mine, mine],
        "other_vpc": [mine, world.group("vpc-b")],
        "classic_group": [world.group(None)],
        "mixed": [mine, world.group(group_type=GroupType.ENTERPRISE)],
        "too_many": [world.group() for _ in range(6)],
    }[case]
    with refused(code, status):
        world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", wanted, INTERFACE_CODES)


def test_validate_groups_limit_is_configurable(store: SqliteStore, clock: FrozenClock) -> None:
    world = World(store, clock, Limits(security_groups_per_interface=2))
    two = [world.group(), world.group()]
    assert len(world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", two)) == 2
    with refused("JoinedGroupLimitExceed", 400):
        world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", [*two, world.group()])


def test_validate_groups_instance_codes(world: World) -> None:
    mine = world.group()
    membership = world.enis.membership
    with refused("InvalidParameter.SecurityGroupIdRepeated", 404):
        membership.validate_groups(ACCOUNT, REGION, "vpc-a", [mine, mine], INSTANCE_CODES)
    with refused("InvalidSecurityGroupVpc.NotBelongToOneVpc", 404):
        membership.validate_groups(ACCOUNT, REGION, None, [mine], INSTANCE_CODES)


def test_validate_groups_classic_interface_takes_classic_groups(world: World) -> None:
    classic = world.group(None)
    membership = world.enis.membership
    assert membership.validate_groups(ACCOUNT, REGION, None, [classic])[0].vpc_id is None
    with refused("InvalidInstanceId.Mismatch", 400):
        membership.validate_groups(ACCOUNT, REGION, None, [world.group()], JOIN_INSTANCE_CODES)


def test_counted_first_codes_count_the_ids_before_any_lookup(world: World) -> None:
    membership = world.enis.membership
    # the interface actions look the groups up first
    with refused("InvalidSecurityGroupId.NotFound", 404):
        membership.validate_groups(ACCOUNT, REGION, "vpc-a", ["sg-x", "sg-x"], INTERFACE_CODES)
    with refused("InvalidParameter.SecurityGroupIdRepeated", 404):
        membership.validate_groups(ACCOUNT, REGION, "vpc-a", ["sg-x", "sg-x"], INSTANCE_CODES)
    six = ["sg-missing", *(world.group() for _ in range(5))]
    with refused("JoinedGroupLimitExceed", 400):
        membership.validate_groups(ACCOUNT, REGION, "vpc-a", six, INSTANCE_CODES)


def test_instance_codes_name_a_classic_group_before_another_vpc(world: World) -> None:
    wanted = [world.group("vpc-b"), world.group(None)]
    with refused("InvalidSecurityGroupType.NotSupportClassic", 404):
        world.enis.membership.validate_groups(ACCOUNT, REGION, "vpc-a", wanted, INSTANCE_CODES)


@pytest.mark.parametrize(
    ("vpcs", "code"),
    [
        (["vpc-a", "vpc-a"], None),
        ([None, None], None),
        ([None, "vpc-a"], "InvalidSecurityGroupId.MultiGroupIdNetworkTypeConflict"),
        (["vpc-a", None], "InvalidSecurityGroupId.MultiGroupIdNetworkTypeConflict"),
        (["vpc-a", "vpc-b"], "InvalidSecurityGroup.VpcMismatch"),
    ],
)
def test_launch_groups_decide_the_network(
    world: World, vpcs: list[str | None], code: str | None
) -> None:
    wanted = [world.group(vpc) for vpc in vpcs]
    membership = world.enis.membership
    if code is None:
        assert len(membership.validate_launch_groups(ACCOUNT, REGION, wanted, LAUNCH_CODES)) == 2
    else:
        with refused(code, 400):
            membership.validate_launch_groups(ACCOUNT, REGION, wanted, LAUNCH_CODES)


# -- JoinSecurityGroup / LeaveSecurityGroup ------------------------------------------------------


def test_join_and_leave_an_instance(world: World) -> None:
    first, second = world.group(), world.group()
    instance = world.instance(world.vswitch(), (first,))
    world.enis.join_security_group(ACCOUNT, None, second, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (first, second)
    world.enis.leave_security_group(ACCOUNT, REGION, first, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (second,)


def test_join_a_stopped_instance(world: World) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=InstanceStatus.STOPPED)
    group = world.group()
    world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)
    assert group in world.groups_of(instance.primary_eni_id)


def test_join_refusals(world: World) -> None:
    first = world.group()
    instance = world.instance(world.vswitch(), (first,))
    join = world.enis.join_security_group
    with refused("InvalidInstanceId.AlreadyExists", 403):
        join(ACCOUNT, REGION, first, instance_id=instance.instance_id)
    with refused("InvalidInstanceId.Mismatch", 400):
        join(ACCOUNT, REGION, world.group("vpc-b"), instance_id=instance.instance_id)
    with refused("InvalidOperation.MultiGroupType", 400):
        join(
            ACCOUNT,
            REGION,
            world.group(group_type=GroupType.ENTERPRISE),
            instance_id=instance.instance_id,
        )
    with refused("InvalidSecurityGroupId.NotFound", 404):
        join(ACCOUNT, REGION, "sg-missing", instance_id=instance.instance_id)
    with refused("InvalidInstanceId.NotFound", 404):
        join(ACCOUNT, REGION, first, instance_id="i-missing")
    with refused("InvalidInstanceId.NotFound", 404):
        join(ACCOUNT, "cn-beijing", first, instance_id=instance.instance_id)
    with refused("InvalidParam.EniIdAndInstanceId.Conflict", 403):
        join(ACCOUNT, REGION, first, instance_id=instance.instance_id, eni_id="eni-x")
    with refused("MissingParameter", 400):
        join(ACCOUNT, REGION, first)
    with refused("MissingParameter.RegionId", 400):
        join(ACCOUNT, None, first, eni_id=instance.primary_eni_id)
    assert world.groups_of(instance.primary_eni_id) == (first,)


def test_join_over_the_group_limit(world: World) -> None:
    groups = tuple(world.group() for _ in range(5))
    instance = world.instance(world.vswitch(), groups)
    with refused("InstanceSecurityGroupLimitExceeded", 400):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


@pytest.mark.parametrize("status", [InstanceStatus.PENDING, InstanceStatus.STARTING])
def test_join_needs_a_settled_instance(world: World, status: InstanceStatus) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=status)
    with refused("IncorrectInstanceStatus", 403):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )
    with refused("IncorrectInstanceStatus", 403):
        world.enis.leave_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


def test_join_sees_a_scheduled_transition_once_due(world: World, store: SqliteStore) -> None:
    instance = world.instance(world.vswitch(), (world.group(),), status=InstanceStatus.STARTING)
    due = world.clock.now() + timedelta(seconds=5)
    InstanceRepository(store).save(
        replace(instance, scheduled=(ScheduledStatus(InstanceStatus.RUNNING, due),))
    )
    group = world.group()
    with refused("IncorrectInstanceStatus", 403):
        world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)
    world.clock.advance(5)
    world.enis.join_security_group(ACCOUNT, REGION, group, instance_id=instance.instance_id)


def test_join_refuses_a_locked_instance(world: World, store: SqliteStore) -> None:
    instance = world.instance(world.vswitch(), (world.group(),))
    InstanceRepository(store).save(replace(instance, locks=("security",)))
    with refused("InstanceLockedForSecurity", 403):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )


def test_leave_refusals(world: World) -> None:
    only = world.group()
    instance = world.instance(world.vswitch(), (only,))
    leave = world.enis.leave_security_group
    with refused("InstanceLastSecurityGroup", 403):
        leave(ACCOUNT, REGION, only, instance_id=instance.instance_id)
    with refused("InvalidSecurityGroupAssociation.NotFound", 400):
        leave(ACCOUNT, REGION, world.group(), instance_id=instance.instance_id)
    with refused("InvalidSecurityGroupId.NotFound", 404):
        leave(ACCOUNT, REGION, "sg-missing", instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (only,)


def test_join_and_leave_a_network_interface(world: World) -> None:
    first, second = world.group(), world.group()
    view = world.enis.create(ACCOUNT, REGION, NewInterface(world.vswitch().vswitch_id, (first,)))
    eni_id = view.eni.eni_id
    world.enis.join_security_group(ACCOUNT, REGION, second, eni_id=eni_id)
    assert world.groups_of(eni_id) == (first, second)
    with refused("InvalidOperation.VpcMismatch", 403):
        world.enis.join_security_group(ACCOUNT, REGION, world.group("vpc-b"), eni_id=eni_id)
    world.enis.leave_security_group(ACCOUNT, REGION, first, eni_id=eni_id)
    assert world.groups_of(eni_id) == (second,)
    with refused("InvalidEniId.NotFound", 404):
        world.enis.join_security_group(ACCOUNT, REGION, first, eni_id="eni-missing")


def test_classic_instance_joins_classic_groups_only(world: World) -> None:
    first, second = world.group(None), world.group(None)
    instance = world.instance(None, (first,))
    world.enis.join_security_group(ACCOUNT, REGION, second, instance_id=instance.instance_id)
    assert world.groups_of(instance.primary_eni_id) == (first, second)
    with refused("InvalidInstanceId.Mismatch", 400):
        world.enis.join_security_group(
            ACCOUNT, REGION, world.group(), instance_id=instance.instance_id
        )

"""The instance state machine as pure functions of an instance and the time (reference §3.1),
with 5-second steps as --realistic-delays has them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecsim.control.instance_lifecycle import (
    check_deletable,
    is_initializing,
    launched,
    rebooted,
    started,
    stopped,
)
from ecsim.errors import EcsError
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.instance_spec import LaunchMode

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(seconds=5)


def _instance(network_type: InstanceNetworkType = InstanceNetworkType.VPC) -> Instance:
    return Instance(
        instance_id="i-1",
        account_id="1000000000000042",
        region_id="cn-hangzhou",
        zone_id="cn-hangzhou-i",
        instance_type="ecs.g6.large",
        image_id="ubuntu_22_04_x64_20G_alibase_20240130.vhd",
        name="i-1",
        description="",
        host_name="iZ1Z",
        network_type=network_type,
        vpc_id="vpc-1",
        vswitch_id="vsw-1",
        primary_eni_id="eni-1",
        status=InstanceStatus.PENDING,
        scheduled=(),
        created_at=T0,
    )


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _refusal(call: object) -> tuple[str, int]:
    assert callable(call)
    with pytest.raises(EcsError) as caught:
        call()
    return caught.value.code, caught.value.http_status


def test_run_goes_pending_starting_running() -> None:
    instance = launched(_instance(), T0, STEP, LaunchMode.RUN)
    assert [instance.status_at(_at(s)) for s in (0, 4.9, 5, 9.9, 10, 60)] == [
        InstanceStatus.PENDING,
        InstanceStatus.PENDING,
        InstanceStatus.STARTING,
        InstanceStatus.STARTING,
        InstanceStatus.RUNNING,
        InstanceStatus.RUNNING,
    ]


def test_create_goes_pending_then_stopped() -> None:
    instance = launched(_instance(), T0, STEP, LaunchMode.CREATE)
    assert instance.status_at(_at(4)) is InstanceStatus.PENDING
    assert instance.status_at(_at(5)) is InstanceStatus.STOPPED
    assert instance.started_at is None


def test_without_delay_the_end_state_is_immediate() -> None:
    instance = launched(_instance(), T0, timedelta(0), LaunchMode.RUN)
    assert instance.status_at(T0) is InstanceStatus.RUNNING


def test_stop_then_start_then_reboot() -> None:
    running = launched(_instance(), T0, STEP, LaunchMode.RUN)
    halted = stopped(running, _at(20), STEP, None)
    assert halted.status_at(_at(20)) is InstanceStatus.STOPPING
    assert halted.status_at(_at(25)) is InstanceStatus.STOPPED
    assert halted.stopped_mode == "KeepCharging"
    # the transitions that were due are settled into the stored status
    assert halted.status is InstanceStatus.RUNNING
    again = started(halted, _at(30), STEP)
    assert again.status_at(_at(30)) is InstanceStatus.STARTING
    assert again.status_at(_at(35)) is InstanceStatus.RUNNING
    assert (again.started_at, again.stopped_mode) == (_at(30), "Not-applicable")
    booted = rebooted(again, _at(40), STEP)
    assert booted.status_at(_at(40)) is InstanceStatus.STARTING
    assert booted.status_at(_at(45)) is InstanceStatus.RUNNING


@pytest.mark.parametrize(
    ("when", "operation"),
    [
        (0, lambda i, now: started(i, now, STEP)),
        (10, lambda i, now: started(i, now, STEP)),
        (5, lambda i, now: stopped(i, now, STEP, None)),
        (5, lambda i, now: rebooted(i, now, STEP)),
    ],
    ids=["start pending", "start running", "stop starting", "reboot starting"],
)
def test_wrong_status_is_refused(when: float, operation: object) -> None:
    instance = launched(_instance(), T0, STEP, LaunchMode.RUN)
    assert callable(operation)
    assert _refusal(lambda: operation(instance, _at(when))) == ("IncorrectInstanceStatus", 403)


def test_initializing_is_the_first_boot_only() -> None:
    instance = launched(_instance(), T0, STEP, LaunchMode.RUN)
    assert is_initializing(instance, _at(0)) and is_initializing(instance, _at(5))
    assert not is_initializing(instance, _at(10))
    restarted = started(stopped(instance, _at(10), STEP, None), _at(20), STEP)
    assert not is_initializing(restarted, _at(20))


def test_release_rules() -> None:
    instance = launched(_instance(), T0, STEP, LaunchMode.RUN)
    for when in (0, 5):
        assert _refusal(lambda w=when: check_deletable(instance, _at(w), force=True)) == (
            "IncorrectInstanceStatus.Initializing",
            403,
        )
    assert _refusal(lambda: check_deletable(instance, _at(10), force=False)) == (
        "IncorrectInstanceStatus",
        403,
    )
    check_deletable(instance, _at(10), force=True)
    halted = stopped(instance, _at(10), STEP, None)
    # stopping: only with Force; stopped: always
    assert _refusal(lambda: check_deletable(halted, _at(12), force=False))[0] == (
        "IncorrectInstanceStatus"
    )
    check_deletable(halted, _at(12), force=True)
    check_deletable(halted, _at(15), force=False)
    protected = replace(halted, deletion_protection=True)
    assert _refusal(lambda: check_deletable(protected, _at(15), force=True)) == (
        "InvalidOperation.DeletionProtection",
        403,
    )


def test_a_security_lock_refuses_everything() -> None:
    instance = replace(launched(_instance(), T0, STEP, LaunchMode.RUN), locks=("security",))
    locked = ("InstanceLockedForSecurity", 403)
    assert _refusal(lambda: stopped(instance, _at(10), STEP, None)) == locked
    assert _refusal(lambda: check_deletable(instance, _at(10), force=True)) == locked


def test_classic_instances_cannot_stop_charging() -> None:
    classic = launched(_instance(InstanceNetworkType.CLASSIC), T0, STEP, LaunchMode.RUN)
    assert _refusal(lambda: stopped(classic, _at(10), STEP, "StopCharging")) == (
        "InvalidInstanceId.NotSupport",
        403,
    )
    assert stopped(classic, _at(10), STEP, "KeepCharging").stopped_mode == "KeepCharging"

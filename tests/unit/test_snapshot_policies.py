"""Automatic snapshot policies at the control level: the schedule math, and ``tick`` driven
by a frozen clock over a real block store (no sleeps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.disks import Disks, NewDisk
from ecsim.control.snapshot_policies import NewPolicy, PolicyChanges, SnapshotPolicies
from ecsim.control.snapshot_schedule import due_times, expired
from ecsim.control.snapshots import SnapshotQuery, Snapshots
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.storage.files import FileBlockStore
from ecsim.store.base import AccountRecord
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, save_instance

HOUR = 3600.0
DAY = 24 * HOUR
# Tuesday 2024-01-02 00:00 UTC = 08:00 UTC+8
START = datetime(2024, 1, 2, 0, 0, 0, tzinfo=UTC)


@dataclass
class World:
    store: SqliteStore
    clock: FrozenClock
    disks: Disks
    snapshots: Snapshots
    policies: SnapshotPolicies


@pytest.fixture
def world(store: SqliteStore, tmp_path: Path) -> World:
    clock = FrozenClock(START)
    blocks = FileBlockStore(tmp_path / "blocks", sync=False)
    catalog, tags, ids = load_catalog(), Tags(store), IdFactory(seed=7)
    store.add_account(AccountRecord(ACCOUNT, "tester", START.isoformat()))
    snapshots = Snapshots(store, ids, clock, Limits(), catalog, tags, blocks)
    return World(
        store,
        clock,
        Disks(store, ids, clock, Limits(), catalog, tags, blocks),
        snapshots,
        SnapshotPolicies(store, ids, clock, snapshots),
    )


def _disk(world: World, instance_id: str = "i-sched") -> str:
    save_instance(world.store, world.clock, instance_id)
    disk = world.disks.create(
        ACCOUNT, REGION, NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20)
    )
    world.disks.attach(ACCOUNT, instance_id, disk.disk_id, delete_with_instance=False)
    return disk.disk_id


def _autos(world: World) -> list[str]:
    views = world.snapshots.describe(ACCOUNT, REGION, SnapshotQuery(snapshot_type="auto"))
    return [view.snapshot.name for view in views]


# -- schedule math


def test_due_times_reads_hours_and_weekdays_in_utc_plus_8() -> None:
    # Tue 08:00+8 .. Wed 08:00+8; 10:00+8 on Tuesday only (weekday 2)
    due = due_times([10], [2], START, START.replace(day=3))
    assert due == [datetime(2024, 1, 2, 2, 0, tzinfo=UTC)]
    assert due_times([10], [3], START, START.replace(day=3)) == []


def test_due_times_crosses_the_utc_day_boundary_by_local_weekday() -> None:
    # 01:00+8 on Wednesday is 17:00 UTC on Tuesday
    due = due_times([1], [3], START, START.replace(day=3))
    assert due == [datetime(2024, 1, 2, 17, 0, tzinfo=UTC)]


def test_due_times_excludes_the_start_and_includes_the_end() -> None:
    end = START.replace(hour=2)
    assert due_times([8, 10], [2], START, end) == [end]


def test_expired_honours_forever() -> None:
    assert expired(START, 1, START.replace(day=3))
    assert not expired(START, 2, START.replace(day=3))
    assert not expired(START, None, START.replace(year=2030))
    assert not expired(START, -1, START.replace(year=2030))


# -- tick


def test_tick_takes_an_auto_snapshot_of_each_disk_at_a_due_point(world: World) -> None:
    disk_a, disk_b = _disk(world, "i-a"), _disk(world, "i-b")
    policy = world.policies.create(ACCOUNT, REGION, NewPolicy((9,), (2,), -1, name="hourly"))
    world.policies.apply(ACCOUNT, REGION, policy.policy_id, [disk_a, disk_b])
    world.policies.tick()  # the first tick starts the schedule
    world.clock.advance(30 * 60)
    world.policies.tick()
    assert _autos(world) == []
    world.clock.advance(30 * 60)  # 09:00+8
    world.policies.tick()
    views = world.snapshots.describe(ACCOUNT, REGION, SnapshotQuery(snapshot_type="auto"))
    assert sorted(v.snapshot.source_disk_id for v in views) == sorted([disk_a, disk_b])
    assert {v.snapshot.name for v in views} == {"auto_2024010209"}
    # the same point is never taken twice
    world.clock.advance(30)
    world.policies.tick()
    assert len(_autos(world)) == 2
    assert world.policies.missed() == []


def test_tick_deletes_auto_snapshots_past_their_retention(world: World) -> None:
    disk = _disk(world)
    policy = world.policies.create(ACCOUNT, REGION, NewPolicy((9,), tuple(range(1, 8)), 1))
    world.policies.apply(ACCOUNT, REGION, policy.policy_id, [disk])
    world.policies.tick()
    for _ in range(4 * 24 * 2):
        world.clock.advance(30 * 60)
        world.policies.tick()
    # taken Tue, Wed, Thu, Fri at 09:00+8; kept a day: Thu's expired as Fri's was taken
    assert _autos(world) == ["auto_2024010509"]


def test_a_restart_resumes_and_reports_missed_points_instead_of_taking_them(
    world: World, tmp_path: Path
) -> None:
    disk = _disk(world)
    policy = world.policies.create(ACCOUNT, REGION, NewPolicy((9, 11), (2,), -1))
    world.policies.apply(ACCOUNT, REGION, policy.policy_id, [disk])
    world.policies.tick()
    # the server is down from 08:00+8 to 11:00:10+8; a new service reads the persisted state
    world.clock.advance(3 * HOUR + 10)
    restarted = SnapshotPolicies(world.store, IdFactory(seed=8), world.clock, world.snapshots)
    restarted.tick()
    assert _autos(world) == ["auto_2024010211"]  # 11:00 is just due: taken
    missed = restarted.missed()
    assert [(run.policy_id, run.due_at.hour) for run in missed] == [(policy.policy_id, 1)]


def test_a_disk_carries_one_policy_and_cancel_removes_it(world: World) -> None:
    disk = _disk(world)
    first = world.policies.create(ACCOUNT, REGION, NewPolicy((1,), (1,), 3))
    second = world.policies.create(ACCOUNT, REGION, NewPolicy((2,), (1,), 3))
    world.policies.apply(ACCOUNT, REGION, first.policy_id, [disk])
    world.policies.apply(ACCOUNT, REGION, second.policy_id, [disk])
    counts = {v.policy.policy_id: v.disk_count for v in world.policies.describe(ACCOUNT, REGION)}
    assert counts == {first.policy_id: 0, second.policy_id: 1}
    assert world.policies.policy_of(ACCOUNT, REGION, disk) == second.policy_id
    world.policies.cancel(ACCOUNT, REGION, [disk])
    assert world.policies.policy_of(ACCOUNT, REGION, disk) == ""


def test_refusals(world: World) -> None:
    with pytest.raises(EcsError) as missing:
        world.policies.modify(ACCOUNT, REGION, "sp-nope", PolicyChanges(name="x1"))
    assert (missing.value.code, missing.value.http_status) == ("ParameterInvalid", 404)
    policy = world.policies.create(ACCOUNT, REGION, NewPolicy((1,), (1,), 3))
    with pytest.raises(EcsError) as disk:
        world.policies.apply(ACCOUNT, REGION, policy.policy_id, ["d-nope"])
    assert (disk.value.code, disk.value.http_status) == ("InvalidDiskId.NotFound", 404)
    for _ in range(99):
        world.policies.create(ACCOUNT, REGION, NewPolicy((1,), (1,), 3))
    with pytest.raises(EcsError) as quota:
        world.policies.create(ACCOUNT, REGION, NewPolicy((1,), (1,), 3))
    assert (quota.value.code, quota.value.http_status) == ("AutoSnapshotPolicy.QuotaExceed", 403)

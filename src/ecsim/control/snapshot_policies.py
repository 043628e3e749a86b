"""Automatic snapshot policies: the API's use cases and the scheduler's ``tick``.

The disk-to-policy link lives on the policy (its ``disk_ids``); a disk carries one policy,
so applying another moves it. ``tick`` is driven by the clock: each call takes the snapshots
of every time point due since the previous call, then deletes automatic snapshots whose
retention has run out. The time of the last tick is kept in the store, so a restarted
server resumes where it stopped. Time points that fell while the server was down (due more
than ``MISSED_AFTER`` before the tick that finds them) are not taken late: each is logged
and kept as a ``MissedRun`` that ``missed`` lists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ecsim.clock import Clock
from ecsim.control.disk_rules import DiskRepository, SnapshotRepository
from ecsim.control.error_builders import fixed
from ecsim.control.resource_repository import ResourceRepository
from ecsim.control.snapshot_schedule import POLICY_ZONE, due_times, expired
from ecsim.control.snapshots import Snapshots
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.snapshot_policy import MissedRun, SnapshotPolicy
from ecsim.store.base import Store
from ecsim.store.codecs import snapshot_policies as codec

__all__ = ["MISSED_AFTER", "NewPolicy", "PolicyChanges", "PolicyView", "SnapshotPolicies"]

log = logging.getLogger("ecsim.snapshot_policies")

# ECS allows 100 automatic snapshot policies per region
_QUOTA = 100
# a time point found later than this was missed (the server ticks every 30 s while up)
MISSED_AFTER = timedelta(minutes=10)
# the missed runs remembered, newest kept
_MISSED_KEPT = 1000

_policy_missing = fixed(
    "The specified automatic snapshot policy does not exist.",
    code="ParameterInvalid",
    http_status=404,
)
_quota = fixed(
    "The region holds as many automatic snapshot policies as it may.",
    code="AutoSnapshotPolicy.QuotaExceed",
    http_status=403,
)


@dataclass(frozen=True)
class NewPolicy:
    time_points: tuple[int, ...]
    repeat_weekdays: tuple[int, ...]
    retention_days: int
    name: str = ""
    resource_group_id: str = ""


@dataclass(frozen=True)
class PolicyChanges:
    name: str | None = None
    time_points: tuple[int, ...] | None = None
    repeat_weekdays: tuple[int, ...] | None = None
    retention_days: int | None = None


@dataclass(frozen=True)
class PolicyView:
    policy: SnapshotPolicy
    # the policy's disks that still exist
    disk_count: int


class SnapshotPolicies:
    def __init__(self, store: Store, ids: IdFactory, clock: Clock, snapshots: Snapshots) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._snapshots = snapshots
        self._policies = ResourceRepository(
            store, codec.KIND, codec.encode_policy, codec.decode_policy, _policy_missing
        )
        self._disks = DiskRepository(store)
        self._snapshot_records = SnapshotRepository(store)

    # -- the API

    def create(self, account_id: str, region_id: str, spec: NewPolicy) -> SnapshotPolicy:
        if len(self._store.resource_ids(codec.KIND, account_id, region_id)) >= _QUOTA:
            raise _quota()
        policy = SnapshotPolicy(
            policy_id=self._ids.new("snapshot_policy"),
            account_id=account_id,
            region_id=region_id,
            name=spec.name,
            time_points=spec.time_points,
            repeat_weekdays=spec.repeat_weekdays,
            retention_days=spec.retention_days,
            created_at=self._clock.now(),
            resource_group_id=spec.resource_group_id,
        )
        self._policies.save(policy)
        return policy

    def describe(
        self,
        account_id: str,
        region_id: str,
        policy_id: str | None = None,
        name: str | None = None,
    ) -> list[PolicyView]:
        disks = {disk.disk_id for disk in self._disks.owned_by(account_id, region_id)}
        return [
            PolicyView(policy, sum(disk_id in disks for disk_id in policy.disk_ids))
            for policy in self._policies.owned_by(account_id, region_id)
            if (policy_id is None or policy.policy_id == policy_id)
            and (name is None or policy.name == name)
        ]

    def modify(
        self, account_id: str, region_id: str, policy_id: str, changes: PolicyChanges
    ) -> None:
        policy = self._policies.get(account_id, policy_id, region_id)
        self._policies.save(
            replace(
                policy,
                name=policy.name if changes.name is None else changes.name,
                time_points=changes.time_points or policy.time_points,
                repeat_weekdays=changes.repeat_weekdays or policy.repeat_weekdays,
                retention_days=(
                    policy.retention_days
                    if changes.retention_days is None
                    else changes.retention_days
                ),
            )
        )

    def delete(self, account_id: str, region_id: str, policy_id: str) -> None:
        # its disks simply carry no policy any more; their snapshots stay
        self._policies.get(account_id, policy_id, region_id)
        self._store.delete_resource(codec.KIND, policy_id)

    def apply(
        self, account_id: str, region_id: str, policy_id: str, disk_ids: Sequence[str]
    ) -> None:
        target = self._policies.get(account_id, policy_id, region_id)
        wanted = self._existing_disks(account_id, region_id, disk_ids)
        self._detach(account_id, region_id, wanted, keep=policy_id)
        merged = target.disk_ids + tuple(d for d in wanted if d not in target.disk_ids)
        self._policies.save(replace(target, disk_ids=merged))

    def cancel(self, account_id: str, region_id: str, disk_ids: Sequence[str]) -> None:
        wanted = self._existing_disks(account_id, region_id, disk_ids)
        self._detach(account_id, region_id, wanted, keep=None)

    def policies_by_disk(self, account_id: str, region_id: str) -> dict[str, str]:
        """disk id -> the id of the policy it carries (disks without one are absent)."""
        return {
            disk_id: policy.policy_id
            for policy in self._policies.owned_by(account_id, region_id)
            for disk_id in policy.disk_ids
        }

    def policy_of(self, account_id: str, region_id: str, disk_id: str) -> str:
        """The id of the policy ``disk_id`` carries, "" when none."""
        for policy in self._policies.owned_by(account_id, region_id):
            if disk_id in policy.disk_ids:
                return policy.policy_id
        return ""

    # -- the scheduler

    def missed(self) -> list[MissedRun]:
        """The time points not honoured because the server was down, oldest first."""
        record = self._store.get_resource(codec.SCHEDULE_KIND, codec.SCHEDULE_ID)
        return codec.decode_schedule(record)[1] if record else []

    def tick(self) -> None:
        self._snapshots.settle()  # a disk's last background snapshot may just have ended
        now = self._clock.now()
        record = self._store.get_resource(codec.SCHEDULE_KIND, codec.SCHEDULE_ID)
        if record is None:
            # the first tick ever: the schedule starts now
            self._save_schedule(now, [])
            return
        last, missed = codec.decode_schedule(record)
        if now <= last:
            return
        for account in self._store.list_accounts():
            for policy in self._policies.owned_by(account.account_id):
                for due in due_times(policy.time_points, policy.repeat_weekdays, last, now):
                    if now - due > MISSED_AFTER:
                        missed.append(self._report_missed(policy, due))
                    else:
                        self._run(policy, due)
            self._expire(account.account_id, now)
        self._save_schedule(now, missed[-_MISSED_KEPT:])

    # -- helpers

    def _run(self, policy: SnapshotPolicy, due: datetime) -> None:
        name = "auto_" + due.astimezone(POLICY_ZONE).strftime("%Y%m%d%H")
        retention = None if policy.retention_days < 0 else policy.retention_days
        for disk_id in policy.disk_ids:
            try:
                # one transaction a disk: one that cannot be snapshotted spoils no other
                with self._store.transaction():
                    self._snapshots.create_automatic(
                        policy.account_id, disk_id, name=name, retention_days=retention
                    )
            except EcsError as error:
                log.warning(
                    "policy %s skipped disk %s at %s: %s",
                    policy.policy_id,
                    disk_id,
                    due.isoformat(),
                    error.code,
                )

    def _report_missed(self, policy: SnapshotPolicy, due: datetime) -> MissedRun:
        log.warning(
            "policy %s missed its %s (UTC+8) time point: the server was not running",
            policy.policy_id,
            due.astimezone(POLICY_ZONE).isoformat(),
        )
        return MissedRun(policy.policy_id, policy.account_id, policy.region_id, due)

    def _expire(self, account_id: str, now: datetime) -> None:
        for snapshot in self._snapshot_records.owned_by(account_id):
            if snapshot.snapshot_type != "auto" or not expired(
                snapshot.created_at, snapshot.retention_days, now
            ):
                continue
            try:
                with self._store.transaction():
                    self._snapshots.delete(account_id, snapshot.snapshot_id, force=False)
            except EcsError as error:
                # in use by an image or a disk: kept, as ECS keeps such snapshots
                log.info("kept expired snapshot %s: %s", snapshot.snapshot_id, error.code)

    def _save_schedule(self, last_tick: datetime, missed: list[MissedRun]) -> None:
        with self._store.transaction():
            self._store.put_resource(codec.encode_schedule(last_tick, missed))

    def _existing_disks(
        self, account_id: str, region_id: str, disk_ids: Sequence[str]
    ) -> list[str]:
        for disk_id in disk_ids:
            self._disks.get(account_id, disk_id, region_id)
        return list(dict.fromkeys(disk_ids))

    def _detach(
        self, account_id: str, region_id: str, disk_ids: Sequence[str], keep: str | None
    ) -> None:
        gone = set(disk_ids)
        for policy in self._policies.owned_by(account_id, region_id):
            if policy.policy_id != keep and gone.intersection(policy.disk_ids):
                remaining = tuple(d for d in policy.disk_ids if d not in gone)
                self._policies.save(replace(policy, disk_ids=remaining))

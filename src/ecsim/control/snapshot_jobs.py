"""Snapshots taken in the background, as ECS takes them: CreateSnapshot answers at once with a
``progressing`` snapshot whose Progress and RemainTime come from the work really done.

The block store's snapshot runs on one worker thread of its own (one at a time: the engine
serialises them anyway), inside the guard the caller gives (its disk's file systems frozen in
a running instance). Its progress is kept here for DescribeSnapshots; its end is handed back
by ``ended`` to the server's thread, which records it (the database is the server thread's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass

from ecsim.storage import BlockStore

__all__ = ["Progress", "SnapshotJobs"]

log = logging.getLogger("ecsim.storage")


@dataclass(frozen=True)
class Progress:
    percent: int  # 0..99 while it runs
    remain_seconds: int


@dataclass
class _Job:
    disk_id: str
    total: int
    done: int = 0
    started: float | None = None  # monotonic, once the worker began it


class SnapshotJobs:
    def __init__(
        self, blocks: BlockStore, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._blocks = blocks
        self._monotonic = monotonic
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecsim-snapshot")
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._ended: list[tuple[str, BaseException | None]] = []

    def start(
        self,
        disk_id: str,
        snapshot_id: str,
        guard: Callable[[], AbstractContextManager[None]],
        total: int,
    ) -> None:
        with self._lock:
            self._jobs[snapshot_id] = _Job(disk_id, max(total, 1))
        self._executor.submit(self._run, disk_id, snapshot_id, guard)

    def _run(
        self, disk_id: str, snapshot_id: str, guard: Callable[[], AbstractContextManager[None]]
    ) -> None:
        job = self._jobs[snapshot_id]
        job.started = self._monotonic()

        def progressed(done: int, total: int) -> None:
            job.done, job.total = done, max(total, 1)

        error: BaseException | None = None
        try:
            with guard():
                self._blocks.snapshot(disk_id, snapshot_id, progressed)
        except BaseException as failure:  # recorded as a failed snapshot, never raised here
            log.exception("snapshot %s of %s failed", snapshot_id, disk_id)
            error = failure
        with self._lock:
            del self._jobs[snapshot_id]
            self._ended.append((snapshot_id, error))

    def progress(self, snapshot_id: str) -> Progress | None:
        """How far a running snapshot is; None when none runs under that id."""
        with self._lock:
            job = self._jobs.get(snapshot_id)
            if job is None:
                return None
            done, total, started = job.done, job.total, job.started
        percent = min(99, done * 100 // total)
        if started is None or done == 0:
            return Progress(percent, 0)
        elapsed = self._monotonic() - started
        return Progress(percent, round(elapsed * (total - done) / done))

    def running_on(self, disk_id: str) -> bool:
        with self._lock:
            return any(job.disk_id == disk_id for job in self._jobs.values())

    def ended(self) -> list[tuple[str, BaseException | None]]:
        """The snapshots that ended since the last call, with their failure if any."""
        with self._lock:
            ended, self._ended = self._ended, []
        return ended

    def close(self) -> None:
        """Let the running snapshots finish (a stop waits for them, as for a request)."""
        self._executor.shutdown(wait=True)

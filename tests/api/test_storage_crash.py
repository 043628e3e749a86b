"""Crash safety of CreateSnapshot: a snapshot this large is taken in the background, and the
server is killed (SIGKILL) while it writes the snapshot's pack. After a restart the snapshot
is failed (or, if it won the race, accomplished and readable), never half there; ``ecsim
storage verify`` passes both before and after the restart, and the restart leaves no orphan
block behind. Its progress, while it runs, is the engine's real progress."""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import ROOT_KEY, tea_ecs
from tests.support.disk_images import read_disk, write_disk
from tests.support.server import RunningServer, start_server
from tests.support.worlds import REGION, ZONE, world_in

MIB = 2**20
DATA_MIB = 512
# kill once this many MiB of the snapshot's pack are on disk
KILL_AFTER = 48


def _verify(data_dir: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "ecsim", "storage", "verify", "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def _packed_mib(data_dir: Path) -> int:
    """MiB in pack files, committed or still being written."""
    packs = data_dir / "blocks" / "packs"
    total = 0
    for path in packs.iterdir() if packs.is_dir() else ():
        with contextlib.suppress(FileNotFoundError):  # renamed or removed while we looked
            total += path.stat().st_size
    return total // MIB


def _snapshots(server: RunningServer, disk_id: str) -> list[Any]:
    client = tea_ecs(server.endpoint, ROOT_KEY)
    request = ecs_models.DescribeSnapshotsRequest(region_id=REGION, disk_id=disk_id)
    return list(client.describe_snapshots(request).body.snapshots.snapshot)


def _finished(server: RunningServer, disk_id: str, snapshot_id: str) -> str:
    """The snapshot's status once it is no longer progressing."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (found,) = [s for s in _snapshots(server, disk_id) if s.snapshot_id == snapshot_id]
        if found.status != "progressing":
            return str(found.status)
        time.sleep(0.05)
    raise AssertionError(f"{snapshot_id} still progressing after 60 s")


def test_a_snapshot_killed_midway_is_absent_or_whole(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        world = world_in(tea_ecs(server.endpoint, ROOT_KEY), ROOT_KEY)
        (instance_id,) = world.run()
        disk_id = str(
            world.client.create_disk(
                ecs_models.CreateDiskRequest(
                    region_id=REGION, zone_id=ZONE, disk_category="cloud_auto", size=4
                )
            ).body.disk_id
        )
        world.client.attach_disk(
            ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id)
        )
        # 512 MiB of distinct random blocks, every other MiB of the 4 GiB disk's first GiB
        rng = random.Random(42)
        written = {2 * i * MIB: rng.randbytes(MIB) for i in range(DATA_MIB)}
        for offset, block in written.items():
            write_disk(data_dir, disk_id, offset, block)
        before = _packed_mib(data_dir)

        snapshot_id = str(
            world.client.create_snapshot(
                ecs_models.CreateSnapshotRequest(disk_id=disk_id)
            ).body.snapshot_id
        )
        deadline = time.monotonic() + 30
        while _packed_mib(data_dir) < before + KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.002)
        server.stop(signal.SIGKILL)
        stored = _packed_mib(data_dir) - before
        assert stored >= KILL_AFTER, "the snapshot never started writing its pack"
    finally:
        server.stop()

    # offline, before any restart: what is there is sound (orphans are only garbage)
    code, report = _verify(data_dir)
    assert code == 0, report
    assert report["CorruptChunks"] == report["MissingChunks"] == []
    # the kill came mid-snapshot: its (temp) pack is there, its manifest is not
    assert report["OrphanChunks"] + report["TempFiles"] > 0 or report["Snapshots"] == 1

    server = start_server(data_dir)
    try:
        client = tea_ecs(server.endpoint, ROOT_KEY)  # the restarted server listens elsewhere
        ((snapshot),) = _snapshots(server, disk_id)
        assert snapshot.snapshot_id == snapshot_id
        if snapshot.status == "accomplished":
            # the snapshot ended before the kill: it must be whole
            assert (stored, snapshot.progress) == (DATA_MIB, "100%")
            copy = str(
                client.create_disk(
                    ecs_models.CreateDiskRequest(
                        region_id=REGION,
                        zone_id=ZONE,
                        disk_category="cloud_auto",
                        snapshot_id=snapshot.snapshot_id,
                    )
                ).body.disk_id
            )
            for offset, block in list(written.items())[:: DATA_MIB // 16]:
                assert read_disk(data_dir, copy, offset, MIB) == block
        else:
            assert (snapshot.status, snapshot.available) == ("failed", False)
            client.delete_snapshot(ecs_models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
        # the disk itself is intact, and a new snapshot of it is taken in full
        first_offset, first_block = next(iter(written.items()))
        assert read_disk(data_dir, disk_id, first_offset, MIB) == first_block
        again = client.create_snapshot(ecs_models.CreateSnapshotRequest(disk_id=disk_id))
        assert _finished(server, disk_id, str(again.body.snapshot_id)) == "accomplished"
    finally:
        server.stop()

    code, report = _verify(data_dir)
    assert code == 0, report
    assert (report["OrphanChunks"], report["TempFiles"]) == (0, 0)
    assert report["Chunks"] == DATA_MIB

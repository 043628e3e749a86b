"""Data disks inside instances: /dev/vdb is the disk's image, partitioned, formatted and
mounted from inside; the guide's §3 (recovering a deleted file with extundelete) as written;
data kept across stop and start; hot attach and detach; snapshot and rollback (guide §2); and
no loop device left behind, even by a killed server."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import tea_ecs
from tests.support.linux import (
    booted_pid,
    eventually,
    exec_in,
    linux_ready,
    loops_of,
    loops_under,
    release,
    serve_linux,
    sh_in,
)
from tests.support.server import RunningServer, start_server
from tests.support.worlds import REGION, ZONE, World, new_world

HELLO_MD5 = "d8e8fca2dc0f896fd7cb4cb0031ba249"  # md5sum of "test\n", the guide's file
# fdisk's dialogue of the guide: a new primary partition 1 over the whole disk, written
PARTITION = r"printf 'n\np\n1\n\n\nw\n' | fdisk /dev/vdb"


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("ecsim-disks")
    yield from serve_linux(data_dir)
    # a clean stop leaves no loop device over the server's images
    assert loops_under(data_dir) == []


def _data_disks(world: World, instance_id: str) -> dict[str, str]:
    """The instance's data disks as the API shows them: Device -> DiskId."""
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, instance_id=instance_id, disk_type="data"
    )
    found = world.client.describe_disks(request).body.disks.disk
    return {str(disk.device): str(disk.disk_id) for disk in found}


def _run_with_disk(server: RunningServer, world: World) -> tuple[str, str]:
    """A running instance with one 20 GiB data disk (DataDisk.1.Size=20); (its id, the
    disk's)."""
    disk = ecs_models.RunInstancesRequestDataDisk(size=20, category="cloud_efficiency")
    (instance_id,) = world.run(1, data_disk=[disk])
    booted_pid(server, instance_id)
    return instance_id, _data_disks(world, instance_id)["/dev/xvdb"]


def _new_disk(world: World) -> str:
    request = ecs_models.CreateDiskRequest(
        region_id=REGION, zone_id=ZONE, size=20, disk_category="cloud_efficiency"
    )
    return str(world.client.create_disk(request).body.disk_id)


def _stop(world: World, instance_id: str) -> None:
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Stopped", timeout=10)


def _start(server: RunningServer, world: World, instance_id: str) -> None:
    world.client.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Running", timeout=10)
    booted_pid(server, instance_id)


@pytest.mark.skipif(shutil.which("extundelete") is None, reason="needs extundelete")
def test_guide_recovering_a_deleted_file_with_extundelete(
    linux_server: RunningServer, world: World
) -> None:
    instance_id, disk_id = _run_with_disk(linux_server, world)
    listing = sh_in(linux_server, instance_id, "fdisk -l /dev/vdb")
    assert "Disk /dev/vdb: 20 GiB, 21474836480 bytes, 41943040 sectors" in listing
    # partitioned, formatted and mounted as the guide does; each command finds the node the
    # one before it made
    sh_in(linux_server, instance_id, PARTITION)
    sh_in(linux_server, instance_id, "mkfs.ext4 /dev/vdb1")
    sh_in(linux_server, instance_id, "mkdir /zhuyun && mount /dev/vdb1 /zhuyun")
    # sync: the guide's steps are minutes apart, and the journal has committed the file by
    # the time it is deleted (what extundelete finds it by)
    written = sh_in(
        linux_server, instance_id, "cd /zhuyun && echo test > hello && sync && md5sum hello"
    )
    assert written == f"{HELLO_MD5}  hello\n"
    sh_in(linux_server, instance_id, "cd /zhuyun && rm -rf hello && cd ~ && umount /dev/vdb1")

    # the root directory's entries; the deleted file's name is gone since Linux 5.14 wipes
    # deleted directory entries, while its inode (12) and blocks remain
    listed = sh_in(linux_server, instance_id, "extundelete --inode 2 /dev/vdb1")
    assert "lost+found" in listed
    restored = sh_in(
        linux_server,
        instance_id,
        "extundelete --restore-inode 12 /dev/vdb1 >/dev/null && md5sum RECOVERED_FILES/*",
    )
    assert restored.split()[0] == HELLO_MD5
    restored = sh_in(
        linux_server,
        instance_id,
        "rm -rf RECOVERED_FILES && extundelete --restore-all /dev/vdb1 >/dev/null"
        " && md5sum RECOVERED_FILES/*",
    )
    assert restored.split()[0] == HELLO_MD5

    # released (force-deleted while running): its devices go once it has ended
    release(world, linux_server)
    assert eventually(lambda: loops_of(linux_server, disk_id) == [], timeout=10)


def test_data_written_inside_survives_stop_and_start(
    linux_server: RunningServer, world: World
) -> None:
    instance_id, disk_id = _run_with_disk(linux_server, world)
    sh_in(linux_server, instance_id, PARTITION)
    sh_in(linux_server, instance_id, "mkfs.ext4 -q /dev/vdb1 && mount /dev/vdb1 /mnt")
    sh_in(linux_server, instance_id, "echo kept > /mnt/data")

    _stop(world, instance_id)
    # a stopped instance holds no block device
    assert eventually(lambda: loops_of(linux_server, disk_id) == [], timeout=10)
    _start(linux_server, world, instance_id)
    # the disk and its partition are in /dev from the first process on
    assert sh_in(linux_server, instance_id, "mount /dev/vdb1 /mnt && cat /mnt/data") == "kept\n"


def test_a_disk_attached_to_a_running_instance_appears_and_goes_on_detach(
    linux_server: RunningServer, world: World
) -> None:
    instance_id, _ = _run_with_disk(linux_server, world)
    second = _new_disk(world)
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=second))
    assert _data_disks(world, instance_id)["/dev/xvdc"] == second
    # in place when the call returns
    size = sh_in(linux_server, instance_id, "blockdev --getsize64 /dev/vdc")
    assert size == f"{20 << 30}\n"
    sh_in(linux_server, instance_id, PARTITION.replace("vdb", "vdc"))
    sh_in(linux_server, instance_id, "mkfs.ext4 -q /dev/vdc1 && mount /dev/vdc1 /mnt")
    sh_in(linux_server, instance_id, "echo moved > /mnt/data")

    # detached while mounted: the nodes go at once (vda, the system disk, stays), the mount
    # stays until it is unmounted (then its loop device goes too)
    world.client.detach_disk(ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=second))
    assert sh_in(linux_server, instance_id, "ls /dev | grep '^vd' || true") == "vda\nvdb\n"
    assert sh_in(linux_server, instance_id, "cat /mnt/data") == "moved\n"
    sh_in(linux_server, instance_id, "umount /mnt")
    assert eventually(lambda: loops_of(linux_server, second) == [], timeout=10)

    # attached again, it shows what was written to it
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=second))
    assert sh_in(linux_server, instance_id, "mount /dev/vdc1 /mnt && cat /mnt/data") == "moved\n"


def test_a_disk_rolls_back_to_a_snapshot_taken_while_it_was_mounted(
    linux_server: RunningServer, world: World
) -> None:
    instance_id, disk_id = _run_with_disk(linux_server, world)
    sh_in(linux_server, instance_id, "mkfs.ext4 -q /dev/vdb && mount /dev/vdb /mnt")
    # not synced: the snapshot freezes the file system, which writes it out
    sh_in(linux_server, instance_id, "echo before > /mnt/state")
    snapshot_id = world.client.create_snapshot(
        ecs_models.CreateSnapshotRequest(disk_id=disk_id)
    ).body.snapshot_id
    # and plenty not yet written out, which the file system writes as it is unmounted on
    # the way down
    sh_in(linux_server, instance_id, "echo after > /mnt/state && sync")
    sh_in(linux_server, instance_id, "head -c 200M /dev/zero > /mnt/unsynced")

    _stop(world, instance_id)
    # right away: the reset waits for the instance to be down before it writes the disk
    world.client.reset_disk(ecs_models.ResetDiskRequest(disk_id=disk_id, snapshot_id=snapshot_id))
    _start(linux_server, world, instance_id)
    # taken frozen: a clean file system, no journal to replay
    features = sh_in(linux_server, instance_id, "dumpe2fs -h /dev/vdb 2>/dev/null | grep features")
    assert "needs_recovery" not in features
    assert sh_in(linux_server, instance_id, "mount /dev/vdb /mnt && cat /mnt/state") == "before\n"


def test_a_large_snapshot_of_a_mounted_disk_is_taken_in_the_background(
    linux_server: RunningServer, world: World
) -> None:
    instance_id, disk_id = _run_with_disk(linux_server, world)
    sh_in(linux_server, instance_id, "mkfs.ext4 -q /dev/vdb && mount /dev/vdb /mnt")
    # more than a snapshot reads inside its call: it answers at once, the disk frozen after
    sh_in(linux_server, instance_id, "head -c 300M /dev/urandom > /mnt/big && sync")
    digest = sh_in(linux_server, instance_id, "md5sum < /mnt/big")
    snapshot_id = str(
        world.client.create_snapshot(
            ecs_models.CreateSnapshotRequest(disk_id=disk_id)
        ).body.snapshot_id
    )

    def status() -> str:
        request = ecs_models.DescribeSnapshotsRequest(
            region_id=REGION, snapshot_ids=f'["{snapshot_id}"]'
        )
        (found,) = world.client.describe_snapshots(request).body.snapshots.snapshot
        return str(found.status)

    assert status() == "progressing"
    assert eventually(lambda: status() == "accomplished", timeout=60)
    # thawed: the instance writes again
    sh_in(linux_server, instance_id, "echo after > /mnt/after && sync")
    copy = str(
        world.client.create_disk(
            ecs_models.CreateDiskRequest(
                region_id=REGION,
                zone_id=ZONE,
                disk_category="cloud_efficiency",
                snapshot_id=snapshot_id,
            )
        ).body.disk_id
    )
    world.client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=copy))
    assert eventually(
        lambda: exec_in(linux_server, instance_id, ["test", "-b", "/dev/vdc"]).returncode == 0
    )
    copied = sh_in(
        linux_server, instance_id, "mkdir -p /copy && mount /dev/vdc /copy && md5sum < /copy/big"
    )
    assert copied == digest
    assert sh_in(linux_server, instance_id, "ls /copy") == "big\nlost+found\n"


def test_a_killed_server_leaves_the_disks_to_the_next_which_detaches_them_once_done(
    tmp_path: Path,
) -> None:
    reason = linux_ready()
    if reason is not None:
        pytest.skip(reason)
    data_dir = tmp_path / "ecsim-disks-crash"
    first = start_server(data_dir, ["--dataplane", "linux"])
    second: RunningServer | None = None
    try:
        world = new_world(first)
        instance_id, disk_id = _run_with_disk(first, world)
        sh_in(first, instance_id, r"printf 'n\np\n1\n\n+1G\nw\n' | fdisk /dev/vdb")
        sh_in(first, instance_id, "mkfs.ext4 -q /dev/vdb1")
        held = sorted(loops_under(data_dir))
        # the system disk (the root), the data disk, and its partition where the kernel reads
        # none
        assert len(held) in (2, 3)

        first.stop(sig=signal.SIGKILL)
        second = start_server(data_dir, ["--dataplane", "linux"])
        world = replace(world, client=tea_ecs(second.endpoint, world.key))
        # adopted as they are: the same devices, usable inside
        assert sorted(loops_under(data_dir)) == held
        sh_in(second, instance_id, "mount /dev/vdb1 /mnt && echo ok > /mnt/f && umount /mnt")
        # a partition table changed after the restart still shows
        sh_in(second, instance_id, r"printf 'n\np\n2\n\n+100M\nw\n' | fdisk /dev/vdb")
        assert sh_in(second, instance_id, "test -b /dev/vdb2 && echo yes") == "yes\n"

        release(world, second)
        assert eventually(lambda: loops_of(second, disk_id) == [], timeout=10)
        assert eventually(lambda: loops_under(data_dir) == [], timeout=10)
    finally:
        for server in (first, second):
            if server is not None:
                server.stop(timeout=30)
    assert loops_under(data_dir) == []

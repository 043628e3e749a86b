"""ResizeDisk reaching a running instance: Type=online shows the new size inside at once
(``blockdev``), and resize2fs grows the mounted file system (``df``), on a data disk and on
the system disk (the root); Type=offline (the default) shows after a reboot.

Growing a mounted ext4 takes CAP_SYS_RESOURCE (the kernel's check), which some containers
that run these tests as root lack: there the data disk is grown unmounted, and the root's
resize2fs is seen to get as far as the kernel's refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import booted_pid, eventually, exec_in, loops_under, serve_linux, sh_in
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

GIB = 2**30
_CAP_SYS_RESOURCE = 24


def _may_resize_mounted() -> bool:
    """Whether this process (and so an instance it enters) holds CAP_SYS_RESOURCE."""
    status = Path("/proc/self/status").read_text()
    effective = int(status.split("CapEff:")[1].split()[0], 16)
    return bool(effective >> _CAP_SYS_RESOURCE & 1)


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("ecsim-disk-resize")
    yield from serve_linux(data_dir)
    # a clean stop leaves no loop device over the server's images (grown ones included)
    assert loops_under(data_dir) == []


def _device_size(server: RunningServer, instance_id: str, device: str) -> int:
    return int(sh_in(server, instance_id, f"blockdev --getsize64 {device}"))


def _fs_size(server: RunningServer, instance_id: str, mount_point: str) -> int:
    """The size ``df`` shows for the file system mounted at ``mount_point``, in bytes."""
    return int(sh_in(server, instance_id, f"df -B1 --output=size {mount_point}").split()[-1])


def _disk(world: World, instance_id: str, disk_type: str) -> tuple[str, int]:
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, instance_id=instance_id, disk_type=disk_type
    )
    (disk,) = world.client.describe_disks(request).body.disks.disk
    return str(disk.disk_id), int(disk.size)


def _resize(world: World, disk_id: str, size: int, kind: str | None = None) -> None:
    world.client.resize_disk(
        ecs_models.ResizeDiskRequest(disk_id=disk_id, new_size=size, type=kind)
    )


def _rebooted(server: RunningServer, instance_id: str, before: int) -> bool:
    try:
        return booted_pid(server, instance_id, timeout=0.5) != before
    except AssertionError:
        return False


def test_a_data_disk_grows_online_at_once_and_offline_after_a_reboot(
    linux_server: RunningServer, world: World
) -> None:
    data = ecs_models.RunInstancesRequestDataDisk(size=20, category="cloud_efficiency")
    (instance_id,) = world.run(1, data_disk=[data])
    booted_pid(linux_server, instance_id)
    disk_id, _ = _disk(world, instance_id, "data")
    made = "mkfs.ext4 -q /dev/vdb && mkdir -p /mnt/data && mount /dev/vdb /mnt/data"
    sh_in(linux_server, instance_id, f"{made} && echo kept > /mnt/data/kept")
    assert _device_size(linux_server, instance_id, "/dev/vdb") == 20 * GIB
    before = _fs_size(linux_server, instance_id, "/mnt/data")

    _resize(world, disk_id, 30, "online")
    # before the call returned: the device inside shows it, and the mounted file system grows
    assert _device_size(linux_server, instance_id, "/dev/vdb") == 30 * GIB
    if _may_resize_mounted():
        sh_in(linux_server, instance_id, "resize2fs /dev/vdb")
    else:
        sh_in(
            linux_server,
            instance_id,
            "umount /mnt/data && resize2fs /dev/vdb && mount /dev/vdb /mnt/data",
        )
    assert _fs_size(linux_server, instance_id, "/mnt/data") - before > 9 * GIB
    assert sh_in(linux_server, instance_id, "cat /mnt/data/kept") == "kept\n"

    # offline (the default): the running instance sees it once it has restarted
    _resize(world, disk_id, 40)
    assert _device_size(linux_server, instance_id, "/dev/vdb") == 30 * GIB
    pid = booted_pid(linux_server, instance_id)
    world.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: _rebooted(linux_server, instance_id, pid), timeout=15)
    assert _device_size(linux_server, instance_id, "/dev/vdb") == 40 * GIB
    assert (
        sh_in(linux_server, instance_id, "mount /dev/vdb /mnt/data && cat /mnt/data/kept")
        == "kept\n"
    )


def test_the_system_disk_grows_online_under_the_mounted_root(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    booted_pid(linux_server, instance_id)
    disk_id, size = _disk(world, instance_id, "system")
    assert _device_size(linux_server, instance_id, "/dev/vda") == size * GIB
    before = _fs_size(linux_server, instance_id, "/")

    _resize(world, disk_id, size + 10, "online")
    assert _device_size(linux_server, instance_id, "/dev/vda") == (size + 10) * GIB
    if _may_resize_mounted():
        sh_in(linux_server, instance_id, "resize2fs /dev/vda")
        assert _fs_size(linux_server, instance_id, "/") - before > 9 * GIB
    else:
        # it finds the root mounted from /dev/vda and grows it online, as far as the kernel
        done = exec_in(linux_server, instance_id, ["resize2fs", "/dev/vda"])
        assert "on-line resizing required" in done.stdout, done.stdout + done.stderr
        assert "Permission denied" in done.stderr, done.stderr

    # offline: the root's device shows it once the instance has restarted
    _resize(world, disk_id, size + 20)
    assert _device_size(linux_server, instance_id, "/dev/vda") == (size + 10) * GIB
    pid = booted_pid(linux_server, instance_id)
    world.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: _rebooted(linux_server, instance_id, pid), timeout=15)
    assert _device_size(linux_server, instance_id, "/dev/vda") == (size + 20) * GIB

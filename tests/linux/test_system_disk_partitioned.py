"""A distribution's system disk, as ImportImage brings it: a partition table (DOS or GPT) with
the root file system on a partition. The instance boots from that partition (a loop device
over its window of the image, /dev/vdaN inside): the partition's /etc and /root are the
instance's, over the host's shared OS layer (/usr)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.api.oss_clients import new_bucket
from tests.support.linux import booted_pid, loops_of, loops_under, serve_linux, sh_in
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World

MIB = 2**20
MARKER = "imported root\n"
Mapping = ecs_models.ImportImageRequestDiskDeviceMapping
# (sfdisk's script, the root partition's number and start in sectors)
LAYOUTS = {
    # one Linux partition at 1 MiB
    "dos": ("label: dos\nstart=2048, type=83\n", 1, 2048),
    # an EFI system partition (no file system here), then the root
    "gpt": ("label: gpt\nstart=2048, size=2048, type=U\nstart=4096, type=L\n", 2, 4096),
}


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if shutil.which("sfdisk") is None or shutil.which("mkfs.ext4") is None:
        pytest.skip("needs sfdisk and mkfs.ext4")
    data_dir = tmp_path_factory.mktemp("ecsim-partitioned")
    yield from serve_linux(data_dir)
    assert loops_under(data_dir) == []


def _distribution_disk(tmp_path: Path, layout: str) -> bytes:
    """A 32 MiB raw disk: the partition table of ``layout``, ext4 on the root partition
    holding a root's top (etc/ with the marker, root/)."""
    script, _, start = LAYOUTS[layout]
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "root").mkdir(mode=0o700)
    (tree / "etc" / "ecsim-marker").write_text(MARKER)
    image = tmp_path / "disk.raw"
    with image.open("wb") as handle:
        handle.truncate(32 * MIB)
    subprocess.run(["sfdisk", "-q", str(image)], input=script, text=True, check=True)
    size_kib = (32 * MIB - start * 512 - MIB) // 1024  # clear of GPT's backup at the end
    mkfs = ["mkfs.ext4", "-q", "-F", "-d", str(tree), "-E", f"offset={start * 512}"]
    subprocess.run([*mkfs, str(image), f"{size_kib}k"], check=True, capture_output=True)
    return image.read_bytes()


def _import(server: RunningServer, world: World, disk: bytes) -> str:
    bucket = new_bucket(server.url, "distro", world.key)
    bucket.put_object("distro.raw", disk)
    mapping = Mapping(ossbucket=bucket.bucket_name, ossobject="distro.raw", format="RAW")
    request = ecs_models.ImportImageRequest(
        region_id=REGION, disk_device_mapping=[mapping], platform="Ubuntu"
    )
    return str(world.client.import_image(request).body.image_id)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_imported_partitioned_disk_boots_from_its_root_partition(
    linux_server: RunningServer, world: World, tmp_path: Path, layout: str
) -> None:
    _, number, start = LAYOUTS[layout]
    image_id = _import(linux_server, world, _distribution_disk(tmp_path, layout))
    (instance_id,) = world.run(1, image_id=image_id)
    booted_pid(linux_server, instance_id)

    # the partition's files are the instance's root, /usr the host's
    assert sh_in(linux_server, instance_id, "cat /etc/ecsim-marker") == MARKER
    assert sh_in(linux_server, instance_id, "test -x /usr/bin/env && hostname") != ""
    # the root is mounted from the partition's window of the disk, shown as /dev/vdaN
    node = f"/dev/vda{number}"
    mounted = sh_in(linux_server, instance_id, f"mountpoint -d /; stat -c '%Hr:%Lr' {node}")
    first, second = mounted.split()
    assert first == second
    request = ecs_models.DescribeDisksRequest(
        region_id=REGION, instance_id=instance_id, disk_type="system"
    )
    (disk,) = world.client.describe_disks(request).body.disks.disk
    (loop,) = loops_of(linux_server, str(disk.disk_id))
    assert f"offset {start * 512}" in loop, loop
    # what the instance writes goes to the partition's file system (its /etc the upper layer)
    sh_in(linux_server, instance_id, "echo written > /etc/written && echo kept > /root/kept")
    assert sh_in(linux_server, instance_id, "cat /etc/written /root/kept") == "written\nkept\n"

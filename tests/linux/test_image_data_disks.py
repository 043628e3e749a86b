"""An image of an instance carries its data disks: an instance launched from it finds, on its
/dev/vdb, the file system and file written inside the first one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.linux import booted_pid, loops_under, serve_linux, sh_in
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("ecsim-image-data-disks")
    yield from serve_linux(data_dir)
    # a clean stop leaves no loop device over the server's images
    assert loops_under(data_dir) == []


def test_an_instance_of_an_image_has_the_data_disk_written_inside(
    linux_server: RunningServer, world: World
) -> None:
    disk = ecs_models.RunInstancesRequestDataDisk(size=20, category="cloud_efficiency")
    (golden,) = world.run(1, data_disk=[disk])
    booted_pid(linux_server, golden)
    written = sh_in(
        linux_server,
        golden,
        "mkfs.ext4 -q /dev/vdb && mkdir -p /data && mount /dev/vdb /data"
        " && head -c 3000000 /dev/urandom > /data/blob && md5sum /data/blob",
    )
    # taken running, not synced: the snapshot is of the frozen file system
    image_id = world.client.create_image(
        ecs_models.CreateImageRequest(region_id=REGION, instance_id=golden)
    ).body.image_id

    (copy,) = world.run(1, image_id=image_id)
    request = ecs_models.DescribeDisksRequest(region_id=REGION, instance_id=copy, disk_type="data")
    (data,) = world.client.describe_disks(request).body.disks.disk
    assert (data.device, data.size) == ("/dev/xvdb", 20)
    assert data.source_snapshot_id
    read = sh_in(linux_server, copy, "mkdir -p /data && mount /dev/vdb /data && md5sum /data/blob")
    assert read == written

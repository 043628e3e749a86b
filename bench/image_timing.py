"""CreateImage from a snapshot, timed through the SDK on disks of two sizes.

An image references its snapshots, so creating one moves no data: the time from CreateImage
to the image being Available should not depend on the disk's size. A server (data plane
``none``) runs two instances whose system disks are 20 GiB and 500 GiB, each with 256 MiB of
random data written into its image as a guest would; each is snapshotted, then CreateImage
is timed ``rounds`` times per disk (call until DescribeImages shows Available).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from clients import ecs_client
from report import Row, verdict
from servers import running, start_ecsim

__all__ = ["image_rows"]

REGION = "cn-hangzhou"
INSTANCE_TYPE = "ecs.g6.large"
IMAGE_ID = "aliyun_3_x64_20G_alibase_20221102.vhd"
SIZES_GIB = (20, 500)
MIB = 1 << 20


def _world(client: Any, models: Any) -> tuple[str, str]:
    zones = client.describe_zones(models.DescribeZonesRequest(region_id=REGION)).body.zones.zone
    zone = next(
        z.zone_id for z in zones if INSTANCE_TYPE in z.available_instance_types.instance_types
    )
    vpc = client.create_vpc(
        models.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")
    ).body.vpc_id
    vswitch = client.create_vswitch(
        models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc, zone_id=zone, cidr_block="10.0.0.0/16"
        )
    ).body.v_switch_id
    group = client.create_security_group(
        models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc)
    ).body.security_group_id
    return vswitch, group


def _system_disk_snapshot(
    client: Any, models: Any, data_dir: Path, where: tuple[str, str], size_gib: int
) -> str:
    vswitch, group = where
    (instance,) = client.run_instances(
        models.RunInstancesRequest(
            region_id=REGION,
            image_id=IMAGE_ID,
            instance_type=INSTANCE_TYPE,
            security_group_id=group,
            v_switch_id=vswitch,
            system_disk=models.RunInstancesRequestSystemDisk(size=str(size_gib)),
        )
    ).body.instance_id_sets.instance_id_set
    (disk,) = client.describe_disks(
        models.DescribeDisksRequest(region_id=REGION, instance_id=instance)
    ).body.disks.disk
    image = data_dir / "blocks" / "disks" / f"{disk.disk_id}.img"
    rng = random.Random(size_gib)
    fd = os.open(image, os.O_WRONLY)
    try:
        for index in range(0, 512, 2):  # 256 MiB, every other MiB of the first 512
            os.pwrite(fd, rng.randbytes(MIB), index * MIB)
    finally:
        os.close(fd)
    snapshot_id = str(
        client.create_snapshot(models.CreateSnapshotRequest(disk_id=disk.disk_id)).body.snapshot_id
    )
    while True:  # a large snapshot is taken in the background
        (snapshot,) = client.describe_snapshots(
            models.DescribeSnapshotsRequest(region_id=REGION, snapshot_ids=f'["{snapshot_id}"]')
        ).body.snapshots.snapshot
        if snapshot.status == "accomplished":
            return snapshot_id
        time.sleep(0.01)


def _create_image_seconds(client: Any, models: Any, snapshot_id: str, name: str) -> float:
    start = time.perf_counter()
    image_id = client.create_image(
        models.CreateImageRequest(region_id=REGION, snapshot_id=snapshot_id, image_name=name)
    ).body.image_id
    while True:
        images = client.describe_images(
            models.DescribeImagesRequest(region_id=REGION, image_id=image_id, status="Available")
        ).body.images.image
        if images:
            return time.perf_counter() - start
        time.sleep(0.001)


def image_rows(work: Path, rounds: int = 5) -> list[Row]:
    from alibabacloud_ecs20140526 import models

    data_dir = work / "server"
    server, _ = start_ecsim(data_dir)
    with running(server):
        client = ecs_client(server.endpoint, REGION)
        where = _world(client, models)
        medians: dict[int, float] = {}
        for size in SIZES_GIB:
            snapshot = _system_disk_snapshot(client, models, data_dir, where, size)
            medians[size] = statistics.median(
                _create_image_seconds(client, models, snapshot, f"bench-{size}g-{n}")
                for n in range(rounds)
            )
    small, large = (medians[s] for s in SIZES_GIB)
    ratio = large / small
    return [
        Row(
            f"CreateImage from a snapshot, {SIZES_GIB[0]} GiB disk (to Available)",
            f"{small * 1000:.1f} ms",
        ),
        Row(
            f"CreateImage from a snapshot, {SIZES_GIB[1]} GiB disk",
            f"{large * 1000:.1f} ms ({ratio:.2f}x the small one)",
            "independent of size (<= 1.5x)",
            verdict(ratio <= 1.5),
        ),
    ]

"""ImportImage from ecsim's own OSS through oss2 and the official ECS SDK: the bytes put in
the bucket come back, equal, from a disk made of the image's snapshot; refusals leave no
image, snapshot or block behind."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.api.oss_clients import new_bucket, other_account_key
from tests.support.clients import assert_refused, tea_ecs
from tests.support.disk_images import qcow2_image, read_disk, vhd_image
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, World

MIB = 2**20
GIB = 2**30
Mapping = ecs_models.ImportImageRequestDiskDeviceMapping


def _raw(seed: int, size: int) -> bytes:
    """A disk with data here and there and holes between (size need not be a block multiple)."""
    rng = random.Random(seed)
    disk = bytearray(size)
    for at in (0, size // 3, size - 5000):
        disk[at : at + 4000] = rng.randbytes(4000)
    return bytes(disk)


def _import(world: World, *mappings: Mapping, **fields: object) -> str:
    request = ecs_models.ImportImageRequest(
        region_id=REGION, disk_device_mapping=list(mappings), **fields
    )
    body = world.client.import_image(request).body
    assert body.task_id.startswith("t-") and body.region_id == REGION
    return str(body.image_id)


def _image(world: World, image_id: str) -> ecs_models.DescribeImagesResponseBodyImagesImage:
    request = ecs_models.DescribeImagesRequest(region_id=REGION, image_id=image_id, status="ALL")
    (image,) = world.client.describe_images(request).body.images.image
    return image


def _disk_bytes(server: RunningServer, world: World, snapshot_id: str, length: int) -> bytes:
    """The first ``length`` bytes of a new disk made from ``snapshot_id``."""
    request = ecs_models.CreateDiskRequest(
        region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", snapshot_id=snapshot_id
    )
    disk_id = str(world.client.create_disk(request).body.disk_id)
    return read_disk(server.data_dir, disk_id, 0, length)


def _manifests(server: RunningServer) -> int:
    return sum(1 for _ in (server.data_dir / "blocks" / "snapshots").glob("*.json"))


def test_a_raw_image_comes_back_byte_for_byte(server: RunningServer, world: World) -> None:
    raw = _raw(1, 3 * MIB + 123)
    bucket = new_bucket(server.url, "import", world.key)
    bucket.put_object("images/disk.raw", raw)
    image_id = _import(
        world,
        Mapping(ossbucket=bucket.bucket_name, ossobject="images/disk.raw", format="RAW"),
        image_name="imported-raw",
        platform="Ubuntu",
    )
    image = _image(world, image_id)
    assert (image.status, image.progress, image.image_name) == ("Available", "100%", "imported-raw")
    assert (image.platform, image.ostype, image.size) == ("Ubuntu", "linux", 5)
    (mapping,) = image.disk_device_mappings.disk_device_mapping
    assert (mapping.type, mapping.device, mapping.size, mapping.format) == (
        "system",
        "/dev/xvda",
        "5",
        "RAW",
    )
    assert (mapping.import_ossbucket, mapping.import_ossobject) == (
        bucket.bucket_name,
        "images/disk.raw",
    )
    assert _disk_bytes(server, world, mapping.snapshot_id, len(raw)) == raw
    # the image launches like any custom image
    (instance_id,) = world.run(image_id=image_id)
    assert world.status(instance_id) == "Running"


def test_qcow2_and_vhd_disks_are_converted(server: RunningServer, world: World) -> None:
    rng = random.Random(2)
    cluster = 64 * 1024
    qcow_extents = {0: rng.randbytes(cluster), 7 * MIB: rng.randbytes(1000)}
    vhd_extents = {MIB: rng.randbytes(5000), 5 * MIB: b"second data disk"}
    bucket = new_bucket(server.url, "import-formats", world.key)
    bucket.put_object("root.qcow2", qcow2_image(8 * MIB, qcow_extents))
    bucket.put_object("data.vhd", vhd_image(6 * MIB, vhd_extents, dynamic=True))
    image_id = _import(
        world,
        Mapping(ossbucket=bucket.bucket_name, ossobject="root.qcow2", format="qcow2"),
        # no format: told from the file
        Mapping(ossbucket=bucket.bucket_name, ossobject="data.vhd", disk_image_size=10),
    )
    system, data = _image(world, image_id).disk_device_mappings.disk_device_mapping
    assert (system.format, system.size, data.format, data.size, data.device) == (
        "QCOW2",
        "5",
        "VHD",
        "10",
        "/dev/xvdb",
    )
    for mapping, size, extents in ((system, 8 * MIB, qcow_extents), (data, 6 * MIB, vhd_extents)):
        expected = bytearray(size)
        for at, chunk in extents.items():
            expected[at : at + len(chunk)] = chunk
        assert _disk_bytes(server, world, mapping.snapshot_id, size) == bytes(expected)


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img (qemu-utils) absent")
@pytest.mark.parametrize("fmt", ["qcow2", "vmdk"])
def test_images_qemu_img_wrote(
    server: RunningServer, world: World, tmp_path: Path, fmt: str
) -> None:
    raw = _raw(3, 4 * MIB)
    (tmp_path / "disk.raw").write_bytes(raw)
    target = tmp_path / f"disk.{fmt}"
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", fmt, tmp_path / "disk.raw", target], check=True
    )
    bucket = new_bucket(server.url, f"import-{fmt}", world.key)
    bucket.put_object_from_file(target.name, str(target))
    image_id = _import(
        world, Mapping(ossbucket=bucket.bucket_name, ossobject=target.name, format=fmt.upper())
    )
    (mapping,) = _image(world, image_id).disk_device_mappings.disk_device_mapping
    assert _disk_bytes(server, world, mapping.snapshot_id, len(raw)) == raw


def test_import_refusals_leave_nothing_behind(server: RunningServer, world: World) -> None:
    bucket = new_bucket(server.url, "import-refusals", world.key)
    name = bucket.bucket_name
    bucket.put_object("disk.raw", _raw(4, 2 * MIB))
    bucket.put_object("empty.raw", b"")
    # a 6 GiB disk in a small file
    bucket.put_object("big.qcow2", qcow2_image(6 * GIB, {0: b"boot"}))
    stranger = new_bucket(server.url, "import-private", other_account_key(server.url))
    stranger.put_object("disk.raw", b"theirs")
    manifests = _manifests(server)

    def ok(**fields: object) -> Mapping:
        return Mapping(**({"ossbucket": name, "ossobject": "disk.raw"} | fields))

    cases: list[tuple[list[Mapping], dict[str, object], str, int]] = [
        ([], {}, "MissingParameter.DiskDeviceMapping", 403),
        ([ok(ossbucket="Bad_Bucket")], {}, "InvalidOSSBucket.Malformed", 400),
        ([ok(ossbucket="no-such-bucket-here")], {}, "InvalidOSSBucket.NotFound", 400),
        ([ok(ossobject="missing.raw")], {}, "InvalidOSSObject.NotFound", 400),
        ([ok(ossobject="empty.raw")], {}, "InvalidOSSObject.Size", 400),
        ([ok(ossbucket=stranger.bucket_name)], {}, "InvalidOSS.NotAuthorized", 403),
        ([ok(format="ISO")], {}, "InvalidImageFormat.Malformed", 400),
        ([ok(format="QCOW2")], {}, "InvalidImageFormat.Malformed", 403),
        ([ok(ossobject="big.qcow2", disk_image_size=5)], {}, "InvalidImageSize", 400),
        ([ok(disk_image_size=501)], {}, "InvalidImageSize", 400),
        ([ok(), ok(disk_image_size=2001)], {}, "InvalidDataDiskSize", 400),
        ([ok(), ok(device="/dev/xvda")], {}, "InvalidParameter.Malformed", 403),
        ([ok()], {"image_name": "aliyun-copy"}, "InvalidImageName.Malformed", 400),
        ([ok()], {"architecture": "sparc"}, "InvalidArchitecture.Malformed", 400),
        ([ok()], {"architecture": "arm64", "boot_mode": "BIOS"}, "InvalidBootMode.NotSupport", 400),
        ([ok()], {"role_name": "NoSuchRole"}, "NoSetRoletoECSServiceAcount", 403),
    ]
    for mappings, fields, code, status in cases:
        assert_refused(
            lambda mappings=mappings, fields=fields: _import(world, *mappings, **fields),  # type: ignore[misc]
            code,
            status,
        )
    # a name already taken is refused, after the first import made it
    _import(world, ok(), image_name="taken")
    assert_refused(
        lambda: _import(world, ok(), image_name="taken"), "InvalidImageName.Duplicated", 400
    )
    images = ecs_models.DescribeImagesRequest(region_id=REGION, image_owner_alias="self")
    assert len(world.client.describe_images(images).body.images.image) == 1
    snapshots = ecs_models.DescribeSnapshotsRequest(region_id=REGION)
    assert len(world.client.describe_snapshots(snapshots).body.snapshots.snapshot) == 1
    assert _manifests(server) == manifests + 1
    assert list((server.data_dir / "blocks" / "disks").glob("import-*")) == []


def test_another_accounts_client_sees_none_of_it(server: RunningServer, world: World) -> None:
    bucket = new_bucket(server.url, "import-own", world.key)
    bucket.put_object("disk.raw", _raw(5, MIB))
    stranger = tea_ecs(server.endpoint, other_account_key(server.url))
    request = ecs_models.ImportImageRequest(
        region_id=REGION,
        disk_device_mapping=[Mapping(ossbucket=bucket.bucket_name, ossobject="disk.raw")],
    )
    assert_refused(lambda: stranger.import_image(request), "InvalidOSS.NotAuthorized", 403)

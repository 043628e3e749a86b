"""Instances' disks in-process: records and images made with the launch, none left by a launch
that fails (even when it fails while making the images), and released per
DeleteWithInstance."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.control.custom_images import NewImage
from ecsim.control.disks import DiskQuery
from ecsim.control.vpcs import NewVpc
from ecsim.control.vswitches import NewVSwitch
from ecsim.ids import IdFactory
from ecsim.model.disk import Disk
from ecsim.model.instance_spec import DataDiskSpec, LaunchSpec
from ecsim.settings import Settings
from ecsim.storage.base import DiskNotFound
from ecsim.store.codecs import instances as instance_codec

ACCOUNT = "1000000000000071"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
TYPE = "ecs.g6.large"


class _Boom(RuntimeError):
    pass


@pytest.fixture
def app() -> Iterator[Application]:
    settings = Settings(in_memory=True, verify_signatures=False, dataplane="none")
    opened = build_app(settings, clock=FrozenClock(), ids=IdFactory(seed=11))
    try:
        yield opened
    finally:
        opened.close()


def _spec(app: Application, block: str = "10.0.1.0/24", **changes: object) -> LaunchSpec:
    services = app.services
    vpc = services.networks.vpcs.create(
        ACCOUNT, REGION, NewVpc(ipaddress.IPv4Network("10.0.0.0/16"))
    )
    vswitch = services.networks.vswitches.create(
        ACCOUNT, REGION, NewVSwitch(vpc.vpc_id, ZONE, ipaddress.IPv4Network(block))
    )
    group = services.security_groups.create(ACCOUNT, REGION, vpc_id=vpc.vpc_id)
    return LaunchSpec(
        image_id=IMAGE,
        instance_type=TYPE,
        security_group_ids=(group.group_id,),
        vswitch_id=vswitch.vswitch_id,
        **changes,  # type: ignore[arg-type]
    )


def _disk_ids(app: Application) -> list[str]:
    return [v.disk.disk_id for v in app.services.disks.describe(ACCOUNT, REGION, DiskQuery())]


def test_each_disk_has_a_sparse_image_of_its_size(app: Application) -> None:
    spec = _spec(app, data_disks=(DataDiskSpec(size=30),))
    (instance,) = app.services.instances.run(ACCOUNT, REGION, spec)
    query = DiskQuery(instance_id=instance.instance_id)
    views = app.services.disks.describe(ACCOUNT, REGION, query)
    assert len(views) == 2
    for view in views:
        assert app.services.blocks.disk_size(view.disk.disk_id) == view.disk.size_gib * 2**30


def test_a_launch_failing_while_making_images_leaves_nothing(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(app, data_disks=(DataDiskSpec(size=30),))
    blocks = app.services.blocks
    made: list[str] = []
    real = blocks.create_disk

    def failing(disk_id: str, size: int) -> None:
        if len(made) == 3:
            raise _Boom
        real(disk_id, size)
        made.append(disk_id)

    monkeypatch.setattr(blocks, "create_disk", failing)
    with pytest.raises(_Boom):
        app.services.instances.run(ACCOUNT, REGION, spec, amount=2)
    assert _disk_ids(app) == []
    assert list(app.services.store.list_resources(instance_codec.KIND, ACCOUNT, REGION)) == []
    for disk_id in made:
        with pytest.raises(DiskNotFound):
            blocks.disk_size(disk_id)


def test_min_amount_gives_disks_only_to_the_instances_made(app: Application) -> None:
    # a /29 holds 3 addresses for instances once the vSwitch keeps its reserved ones
    spec = _spec(app, block="10.0.1.0/29")
    made = app.services.instances.run(ACCOUNT, REGION, spec, amount=10, min_amount=1)
    views = app.services.disks.describe(ACCOUNT, REGION, DiskQuery())
    assert sorted(v.disk.instance_id for v in views) == sorted(i.instance_id for i in made)


def test_release_frees_the_images_it_deletes(app: Application) -> None:
    spec = _spec(app, data_disks=(DataDiskSpec(size=30, delete_with_instance=False),))
    (instance,) = app.services.instances.run(ACCOUNT, REGION, spec)
    query = DiskQuery(instance_id=instance.instance_id)
    views = app.services.disks.describe(ACCOUNT, REGION, query)
    system = next(v.disk for v in views if v.disk.disk_type.value == "system")
    data = next(v.disk for v in views if v.disk.disk_type.value == "data")
    app.services.instances.delete(ACCOUNT, REGION, instance.instance_id, force=True)
    with pytest.raises(DiskNotFound):
        app.services.blocks.disk_size(system.disk_id)
    assert app.services.blocks.disk_size(data.disk_id) == 30 * 2**30
    assert _disk_ids(app) == [data.disk_id]


def test_a_hundred_instances_launch_quickly(app: Application) -> None:
    spec = _spec(app, block="10.0.0.0/24")
    started = time.perf_counter()
    made = app.services.instances.run(ACCOUNT, REGION, spec, amount=100)
    elapsed = time.perf_counter() - started
    assert len(made) == 100 and len(_disk_ids(app)) == 100
    assert elapsed < 3.0, f"RunInstances Amount=100 took {elapsed:.2f}s"


def _system_disk(app: Application, instance_id: str) -> Disk:
    query = DiskQuery(instance_id=instance_id, disk_type="system")
    (view,) = app.services.disks.describe(ACCOUNT, REGION, query)
    return view.disk


def test_a_custom_images_instance_boots_from_its_system_snapshot(app: Application) -> None:
    spec = _spec(app)
    (golden,) = app.services.instances.run(ACCOUNT, REGION, spec)
    # a public image's system disk starts empty
    system = _system_disk(app, golden.instance_id)
    assert system.source_snapshot_id == ""
    app.services.blocks.write(system.disk_id, 0, b"golden root")
    image = app.services.custom_images.create(
        ACCOUNT, NewImage(REGION, instance_id=golden.instance_id)
    )
    (copy,) = app.services.instances.run(ACCOUNT, REGION, replace(spec, image_id=image.image_id))
    copied = _system_disk(app, copy.instance_id)
    assert copied.source_snapshot_id == image.system_snapshot_id is not None
    assert app.services.blocks.read(copied.disk_id, 0, 11) == b"golden root"

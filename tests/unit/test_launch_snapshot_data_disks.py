"""DataDisk.N.SnapshotId in-process, for the snapshots the API cannot show: one still
progressing (CreateSnapshot finishes before it answers) and one of another region, saved
straight into the store. Either refuses the launch before anything is written."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ecsim.app import Application, build_app
from ecsim.clock import FrozenClock
from ecsim.control.disk_rules import SnapshotRepository
from ecsim.control.disks import DiskQuery
from ecsim.control.vpcs import NewVpc
from ecsim.control.vswitches import NewVSwitch
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance_spec import DataDiskSpec, LaunchSpec
from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.settings import Settings
from ecsim.store.codecs import instances as instance_codec

ACCOUNT = "1000000000000073"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"


@pytest.fixture
def app() -> Iterator[Application]:
    settings = Settings(in_memory=True, verify_signatures=False, dataplane="none")
    opened = build_app(settings, clock=FrozenClock(), ids=IdFactory(seed=13))
    try:
        yield opened
    finally:
        opened.close()


def _spec(app: Application, *data_disks: DataDiskSpec) -> LaunchSpec:
    services = app.services
    vpc = services.networks.vpcs.create(
        ACCOUNT, REGION, NewVpc(ipaddress.IPv4Network("10.0.0.0/16"))
    )
    vswitch = services.networks.vswitches.create(
        ACCOUNT, REGION, NewVSwitch(vpc.vpc_id, ZONE, ipaddress.IPv4Network("10.0.1.0/24"))
    )
    group = services.security_groups.create(ACCOUNT, REGION, vpc_id=vpc.vpc_id)
    return LaunchSpec(
        image_id="ubuntu_22_04_x64_20G_alibase_20240130.vhd",
        instance_type="ecs.g6.large",
        security_group_ids=(group.group_id,),
        vswitch_id=vswitch.vswitch_id,
        data_disks=data_disks,
    )


def _save_snapshot(app: Application, snapshot_id: str, **fields: object) -> None:
    snapshot = Snapshot(
        snapshot_id=snapshot_id,
        account_id=ACCOUNT,
        region_id=str(fields.get("region_id", REGION)),
        name="",
        description="",
        source_disk_id="d-gone",
        source_disk_size_gib=40,
        source_disk_type="data",
        source_disk_category="cloud_essd",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        status=SnapshotStatus(fields.get("status", SnapshotStatus.ACCOMPLISHED)),
    )
    SnapshotRepository(app.services.store).save(snapshot)


def _refused(call: object) -> tuple[str, int]:
    with pytest.raises(EcsError) as raised:
        call()  # type: ignore[operator]
    return raised.value.code, raised.value.http_status


def _nothing_written(app: Application) -> bool:
    store = app.services.store
    disks = app.services.disks.describe(ACCOUNT, REGION, DiskQuery())
    return disks == [] and list(store.list_resources(instance_codec.KIND, ACCOUNT, REGION)) == []


def test_a_progressing_snapshot_is_not_ready(app: Application) -> None:
    _save_snapshot(app, "s-busy", status=SnapshotStatus.PROGRESSING)
    spec = _spec(app, DataDiskSpec(size=40), DataDiskSpec(snapshot_id="s-busy"))
    instances = app.services.instances
    assert _refused(lambda: instances.run(ACCOUNT, REGION, spec, amount=2)) == (
        "InvalidSnapshotId.NotReady",
        403,
    )
    assert _refused(lambda: instances.create(ACCOUNT, REGION, spec)) == (
        "InvalidSnapshotId.NotReady",
        403,
    )
    assert _nothing_written(app)


def test_another_regions_snapshot_is_not_found(app: Application) -> None:
    _save_snapshot(app, "s-far", region_id="cn-shanghai")
    spec = _spec(app, DataDiskSpec(snapshot_id="s-far"))
    instances = app.services.instances
    assert _refused(lambda: instances.run(ACCOUNT, REGION, spec)) == (
        "InvalidSnapshotId.NotFound",
        400,
    )
    assert _refused(lambda: instances.create(ACCOUNT, REGION, spec)) == (
        "InvalidDataDiskSnapshotId.NotFound",
        404,
    )
    assert _nothing_written(app)

"""Disks in the data plane's plan (the system disk a running instance's root is on, the data
disks it shows in /dev), and the partition tables the Linux driver reads from an image."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.dataplane_plan import PlanBuilder, guest_device
from ecsim.control.disk_rules import DiskRepository
from ecsim.control.network_repositories import VpcRepository, VSwitchRepository
from ecsim.dataplane.linux.loops import partition_table
from ecsim.dataplane.plan import DiskPort, InstancePlan, Naming
from ecsim.model.disk import Disk, DiskStatus, DiskType
from ecsim.model.instance import InstanceStatus
from ecsim.model.network import Vpc, VSwitch
from ecsim.settings import ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME
from ecsim.store.base import AccountRecord
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import REGION, ZONE, save_instance

IMAGES = Path("/data/blocks/disks")


def _image(disk_id: str) -> Path:
    return IMAGES / f"{disk_id}.img"


def _world(store: SqliteStore, clock: FrozenClock) -> None:
    store.add_account(AccountRecord(ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME, "2024-01-02T00:00:00Z"))
    now = clock.now()
    VpcRepository(store).save(
        Vpc("vpc-1", ROOT_ACCOUNT_ID, REGION, ipaddress.IPv4Network("192.168.0.0/16"),
            "", "", "vrt-1", "vtb-1", (), now, now)
    )  # fmt: skip
    VSwitchRepository(store).save(
        VSwitch("vsw-1", ROOT_ACCOUNT_ID, REGION, "vpc-1", ZONE,
                ipaddress.IPv4Network("192.168.0.0/24"), "", "", now, now)
    )  # fmt: skip


def _disk(disk_id: str, instance_id: str, device: str, **fields: object) -> Disk:
    disk = Disk(
        disk_id=disk_id,
        account_id=ROOT_ACCOUNT_ID,
        region_id=REGION,
        zone_id=ZONE,
        name="",
        description="",
        category="cloud_efficiency",
        size_gib=20,
        created_at=datetime(2024, 1, 2, tzinfo=UTC),
        status=DiskStatus.IN_USE if instance_id else DiskStatus.AVAILABLE,
        instance_id=instance_id,
        device=device,
    )
    return Disk(**(disk.__dict__ | fields))  # type: ignore[arg-type]


def _plans(store: SqliteStore, clock: FrozenClock) -> dict[str, InstancePlan]:
    plan = PlanBuilder(store, Naming("t"), _image).build(clock.now())
    return {instance.instance_id: instance for instance in plan.instances}


def test_a_running_instance_shows_its_data_disks_as_virtio_disks_in_device_order(
    store: SqliteStore, clock: FrozenClock
) -> None:
    _world(store, clock)
    save_instance(store, clock, "i-web", account=ROOT_ACCOUNT_ID, octet=10)
    save_instance(store, clock, "i-db", account=ROOT_ACCOUNT_ID, octet=11)
    disks = DiskRepository(store)
    disks.save(_disk("d-sys", "i-web", "/dev/xvda", disk_type=DiskType.SYSTEM))
    disks.save(_disk("d-second", "i-web", "/dev/xvdc"))
    disks.save(_disk("d-first", "i-web", "/dev/xvdb"))
    disks.save(_disk("d-other", "i-db", "/dev/xvdb"))
    disks.save(_disk("d-free", "", ""))
    plans = _plans(store, clock)
    assert plans["i-web"].disks == (
        DiskPort("d-first", _image("d-first"), "vdb"),
        DiskPort("d-second", _image("d-second"), "vdc"),
    )
    assert plans["i-db"].disks == (DiskPort("d-other", _image("d-other"), "vdb"),)


def test_a_running_instance_roots_on_its_system_disk(
    store: SqliteStore, clock: FrozenClock
) -> None:
    _world(store, clock)
    save_instance(store, clock, "i-web", account=ROOT_ACCOUNT_ID, octet=10)
    save_instance(store, clock, "i-rescue", account=ROOT_ACCOUNT_ID, octet=11)
    save_instance(store, clock, "i-bare", account=ROOT_ACCOUNT_ID, octet=12)
    disks = DiskRepository(store)
    disks.save(_disk("d-sys", "i-web", "/dev/xvda", disk_type=DiskType.SYSTEM))
    disks.save(_disk("d-own", "i-rescue", "/dev/xvda", disk_type=DiskType.SYSTEM))
    # another instance's system disk, detached and attached here as a data disk is
    disks.save(_disk("d-borrowed", "i-rescue", "/dev/xvdb", disk_type=DiskType.SYSTEM))
    plans = _plans(store, clock)
    assert plans["i-web"].system_disk == DiskPort("d-sys", _image("d-sys"), "vda")
    assert plans["i-web"].disks == ()
    assert plans["i-rescue"].system_disk == DiskPort("d-own", _image("d-own"), "vda")
    assert plans["i-rescue"].disks == (DiskPort("d-borrowed", _image("d-borrowed"), "vdb"),)
    # no system disk (detached): the root is a directory of the host's
    assert plans["i-bare"].system_disk is None


def test_a_stopped_instance_holds_no_block_devices(store: SqliteStore, clock: FrozenClock) -> None:
    _world(store, clock)
    save_instance(store, clock, "i-web", account=ROOT_ACCOUNT_ID, status=InstanceStatus.STOPPED)
    DiskRepository(store).save(_disk("d-data", "i-web", "/dev/xvdb"))
    DiskRepository(store).save(_disk("d-sys", "i-web", "/dev/xvda", disk_type=DiskType.SYSTEM))
    plan = _plans(store, clock)["i-web"]
    assert (plan.disks, plan.system_disk) == ((), None)


def test_the_api_device_names_map_to_the_names_inside() -> None:
    assert guest_device("/dev/xvdb") == "vdb"
    assert guest_device("/dev/xvdq") == "vdq"
    assert guest_device("/dev/vdc") == "vdc"


@pytest.mark.skipif(shutil.which("sfdisk") is None, reason="needs sfdisk (util-linux)")
def test_partition_tables_are_read_from_the_image(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    with image.open("wb") as handle:
        handle.truncate(64 << 20)
    assert partition_table(image) == {}
    # two primary partitions and a logical one in an extended partition (which holds no
    # file system of its own and is left out)
    script = "label: dos\n2048,20480,83\n22528,,5\n24576,4096,83\n"
    subprocess.run(["sfdisk", "-q", str(image)], input=script, text=True, check=True)
    assert partition_table(image) == {
        1: (2048 * 512, 20480 * 512),
        5: (24576 * 512, 4096 * 512),
    }


def test_instances_the_data_plane_cannot_boot_are_left_out(
    store: SqliteStore, clock: FrozenClock
) -> None:
    # a Windows instance an API-only server launched, served later with a data plane
    _world(store, clock)
    save_instance(store, clock, "i-linux", account=ROOT_ACCOUNT_ID, octet=10)
    save_instance(store, clock, "i-windows", account=ROOT_ACCOUNT_ID, octet=11, image_id="win")
    asked: list[str] = []

    def bootable(account_id: str, region_id: str, image_id: str) -> bool:
        asked.append(image_id)
        return image_id != "win"

    builder = PlanBuilder(store, Naming("t"), _image, bootable=bootable)
    plan = builder.build(clock.now())
    assert [i.instance_id for i in plan.instances] == ["i-linux"]
    assert [p.instance_id for r in plan.routers for p in r.ports] == ["i-linux"]
    assert sorted(asked) == sorted({*asked})  # each image asked once per build

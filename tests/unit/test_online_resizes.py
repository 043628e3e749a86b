"""ResizeDisk's Type in the data plane's plan: an online resize of an attached disk is what
the running instance's device grows to (``DiskPort.size``); an offline one leaves the plan as
it was (the instance sees it at its next boot), and so does a disk attached nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.dataplane_plan import PlanBuilder
from ecsim.control.disk_maintenance import DiskMaintenance
from ecsim.control.disk_rules import DiskRepository
from ecsim.control.disks import Disks, NewDisk
from ecsim.control.images import Images
from ecsim.control.online_resizes import online_sizes
from ecsim.control.tags import Tags
from ecsim.dataplane.plan import DiskPort, Naming
from ecsim.ids import IdFactory
from ecsim.model.disk import DiskStatus
from ecsim.settings import Limits
from ecsim.storage.files import FileBlockStore
from ecsim.store.base import AccountRecord
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, save_instance

GIB = 2**30


class _Setup:
    def __init__(self, store: SqliteStore, clock: FrozenClock, root: Path) -> None:
        store.add_account(AccountRecord(ACCOUNT, "grower", "2024-01-02T00:00:00Z"))
        # a classic-network instance: its plan needs no VPC
        save_instance(store, clock, "i-1", classic=True)
        self.blocks = FileBlockStore(root / "blocks", sync=False)
        tags = Tags(store)
        self.disks = Disks(
            store, IdFactory(seed=3), clock, Limits(), load_catalog(), tags, self.blocks
        )
        self.maintenance = DiskMaintenance(store, clock, self.blocks, Images(store, clock, tags))
        self.builder = PlanBuilder(store, Naming("t"), self.blocks.disk_path)
        self.store, self.clock = store, clock

    def attached(self, size_gib: int = 20) -> str:
        spec = NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=size_gib)
        disk_id = self.disks.create(ACCOUNT, REGION, spec).disk_id
        self.disks.attach(ACCOUNT, "i-1", disk_id, delete_with_instance=False)
        return disk_id

    def port(self, disk_id: str) -> DiskPort:
        (plan,) = self.builder.build(self.clock.now()).instances
        (port,) = [p for p in plan.disks if p.disk_id == disk_id]
        return port


@pytest.fixture
def setup(store: SqliteStore, clock: FrozenClock, tmp_path: Path) -> _Setup:
    return _Setup(store, clock, tmp_path)


def test_an_online_resize_is_the_size_the_running_device_grows_to(setup: _Setup) -> None:
    disk_id = setup.attached()
    assert setup.port(disk_id).size == 0
    setup.maintenance.resize(ACCOUNT, disk_id, 40, online=True)
    assert setup.port(disk_id).size == 40 * GIB
    # offline: the disk is larger, the running device is not (until the next boot)
    setup.maintenance.resize(ACCOUNT, disk_id, 60, online=False)
    assert DiskRepository(setup.store).get(ACCOUNT, disk_id).size_gib == 60
    assert setup.port(disk_id).size == 40 * GIB
    setup.maintenance.resize(ACCOUNT, disk_id, 80, online=True)
    port = setup.port(disk_id)
    assert (port.size, port.device) == (80 * GIB, "vdb")
    assert setup.blocks.disk_path(disk_id).stat().st_size == 80 * GIB


def test_a_disk_attached_nowhere_grows_without_a_size_for_the_plan(setup: _Setup) -> None:
    spec = NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20)
    disk_id = setup.disks.create(ACCOUNT, REGION, spec).disk_id
    assert DiskRepository(setup.store).get(ACCOUNT, disk_id).status is DiskStatus.AVAILABLE
    # online is no refusal for a disk no instance shows (nothing to show it to)
    setup.maintenance.resize(ACCOUNT, disk_id, 30, online=True)
    setup.disks.attach(ACCOUNT, "i-1", disk_id, delete_with_instance=False)
    # attached afterwards: its device shows the image as it is then, as any attach does
    assert setup.port(disk_id).size == 0


def test_the_online_size_goes_with_its_disk(setup: _Setup) -> None:
    disk_id = setup.attached()
    setup.maintenance.resize(ACCOUNT, disk_id, 40, online=True)
    assert online_sizes(setup.store, ACCOUNT) == {disk_id: 40}
    setup.disks.detach(ACCOUNT, "i-1", disk_id, delete_with_instance=None)
    setup.disks.delete(ACCOUNT, disk_id)
    assert online_sizes(setup.store, ACCOUNT) == {}

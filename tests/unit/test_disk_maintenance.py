"""ResizeDisk and ReInitDisk at the control level, over a real FileBlockStore: what the disk
holds afterwards, read back from the engine, and refusals that leave it as it was."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.custom_images import CustomImages, NewImage
from ecsim.control.disk_maintenance import DiskMaintenance, Reinit
from ecsim.control.disk_rules import DiskRepository
from ecsim.control.disks import Disks, NewDisk
from ecsim.control.images import Images
from ecsim.control.snapshots import NewSnapshot, Snapshots
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.disk import DiskStatus, DiskType
from ecsim.model.instance import InstanceStatus
from ecsim.settings import Limits
from ecsim.storage.files import FileBlockStore
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, WINDOWS, ZONE, save_instance

GIB = 2**30
MIB = 2**20


@dataclass
class World:
    store: SqliteStore
    clock: FrozenClock
    blocks: FileBlockStore
    disks: Disks
    snapshots: Snapshots
    images: CustomImages
    maintenance: DiskMaintenance
    released: list[str]

    def instance(self, status: InstanceStatus, instance_id: str = "i-1", **fields: object) -> None:
        save_instance(
            self.store,
            self.clock,
            instance_id,
            status=status,
            started_at=self.clock.now(),
            **fields,
        )

    def disk(self, size_gib: int = 20, **fields: object) -> str:
        spec = NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=size_gib)
        return self.disks.create(ACCOUNT, REGION, replace(spec, **fields)).disk_id  # type: ignore[arg-type]

    def attached(self, size_gib: int = 20, **fields: object) -> str:
        disk_id = self.disk(size_gib, **fields)
        self.disks.attach(ACCOUNT, "i-1", disk_id, delete_with_instance=False)
        return disk_id


class _Holders:
    def __init__(self, released: list[str]) -> None:
        self._released = released

    def release_disk(self, disk_id: str) -> None:
        self._released.append(disk_id)


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock, tmp_path: Path) -> World:
    blocks = FileBlockStore(tmp_path / "blocks", sync=False)
    catalog, tags, ids = load_catalog(), Tags(store), IdFactory(seed=8)
    snapshots = Snapshots(store, ids, clock, Limits(), catalog, tags, blocks)
    disks = Disks(store, ids, clock, Limits(), catalog, tags, blocks)
    released: list[str] = []
    maintenance = DiskMaintenance(
        store, clock, blocks, Images(store, clock, tags), _Holders(released)
    )
    images = CustomImages(store, ids, clock, catalog, tags, snapshots, disks)
    return World(store, clock, blocks, disks, snapshots, images, maintenance, released)


def _refused(call: object, code: str, status: int) -> None:
    with pytest.raises(EcsError) as caught:
        call()  # type: ignore[operator]
    assert (caught.value.code, caught.value.http_status) == (code, status)


# -- ResizeDisk


def test_a_resized_disk_is_larger_and_keeps_its_bytes(world: World) -> None:
    world.instance(InstanceStatus.RUNNING)
    disk_id = world.attached()
    world.blocks.write(disk_id, 20 * GIB - 4, b"last")
    resized = world.maintenance.resize(ACCOUNT, disk_id, 64, online=True)
    assert resized.size_gib == 64
    assert DiskRepository(world.store).get(ACCOUNT, disk_id).size_gib == 64
    assert world.blocks.disk_size(disk_id) == 64 * GIB
    assert world.blocks.read(disk_id, 20 * GIB - 4, 4) == b"last"
    assert world.blocks.read(disk_id, 63 * GIB, 16) == bytes(16)


@pytest.mark.parametrize(
    ("size", "code"),
    [
        (10, "InvalidDiskSize.TooSmall"),
        (20, "InvalidDiskSize"),
        (65537, "InvalidDiskSize.TooLarge"),
    ],
)
def test_resize_refuses_sizes_it_cannot_grow_to(world: World, size: int, code: str) -> None:
    disk_id = world.disk()
    _refused(lambda: world.maintenance.resize(ACCOUNT, disk_id, size, online=False), code, 403)
    assert world.blocks.disk_size(disk_id) == 20 * GIB


def test_system_disks_stop_at_their_ceiling(world: World) -> None:
    world.instance(InstanceStatus.STOPPED)
    disk_id = world.attached(category="cloud_efficiency")
    repo = DiskRepository(world.store)
    repo.save(replace(repo.get(ACCOUNT, disk_id), disk_type=DiskType.SYSTEM))
    _refused(
        lambda: world.maintenance.resize(ACCOUNT, disk_id, 2049, online=False),
        "InvalidDiskSize.TooLarge",
        403,
    )
    world.maintenance.resize(ACCOUNT, disk_id, 2048, online=False)
    # a system disk taken off its instance cannot grow
    repo.save(replace(repo.get(ACCOUNT, disk_id), status=DiskStatus.AVAILABLE, instance_id=""))
    _refused(
        lambda: world.maintenance.resize(ACCOUNT, disk_id, 3000, online=False),
        "InvalidDisk.DetachedSystemDisk",
        400,
    )


def test_online_resize_needs_a_running_instance(world: World) -> None:
    world.instance(InstanceStatus.STOPPED)
    disk_id = world.attached()
    _refused(
        lambda: world.maintenance.resize(ACCOUNT, disk_id, 40, online=True),
        "InvalidInstanceStatus.NotRunning",
        403,
    )
    world.maintenance.resize(ACCOUNT, disk_id, 40, online=False)
    world.instance(InstanceStatus.STOPPING)
    _refused(
        lambda: world.maintenance.resize(ACCOUNT, disk_id, 60, online=False),
        "IncorrectInstanceStatus",
        403,
    )
    assert world.blocks.disk_size(disk_id) == 40 * GIB


def test_resize_of_an_unknown_disk(world: World) -> None:
    _refused(
        lambda: world.maintenance.resize(ACCOUNT, "d-nope", 40, online=False),
        "InvalidDiskId.NotFound",
        404,
    )


# -- ReInitDisk


def test_an_empty_data_disk_goes_back_to_empty(world: World) -> None:
    world.instance(InstanceStatus.RUNNING)
    disk_id = world.attached()
    world.blocks.write(disk_id, 5 * MIB, b"written later")
    world.instance(InstanceStatus.STOPPED)
    world.maintenance.reinit(ACCOUNT, disk_id, Reinit())
    assert world.blocks.read(disk_id, 5 * MIB, 13) == bytes(13)
    assert world.released == [disk_id]


def test_a_disk_from_a_snapshot_goes_back_to_the_snapshot(world: World) -> None:
    world.instance(InstanceStatus.RUNNING)
    source = world.attached()
    world.blocks.write(source, 0, b"original")
    snapshot = world.snapshots.create(ACCOUNT, NewSnapshot(source))
    disk_id = world.attached(snapshot_id=snapshot.snapshot_id)
    world.blocks.write(disk_id, 0, b"OVERWRIT")
    world.blocks.write(disk_id, MIB, b"extra")
    world.instance(InstanceStatus.STOPPED)
    world.maintenance.reinit(ACCOUNT, disk_id, Reinit())
    assert world.blocks.read(disk_id, 0, 8) == b"original"
    assert world.blocks.read(disk_id, MIB, 5) == bytes(5)
    # once the snapshot is gone, there is nothing to go back to
    world.snapshots.delete(ACCOUNT, snapshot.snapshot_id, force=True)
    world.blocks.write(disk_id, 0, b"kept")
    _refused(
        lambda: world.maintenance.reinit(ACCOUNT, disk_id, Reinit()), "InvalidSourceSnapshot", 403
    )
    assert world.blocks.read(disk_id, 0, 4) == b"kept"


def test_a_system_disk_goes_back_to_its_images_snapshot(world: World) -> None:
    world.instance(InstanceStatus.RUNNING, "i-golden")
    golden = world.disk()
    world.disks.attach(ACCOUNT, "i-golden", golden, delete_with_instance=False)
    world.blocks.write(golden, 0, b"golden os")
    snapshot = world.snapshots.create(ACCOUNT, NewSnapshot(golden))
    image = world.images.create(ACCOUNT, NewImage(REGION, snapshot_id=snapshot.snapshot_id))
    world.instance(InstanceStatus.STOPPED, image_id=image.image_id)
    system = world.attached()
    repo = DiskRepository(world.store)
    repo.save(replace(repo.get(ACCOUNT, system), disk_type=DiskType.SYSTEM))
    world.blocks.write(system, 0, b"tinkered!")
    instance = world.maintenance.reinit(
        ACCOUNT, system, Reinit(password="Ecsim-pass1", key_pair_name=None)
    )
    assert world.blocks.read(system, 0, 9) == b"golden os"
    assert instance.password == "Ecsim-pass1"
    assert InstanceRepository(world.store).get(ACCOUNT, "i-1").password == "Ecsim-pass1"
    # the image deleted: no first state to go back to
    world.images.delete(ACCOUNT, REGION, image.image_id, force=True)
    _refused(
        lambda: world.maintenance.reinit(ACCOUNT, system, Reinit()),
        "InvalidDiskId.OperationNotSupported",
        404,
    )


def test_a_public_images_system_disk_goes_back_to_empty(world: World) -> None:
    world.instance(InstanceStatus.STOPPED)
    system = world.attached()
    repo = DiskRepository(world.store)
    repo.save(replace(repo.get(ACCOUNT, system), disk_type=DiskType.SYSTEM))
    world.blocks.write(system, 0, b"upper layer")
    world.maintenance.reinit(ACCOUNT, system, Reinit())
    assert world.blocks.read(system, 0, 11) == bytes(11)


@pytest.mark.parametrize(
    ("status", "started"),
    [(InstanceStatus.RUNNING, True), (InstanceStatus.STOPPED, False)],
)
def test_reinit_needs_an_instance_stopped_after_a_first_start(
    world: World, status: InstanceStatus, started: bool
) -> None:
    world.instance(InstanceStatus.RUNNING)
    disk_id = world.attached()
    world.blocks.write(disk_id, 0, b"data")
    save_instance(
        world.store,
        world.clock,
        "i-1",
        status=status,
        started_at=world.clock.now() if started else None,
    )
    _refused(
        lambda: world.maintenance.reinit(ACCOUNT, disk_id, Reinit()),
        "IncorrectInstanceStatus",
        403,
    )
    assert world.blocks.read(disk_id, 0, 4) == b"data"


def test_reinit_refusals(world: World) -> None:
    loose = world.disk()
    _refused(lambda: world.maintenance.reinit(ACCOUNT, loose, Reinit()), "IncorrectDiskStatus", 403)
    world.instance(InstanceStatus.STOPPED)
    disk_id = world.attached()
    world.blocks.write(disk_id, 0, b"data")
    for spec, code, status in (
        (Reinit(password="short"), "InvalidPassword.Malformed", 400),
        (Reinit(key_pair_name="nope"), "InvalidKeyPairName.NotFound", 400),
    ):
        _refused(lambda spec=spec: world.maintenance.reinit(ACCOUNT, disk_id, spec), code, status)
    world.instance(InstanceStatus.STOPPED, image_id=WINDOWS)
    _refused(
        lambda: world.maintenance.reinit(ACCOUNT, disk_id, Reinit(key_pair_name="any")),
        "DependencyViolation.WindowsInstance",
        403,
    )
    assert world.blocks.read(disk_id, 0, 4) == b"data"
    assert world.released == []

"""CopyImage's Creating phase (as long as moving the image's data takes) and CancelCopyImage,
on a frozen clock over a real FileBlockStore."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.custom_images import CustomImages, ImageCopy, NewImage
from ecsim.control.disks import Disks, NewDisk
from ecsim.control.images import ImageQuery, Images
from ecsim.control.snapshots import NewSnapshot, Snapshots
from ecsim.control.tags import Tags
from ecsim.delays import Delays
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.image import ImageOwnerAlias, ImageStatus
from ecsim.settings import Limits
from ecsim.storage.files import FileBlockStore
from ecsim.store.base import AccountRecord
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, REGION, ZONE, save_instance

MIB = 2**20
OTHER_REGION = "cn-shanghai"
# 64 MiB a second: a 32 MiB image copies in half a second
RATE = 64 * MIB


@dataclass
class World:
    clock: FrozenClock
    images: CustomImages
    catalog: Images
    image_id: str


@pytest.fixture
def world(store: SqliteStore, clock: FrozenClock, tmp_path: Path) -> World:
    store.add_account(AccountRecord(ACCOUNT, "a@x", "2024-01-01T00:00:00Z"))
    blocks = FileBlockStore(tmp_path / "blocks", sync=False)
    catalog, tags, ids = load_catalog(), Tags(store), IdFactory(seed=9)
    snapshots = Snapshots(store, ids, clock, Limits(), catalog, tags, blocks)
    disks = Disks(store, ids, clock, Limits(), catalog, tags, blocks)
    images = CustomImages(
        store, ids, clock, catalog, tags, snapshots, disks, Delays(image_copy_rate=RATE)
    )
    save_instance(store, clock, "i-1")
    disk = disks.create(ACCOUNT, REGION, NewDisk(zone_id=ZONE, category="cloud_essd", size_gib=20))
    disks.attach(ACCOUNT, "i-1", disk.disk_id, delete_with_instance=False)
    # 32 one-MiB blocks of data (the same bytes: data counts, not what is stored)
    blocks.write(disk.disk_id, 0, b"\x5a" * 32 * MIB)
    snapshot = snapshots.create(ACCOUNT, NewSnapshot(disk.disk_id))
    image = images.create(ACCOUNT, NewImage(REGION, snapshot_id=snapshot.snapshot_id))
    return World(clock, images, Images(store, clock, tags), image.image_id)


def _seen(world: World, image_id: str) -> tuple[str, int]:
    query = ImageQuery(
        owners=frozenset({ImageOwnerAlias.SELF}), image_ids=(image_id,), statuses=None
    )
    (view,) = world.catalog.describe(ACCOUNT, OTHER_REGION, query)
    return view.image.status.value, view.progress


def _refused(call: object, code: str, status: int) -> None:
    with pytest.raises(EcsError) as caught:
        call()  # type: ignore[operator]
    assert (caught.value.code, caught.value.http_status) == (code, status)


def test_a_copy_is_creating_for_as_long_as_its_data_takes(world: World) -> None:
    copy = world.images.copy(ACCOUNT, REGION, world.image_id, ImageCopy(OTHER_REGION))
    assert _seen(world, copy.image_id) == ("Creating", 0)
    world.clock.advance(0.25)
    assert _seen(world, copy.image_id) == ("Creating", 50)
    # neither deleted nor copied again while it is copying
    _refused(
        lambda: world.images.delete(ACCOUNT, OTHER_REGION, copy.image_id, force=True),
        "OperationDenied.ImageCopying",
        403,
    )
    _refused(
        lambda: world.images.copy(ACCOUNT, OTHER_REGION, copy.image_id, ImageCopy(REGION)),
        "IncorrectImageStatus",
        400,
    )
    world.clock.advance(0.25)
    assert _seen(world, copy.image_id) == ("Available", 100)
    _refused(
        lambda: world.images.cancel_copy(ACCOUNT, OTHER_REGION, copy.image_id),
        "IncorrectImageStatus",
        400,
    )
    world.images.delete(ACCOUNT, OTHER_REGION, copy.image_id, force=False)


def test_cancelling_a_copy_removes_it_and_keeps_the_source(world: World) -> None:
    copy = world.images.copy(ACCOUNT, REGION, world.image_id, ImageCopy(OTHER_REGION))
    world.images.cancel_copy(ACCOUNT, OTHER_REGION, copy.image_id)
    query = ImageQuery(owners=frozenset({ImageOwnerAlias.SELF}), statuses=None)
    assert world.catalog.describe(ACCOUNT, OTHER_REGION, query) == []
    (source,) = world.catalog.describe(ACCOUNT, REGION, query)
    assert (source.image.image_id, source.image.status) == (world.image_id, ImageStatus.AVAILABLE)
    _refused(
        lambda: world.images.cancel_copy(ACCOUNT, OTHER_REGION, copy.image_id),
        "InvalidImageId.NotFound",
        404,
    )


def test_only_copies_are_cancelled(world: World) -> None:
    _refused(
        lambda: world.images.cancel_copy(ACCOUNT, REGION, world.image_id),
        "ImageCreatedNotFromCopy",
        400,
    )
    # the destination region is where the copy lives
    copy = world.images.copy(ACCOUNT, REGION, world.image_id, ImageCopy(OTHER_REGION))
    _refused(
        lambda: world.images.cancel_copy(ACCOUNT, REGION, copy.image_id),
        "InvalidImageId.NotFound",
        404,
    )


def test_a_copy_of_a_copy_takes_as_long_again(world: World) -> None:
    first = world.images.copy(ACCOUNT, REGION, world.image_id, ImageCopy(OTHER_REGION))
    world.clock.advance(1)
    again = world.images.copy(ACCOUNT, OTHER_REGION, first.image_id, ImageCopy(OTHER_REGION))
    assert again.ready_at is not None
    assert (again.ready_at - again.created_at).total_seconds() == 0.5
    # no data, no wait
    assert Delays().image_copy(0).total_seconds() == 0

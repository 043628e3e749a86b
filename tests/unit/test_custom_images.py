"""Custom images on an in-memory store: the codec round trip, mapping rules, sharing and the
snapshot an image holds on to. Snapshots saved directly stand in for taken ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.custom_images import CustomImages, ImageCopy, NewImage, NewMapping
from ecsim.control.disk_rules import SnapshotRepository
from ecsim.control.image_sharing import ImageSharing
from ecsim.control.images import ImageQuery, Images
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.image import ImageOwnerAlias, ImageStatus
from ecsim.model.snapshot import Snapshot, SnapshotStatus
from ecsim.store.base import AccountRecord
from ecsim.store.codecs.images import decode_image, encode_image
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION

_SELF = ImageQuery(owners=frozenset({ImageOwnerAlias.SELF}), statuses=None)
_OTHERS = ImageQuery(owners=frozenset({ImageOwnerAlias.OTHERS}), statuses=None)


def _snapshot(store: SqliteStore, snapshot_id: str, **fields: object) -> str:
    snapshot = Snapshot(
        snapshot_id=snapshot_id,
        account_id=ACCOUNT,
        region_id=REGION,
        name="",
        description="",
        source_disk_id="d-1",
        source_disk_size_gib=20,
        source_disk_type="system",
        source_disk_category="cloud_essd",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    SnapshotRepository(store).save(replace(snapshot, **fields))  # type: ignore[arg-type]
    return snapshot_id


@pytest.fixture
def images(store: SqliteStore, clock: FrozenClock) -> CustomImages:
    for account in (ACCOUNT, OTHER):
        store.add_account(AccountRecord(account, f"{account}@x", "2024-01-01T00:00:00Z"))
    return CustomImages(store, IdFactory(seed=6), clock, load_catalog(), Tags(store))


def _refused(call: object, code: str) -> None:
    with pytest.raises(EcsError) as raised:
        call()  # type: ignore[operator]
    assert raised.value.code == code


def test_codec_round_trips_an_image(store: SqliteStore, images: CustomImages) -> None:
    _snapshot(store, "s-1")
    image = images.create(ACCOUNT, NewImage(REGION, snapshot_id="s-1", name="one"))
    assert decode_image(encode_image(image)) == image
    assert image.status is ImageStatus.AVAILABLE
    assert image.snapshot_ids() == frozenset({"s-1"})


def test_mappings_number_data_devices_and_keep_the_system_first(
    store: SqliteStore, images: CustomImages
) -> None:
    _snapshot(store, "s-1")
    _snapshot(store, "s-2", source_disk_type="data", source_disk_size_gib=50)
    spec = NewImage(
        REGION,
        mappings=(
            NewMapping(snapshot_id="s-2", disk_type="data"),
            NewMapping(snapshot_id="s-1", disk_type="system"),
            NewMapping(size_gib=10, disk_type="data"),
        ),
    )
    image = images.create(ACCOUNT, spec)
    assert [
        (m.device, m.size_gib, m.disk_type, m.snapshot_id) for m in image.disk_device_mappings
    ] == [
        ("/dev/xvda", 20, "system", "s-1"),
        ("/dev/xvdb", 50, "data", "s-2"),
        ("/dev/xvdc", 10, "data", ""),
    ]


def test_mapping_refusals(store: SqliteStore, images: CustomImages) -> None:
    _snapshot(store, "s-1")
    _snapshot(store, "s-busy", status=SnapshotStatus.PROGRESSING)
    system = NewMapping(snapshot_id="s-1", disk_type="system")
    cases = [
        ((system, system), "InvalidParameter.DiskType"),
        (
            (
                system,
                NewMapping(size_gib=5, device="/dev/xvdb"),
                NewMapping(size_gib=5, device="/dev/xvdb"),
            ),
            "InvalidDevice.InUse",
        ),
        ((NewMapping(snapshot_id="s-busy"),), "InvalidSnapshotId.NotReady"),
        ((system, *[NewMapping(size_gib=5)] * 17), "InvalidParameter.DiskType"),
        ((system, NewMapping(disk_type="data")), "InvalidSize.ValueNotSupported"),
    ]
    for mappings, code in cases:
        _refused(lambda m=mappings: images.create(ACCOUNT, NewImage(REGION, mappings=m)), code)


def test_sharing_makes_an_image_others_and_launchable(
    store: SqliteStore, clock: FrozenClock, images: CustomImages
) -> None:
    _snapshot(store, "s-1")
    image = images.create(ACCOUNT, NewImage(REGION, snapshot_id="s-1"))
    catalog = Images(store, clock, Tags(store))
    _refused(
        lambda: catalog.require_launchable(REGION, image.image_id, account_id=OTHER),
        "InvalidImageId.NotFound",
    )
    sharing = ImageSharing(store, clock)
    sharing.modify(ACCOUNT, REGION, image.image_id, add=[OTHER, OTHER], remove=[])
    assert [s.account_id for s in sharing.shares(ACCOUNT, REGION, image.image_id).shares] == [OTHER]
    (seen,) = catalog.describe(OTHER, REGION, _OTHERS)
    assert seen.image.owner_alias is ImageOwnerAlias.OTHERS
    assert catalog.describe(OTHER, REGION, _SELF) == []
    assert (
        catalog.require_launchable(REGION, image.image_id, account_id=OTHER).image_id
        == image.image_id
    )
    _refused(
        lambda: sharing.modify(ACCOUNT, REGION, image.image_id, add=[ACCOUNT], remove=[]),
        "InvalidAccount.NotFound",
    )
    sharing.modify(ACCOUNT, REGION, image.image_id, add=[], remove=[OTHER])
    assert catalog.describe(OTHER, REGION, _OTHERS) == []


def test_copy_references_the_same_snapshots(store: SqliteStore, images: CustomImages) -> None:
    _snapshot(store, "s-1")
    image = images.create(ACCOUNT, NewImage(REGION, snapshot_id="s-1"))
    copied = images.copy(ACCOUNT, REGION, image.image_id, ImageCopy("cn-shanghai", name="copy"))
    assert (copied.region_id, copied.is_copied, copied.snapshot_ids()) == (
        "cn-shanghai",
        True,
        frozenset({"s-1"}),
    )
    _refused(
        lambda: images.copy(ACCOUNT, "cn-shanghai", image.image_id, ImageCopy(REGION)),
        "InvalidImageId.NotFound",
    )
    images.delete(ACCOUNT, REGION, image.image_id, force=False)
    _refused(
        lambda: images.delete(ACCOUNT, REGION, image.image_id, force=True),
        "InvalidImageId.NotFound",
    )

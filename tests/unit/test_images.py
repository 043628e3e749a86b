"""The public image catalog and its queries, on an in-memory store: instances saved directly
through the repository stand in for launched ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import load_catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.image_catalog import (
    ImageCatalog,
    ImageCatalogDataError,
    parse_images,
    read_image_catalog,
)
from ecsim.control.images import ImageQuery, Images
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.model.image import (
    Architecture,
    ImageOwnerAlias,
    ImageStatus,
    ImageUsage,
    OSType,
)
from ecsim.model.instance_types import CpuArchitecture
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION, an_instance

CENTOS_73 = "centos_7_03_64_20G_alibase_20170818.vhd"
WIN2008 = "win2008r2_64_ent_sp1_zh-cn_40G_alibase_20181220.vhd"
UBUNTU_22 = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
UBUNTU_22_ARM = "ubuntu_22_04_arm64_20G_alibase_20240130.vhd"
DEPRECATED = "centos_8_5_x64_20G_alibase_20220428.vhd"


@pytest.fixture
def images(store: SqliteStore) -> Images:
    return Images(store, FrozenClock(), Tags(store))


def _ids(images: Images, query: ImageQuery, account_id: str = ACCOUNT) -> list[str]:
    return [view.image.image_id for view in images.describe(account_id, REGION, query)]


# -- the catalog ---------------------------------------------------------------------------------


def test_catalog_holds_the_guide_images_and_current_distributions() -> None:
    catalog = read_image_catalog()
    ids = {image.image_id for image in catalog.all()}
    assert {CENTOS_73, WIN2008, UBUNTU_22, "aliyun_3_x64_20G_alibase_20221102.vhd"} <= ids
    platforms = {image.platform for image in catalog.all()}
    assert {"Ubuntu", "Debian", "Aliyun", "CentOS", "Windows Server 2022"} <= platforms
    assert any(image.architecture is Architecture.ARM64 for image in catalog.all())


def test_catalog_images_are_public_system_images_named_by_their_ids() -> None:
    for image in read_image_catalog().all():
        assert image.owner_alias is ImageOwnerAlias.SYSTEM
        assert image.name == image.image_id
        assert image.is_public and not image.account_id and not image.region_id
        (mapping,) = image.disk_device_mappings
        assert (mapping.device, mapping.size_gib, mapping.disk_type) == (
            "/dev/xvda",
            image.size_gib,
            "system",
        )
        assert image.size_gib == (40 if image.os_type is OSType.WINDOWS else 20)


def test_catalog_lists_newest_first() -> None:
    created = [image.created_at for image in read_image_catalog().all()]
    assert created == sorted(created, reverse=True)


def test_catalog_data_errors_are_packaging_bugs() -> None:
    with pytest.raises(ImageCatalogDataError):
        parse_images({"images": [{"ImageId": "x.vhd", "OSType": "beos"}]})
    entry = read_image_catalog().all()[0]
    with pytest.raises(ImageCatalogDataError):
        ImageCatalog([entry, entry])


# -- describe ------------------------------------------------------------------------------------


def test_default_query_lists_available_system_images(images: Images) -> None:
    found = _ids(images, ImageQuery())
    assert CENTOS_73 in found and WIN2008 in found
    assert DEPRECATED not in found


def test_status_filter(images: Images) -> None:
    assert _ids(images, ImageQuery(statuses=frozenset({ImageStatus.DEPRECATED}))) == [DEPRECATED]
    assert DEPRECATED in _ids(images, ImageQuery(statuses=None))
    packer = frozenset(
        {
            ImageStatus.WAITING,
            ImageStatus.CREATING,
            ImageStatus.CREATE_FAILED,
            ImageStatus.AVAILABLE,
        }
    )
    assert _ids(images, ImageQuery(name="packer_new_image", statuses=packer)) == []


def test_owner_aliases(images: Images) -> None:
    everything = len(_ids(images, ImageQuery()))
    system = frozenset({ImageOwnerAlias.SYSTEM})
    assert len(_ids(images, ImageQuery(owners=system))) == everything
    for alias in (ImageOwnerAlias.SELF, ImageOwnerAlias.OTHERS, ImageOwnerAlias.MARKETPLACE):
        assert _ids(images, ImageQuery(owners=frozenset({alias}))) == []


def test_image_id_filter_keeps_catalog_order_and_ignores_unknown_ids(images: Images) -> None:
    query = ImageQuery(image_ids=(CENTOS_73, "no_such_image.vhd", UBUNTU_22))
    assert _ids(images, query) == [UBUNTU_22, CENTOS_73]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ubuntu_22_04", {UBUNTU_22, UBUNTU_22_ARM}),
        ("ubuntu_22*arm64*", {UBUNTU_22_ARM}),
        ("*20170818.vhd", {CENTOS_73}),
        (CENTOS_73, {CENTOS_73}),
        ("UBUNTU", set()),
    ],
)
def test_image_name_is_fuzzy(images: Images, pattern: str, expected: set[str]) -> None:
    assert set(_ids(images, ImageQuery(name=pattern))) == expected


def test_os_type_architecture_and_support_filters(images: Images) -> None:
    windows = _ids(images, ImageQuery(os_type=OSType.WINDOWS))
    assert WIN2008 in windows and all(name.startswith("win") for name in windows)
    arm = _ids(images, ImageQuery(architectures=frozenset({Architecture.ARM64})))
    assert UBUNTU_22_ARM in arm and all("arm64" in name for name in arm)
    no_cloudinit = _ids(images, ImageQuery(cloudinit=False))
    assert set(no_cloudinit) == set(windows)
    assert _ids(images, ImageQuery(io_optimized=False)) == []


def test_family_snapshot_and_resource_group_filters(images: Images) -> None:
    assert _ids(images, ImageQuery(family="acs:ubuntu_22_04_x64")) == [UBUNTU_22]
    assert _ids(images, ImageQuery(snapshot_id="s-1")) == []
    assert _ids(images, ImageQuery(resource_group_id="rg-1")) == []
    assert _ids(images, ImageQuery(community_only=True)) == []
    # the owner filter concerns images that have an owner; system images stay
    assert CENTOS_73 in _ids(images, ImageQuery(owner_id=ACCOUNT))


def test_creation_window(images: Images) -> None:
    until_2018 = _ids(images, ImageQuery(created_until=datetime(2018, 1, 1, tzinfo=UTC)))
    assert until_2018 == [CENTOS_73]
    since_2024 = _ids(images, ImageQuery(created_from=datetime(2024, 6, 1, tzinfo=UTC)))
    assert UBUNTU_22 not in since_2024 and "ubuntu_24_04_x64_20G_alibase_20240812.vhd" in since_2024


def test_tag_filter_leaves_out_untagged_system_images(images: Images) -> None:
    assert _ids(images, ImageQuery(tags={"env": None})) == []


def test_usage_follows_the_callers_instances(images: Images, store: SqliteStore) -> None:
    InstanceRepository(store).save(an_instance("i-1", image_id=UBUNTU_22))
    mine = {
        view.image.image_id: view.usage for view in images.describe(ACCOUNT, REGION, ImageQuery())
    }
    assert mine[UBUNTU_22] is ImageUsage.INSTANCE and mine[CENTOS_73] is ImageUsage.NONE
    assert _ids(images, ImageQuery(usage=ImageUsage.INSTANCE)) == [UBUNTU_22]
    assert _ids(images, ImageQuery(usage=ImageUsage.INSTANCE), account_id=OTHER) == []
    # another region's instances do not count either
    assert images.describe(ACCOUNT, "cn-beijing", ImageQuery(image_ids=(UBUNTU_22,)))[0].usage is (
        ImageUsage.NONE
    )


# -- lookups for launching -----------------------------------------------------------------------


def test_require_launchable(images: Images) -> None:
    assert images.require_launchable(REGION, UBUNTU_22).image_id == UBUNTU_22
    with pytest.raises(EcsError) as missing:
        images.require_launchable(REGION, "m-nothere")
    assert (missing.value.code, missing.value.http_status) == ("InvalidImageId.NotFound", 404)
    with pytest.raises(EcsError) as deprecated:
        images.require_launchable(REGION, DEPRECATED)
    assert (deprecated.value.code, deprecated.value.http_status) == (
        "OperationDenied.ImageNotValid",
        403,
    )


def test_require_launchable_checks_the_instance_types_processor(images: Images) -> None:
    catalog = load_catalog()
    arm_type = catalog.instance_type("ecs.g6r.large")
    x86_type = catalog.instance_type("ecs.g6.large")
    assert arm_type is not None and x86_type is not None
    assert images.require_launchable(REGION, UBUNTU_22_ARM, instance_type=arm_type)
    assert images.require_launchable(REGION, UBUNTU_22, instance_type=x86_type)
    for image_id, instance_type in ((UBUNTU_22_ARM, x86_type), (UBUNTU_22, arm_type)):
        with pytest.raises(EcsError) as refused:
            images.require_launchable(REGION, image_id, instance_type=instance_type)
        assert (refused.value.code, refused.value.http_status) == (
            "ImageNotSupportInstanceType",
            403,
        )


def test_find_and_is_windows(images: Images) -> None:
    found = images.find(REGION, WIN2008)
    assert found is not None and found.is_windows and found.os_name_en.startswith("Windows")
    assert images.is_windows(REGION, WIN2008)
    assert not images.is_windows(REGION, UBUNTU_22)
    assert not images.is_windows(REGION, "m-unknown")
    assert images.find(REGION, "m-unknown") is None


def test_architecture_for_processor() -> None:
    assert Architecture.for_processor(CpuArchitecture.ARM) == {Architecture.ARM64}
    assert Architecture.for_processor(CpuArchitecture.X86) == {
        Architecture.X86_64,
        Architecture.I386,
    }

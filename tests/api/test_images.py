"""DescribeImages through the official SDKs (tea V3, tea v2, aliyunsdkecs): the public
catalog, Packer's calls, every filter and the documented refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

from tests.contract.meta import load_apis
from tests.support.clients import acs_client, assert_refused, tea_ecs
from tests.support.response_shapes import undocumented
from tests.support.server import RunningServer
from tests.support.worlds import REGION, new_key, new_world

CENTOS_73 = "centos_7_03_64_20G_alibase_20170818.vhd"
WIN2008 = "win2008r2_64_ent_sp1_zh-cn_40G_alibase_20181220.vhd"
UBUNTU_22 = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
DEPRECATED = "centos_8_5_x64_20G_alibase_20220428.vhd"
PACKER_STATUSES = "Waiting,Creating,CreateFailed,Available"

Images = list[ecs_models.DescribeImagesResponseBodyImagesImage]


def _describe(
    server: RunningServer, signature: str = "v3", **fields: Any
) -> ecs_models.DescribeImagesResponseBody:
    client = tea_ecs(server.endpoint, signature=signature)
    request = ecs_models.DescribeImagesRequest(**({"region_id": REGION} | fields))
    return client.describe_images(request).body


def _ids(server: RunningServer, **fields: Any) -> list[str]:
    body = _describe(server, page_size=100, **fields)
    return [str(image.image_id) for image in body.images.image]


def _acs_body(server: RunningServer, **params: str) -> dict[str, Any]:
    request = DescribeImagesRequest()
    for key, value in params.items():
        request.add_query_param(key, value)
    raw = acs_client(server.endpoint).do_action_with_exception(request)
    body: dict[str, Any] = json.loads(raw)
    return body


# -- the catalog ---------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_the_guides_images_are_listed(server: RunningServer, signature: str) -> None:
    body = _describe(server, signature, image_id=f"{CENTOS_73},{WIN2008}")
    assert (body.total_count, body.page_number, body.page_size) == (2, 1, 10)
    assert body.region_id == REGION
    by_id = {image.image_id: image for image in body.images.image}
    centos, windows = by_id[CENTOS_73], by_id[WIN2008]
    assert (centos.ostype, centos.platform, centos.size, centos.architecture) == (
        "linux",
        "CentOS",
        20,
        "x86_64",
    )
    assert (windows.ostype, windows.size, windows.is_support_cloudinit) == ("windows", 40, False)
    assert centos.image_name == CENTOS_73 and centos.image_owner_alias == "system"
    assert centos.status == "Available" and centos.progress == "100%"
    assert centos.is_public is True and centos.usage == "none"
    assert centos.creation_time == "2017-08-18T04:26:10Z"
    (mapping,) = centos.disk_device_mappings.disk_device_mapping
    assert (mapping.device, mapping.size, mapping.type) == ("/dev/xvda", "20", "system")
    assert centos.tags.tag == []


def test_every_region_has_the_catalog(server: RunningServer) -> None:
    for region in ("cn-qingdao", "cn-beijing", "cn-hangzhou"):
        body = _describe(server, region_id=region, image_id=UBUNTU_22)
        assert [image.image_id for image in body.images.image] == [UBUNTU_22]


def test_old_sdk_and_the_documented_response_keys(
    server: RunningServer, api_meta_dir: Path
) -> None:
    schema = load_apis(api_meta_dir, "2014-05-26")["DescribeImages"].response
    body = _acs_body(server, RegionId=REGION, PageSize="100", Status="ALL")
    assert body["TotalCount"] == len(body["Images"]["Image"]) >= 15
    assert undocumented(body, schema) == []


def test_default_lists_only_available_images_newest_first(server: RunningServer) -> None:
    body = _describe(server, page_size=100)
    times = [image.creation_time for image in body.images.image]
    assert times == sorted(times, reverse=True)
    assert {image.status for image in body.images.image} == {"Available"}
    assert DEPRECATED not in _ids(server)
    assert DEPRECATED in _ids(server, status="ALL")
    assert _ids(server, status="Deprecated") == [DEPRECATED]
    assert DEPRECATED in _ids(server, status="Available, Deprecated")


# -- Packer's calls (clients-protocol.md §4) -----------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_packer_checks_a_new_image_name_and_its_source_image(
    server: RunningServer, signature: str
) -> None:
    free = _describe(server, signature, image_name="packer_new_image", status=PACKER_STATUSES)
    assert (free.total_count, free.images.image) == (0, [])
    source = _describe(server, signature, image_id=UBUNTU_22)
    assert [image.image_id for image in source.images.image] == [UBUNTU_22]
    expired = _describe(server, signature, image_id=UBUNTU_22, show_expired=True)
    assert expired.total_count == 1
    market = _describe(server, signature, image_id=UBUNTU_22, image_owner_alias="marketplace")
    assert market.images.image == []


# -- filters -------------------------------------------------------------------------------------


def test_owner_aliases(server: RunningServer) -> None:
    everything = _ids(server)
    assert _ids(server, image_owner_alias="system") == everything
    for alias in ("self", "others", "marketplace"):
        assert _ids(server, image_owner_alias=alias) == []


def test_name_family_os_and_architecture_filters(server: RunningServer) -> None:
    assert set(_ids(server, image_name="ubuntu_22_04")) == {
        UBUNTU_22,
        "ubuntu_22_04_arm64_20G_alibase_20240130.vhd",
    }
    assert _ids(server, image_name="*20170818*") == [CENTOS_73]
    assert _ids(server, image_family="acs:ubuntu_22_04_x64") == [UBUNTU_22]
    windows = _ids(server, ostype="windows")
    assert WIN2008 in windows and all(image_id.startswith("win") for image_id in windows)
    arm = _ids(server, architecture="arm64")
    assert arm and all("arm64" in image_id for image_id in arm)
    assert set(_ids(server, is_support_cloudinit=False)) == set(windows)
    assert _ids(server, is_support_io_optimized=False) == []


def test_instance_type_narrows_to_what_its_processor_boots(server: RunningServer) -> None:
    arm = _ids(server, instance_type="ecs.g6r.large")
    assert arm == _ids(server, architecture="arm64")
    x86 = _ids(server, instance_type="ecs.g6.large")
    assert UBUNTU_22 in x86 and not set(arm) & set(x86)
    assert _ids(server, instance_type="ecs.g6r.large", architecture="x86_64") == []


def test_creation_window_tags_and_other_filters(server: RunningServer) -> None:
    early = ecs_models.DescribeImagesRequestFilter(key="CreationEndTime", value="2018-01-01T00:00Z")
    assert _ids(server, filter=[early]) == [CENTOS_73]
    late = ecs_models.DescribeImagesRequestFilter(
        key="CreationStartTime", value="2024-06-01T00:00Z"
    )
    assert UBUNTU_22 not in _ids(server, filter=[late])
    tag = ecs_models.DescribeImagesRequestTag(key="env", value="prod")
    assert _ids(server, tag=[tag]) == []
    assert _ids(server, snapshot_id="s-nothere") == []
    assert _ids(server, is_public=True, image_owner_alias="others") == []
    assert _ids(server, action_type="ChangeOS", image_id=UBUNTU_22) == [UBUNTU_22]


def test_usage_follows_the_callers_instances(server: RunningServer) -> None:
    world = new_world(server)
    client = world.client

    def used(usage: str) -> list[str]:
        request = ecs_models.DescribeImagesRequest(region_id=REGION, usage=usage, page_size=100)
        return [str(image.image_id) for image in client.describe_images(request).body.images.image]

    assert used("instance") == []
    world.run(image_id=UBUNTU_22)
    assert used("instance") == [UBUNTU_22]
    assert UBUNTU_22 not in used("none") and CENTOS_73 in used("none")
    # the usage is the caller's own: another account sees the image unused
    other_client = tea_ecs(server.endpoint, new_key(server))
    request = ecs_models.DescribeImagesRequest(region_id=REGION, image_id=UBUNTU_22)
    (image,) = other_client.describe_images(request).body.images.image
    assert image.usage == "none"


def test_paging(server: RunningServer) -> None:
    total = len(_ids(server))
    seen: list[str] = []
    page = 1
    while True:
        body = _describe(server, page_number=page, page_size=4)
        assert body.total_count == total and body.page_size == 4
        if not body.images.image:
            break
        seen += [str(image.image_id) for image in body.images.image]
        page += 1
    assert seen == _ids(server)
    # past the maximum: clamped to 100
    assert _describe(server, page_size=500).page_size == 100


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"image_owner_alias": "mine"}, "InvalidImageOwnerAlias.ValueNotSupported", 400),
        ({"ostype": "beos"}, "InvalidOSType", 404),
        ({"architecture": "mips"}, "InvalidArchitecture", 404),
        ({"usage": "sometimes"}, "InvalidUsage", 404),
        ({"instance_type": "ecs.nothing.large"}, "InvalidInstanceType.ValueNotSupported", 400),
        ({"status": "Available,Broken"}, "InvalidParameter", 400),
        ({"page_size": 0}, "InvalidParameter", 400),
        ({"page_number": 0}, "InvalidParameter", 400),
        ({"action_type": "Destroy"}, "InvalidParameter", 400),
        (
            {"filter": [ecs_models.DescribeImagesRequestFilter(key="Owner", value="x")]},
            "InvalidFilterKey.NotFound",
            404,
        ),
        (
            {
                "filter": [
                    ecs_models.DescribeImagesRequestFilter(key="CreationStartTime", value="2024")
                ]
            },
            "InvalidFilterValue",
            404,
        ),
        (
            {"tag": [ecs_models.DescribeImagesRequestTag(value="orphan")]},
            "InvalidTag.Mismatch",
            400,
        ),
        (
            {"tag": [ecs_models.DescribeImagesRequestTag(key=f"k{n}") for n in range(21)]},
            "InvalidTagCount",
            400,
        ),
        ({"dry_run": True}, "DryRunOperation", 400),
        ({"region_id": "cn-nowhere"}, "InvalidRegionId.NotFound", 404),
    ],
)
def test_refusals(server: RunningServer, fields: dict[str, Any], code: str, status: int) -> None:
    assert_refused(lambda: _describe(server, **fields), code, status)


def test_the_old_sdk_gets_the_refusal(server: RunningServer) -> None:
    request = DescribeImagesRequest()
    request.add_query_param("ImageOwnerAlias", "bogus")
    with pytest.raises(ServerException) as refused:
        acs_client(server.endpoint).do_action_with_exception(request)
    # the old SDK adds the client's RegionId, so the alias is what fails
    assert refused.value.get_error_code() == "InvalidImageOwnerAlias.ValueNotSupported"
    assert refused.value.get_http_status() == 400

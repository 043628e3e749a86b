"""DescribeZones through the official SDKs."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeZonesRequest import DescribeZonesRequest

from tests.support.clients import acs_client, tea_ecs
from tests.support.server import RunningServer


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_zones_lists_the_region_zones(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, signature=signature)
    response = client.describe_zones(
        ecs_models.DescribeZonesRequest(region_id="cn-hangzhou", accept_language="en-US")
    )
    assert response.status_code == 200
    zones = {z.zone_id: z for z in response.body.zones.zone}
    assert set(zones) == {"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"}
    zone = zones["cn-hangzhou-i"]
    assert zone.local_name == "Hangzhou Zone I"
    assert zone.zone_type == "AvailabilityZone"
    assert {"Instance", "Disk", "VSwitch", "IoOptimized"} <= set(
        zone.available_resource_creation.resource_types
    )
    assert {"cloud_efficiency", "cloud_essd"} <= set(zone.available_disk_categories.disk_categories)
    assert "ecs.g6.large" in zone.available_instance_types.instance_types


def test_describe_zones_resources_info_uses_the_lower_case_keys(server: RunningServer) -> None:
    """The nested ``supported...`` keys are lower-camel on the wire; the SDK maps them."""
    client = tea_ecs(server.endpoint)
    response = client.describe_zones(ecs_models.DescribeZonesRequest(region_id="cn-shanghai"))
    zone = next(z for z in response.body.zones.zone if z.zone_id == "cn-shanghai-f")
    (info,) = zone.available_resources.resources_info
    assert info.io_optimized is True
    assert "vpc" in info.network_types.supported_network_category
    assert "cloud_essd" in info.system_disk_categories.supported_system_disk_category
    assert "cloud_essd" in info.data_disk_categories.supported_data_disk_category
    assert "ecs.f3-c16f1.4xlarge" in info.instance_types.supported_instance_type
    assert {"ecs.g6", "ecs.f3", "ecs.gn6i"} <= set(
        info.instance_type_families.supported_instance_type_family
    )
    assert {"ecs-5", "ecs-4"} <= set(info.instance_generations.supported_instance_generation)


def test_describe_zones_gpu_and_fpga_types_only_where_sold(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)

    def offered(region: str) -> dict[str, set[str]]:
        body = client.describe_zones(ecs_models.DescribeZonesRequest(region_id=region)).body
        return {z.zone_id: set(z.available_instance_types.instance_types) for z in body.zones.zone}

    hangzhou = offered("cn-hangzhou")
    assert any("ecs.gn6i-c4g1.xlarge" in types for types in hangzhou.values())
    assert any("ecs.f3-c8f1.2xlarge" in types for types in hangzhou.values())
    # not every zone sells accelerators
    assert any("ecs.f3-c8f1.2xlarge" not in types for types in hangzhou.values())
    chengdu = offered("cn-chengdu")
    assert not any(t.startswith(("ecs.gn", "ecs.f")) for ts in chengdu.values() for t in ts)


def test_describe_zones_not_verbose_leaves_out_the_type_lists(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    response = client.describe_zones(
        ecs_models.DescribeZonesRequest(region_id="cn-beijing", verbose=False)
    )
    zones = response.body.zones.zone
    assert len(zones) == 5
    for zone in zones:
        assert zone.available_instance_types is None
        assert zone.available_resources is None
        assert "VSwitch" in zone.available_resource_creation.resource_types


@pytest.mark.parametrize("charge", ["PrePaid", "PostPaid"])
@pytest.mark.parametrize("spot", ["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"])
def test_describe_zones_accepts_charge_types_and_spot_strategies(
    server: RunningServer, charge: str, spot: str
) -> None:
    client = tea_ecs(server.endpoint)
    response = client.describe_zones(
        ecs_models.DescribeZonesRequest(
            region_id="cn-qingdao", instance_charge_type=charge, spot_strategy=spot
        )
    )
    assert {z.zone_id for z in response.body.zones.zone} == {"cn-qingdao-b", "cn-qingdao-c"}


def test_describe_zones_v1_sdk_localises(server: RunningServer) -> None:
    client = acs_client(server.endpoint)
    for language, expected in (("zh-CN", "华东1 可用区 H"), ("ja", "杭州 ゾーン H")):
        request = DescribeZonesRequest()
        request.set_AcceptLanguage(language)
        body = json.loads(client.do_action_with_exception(request))
        names = {z["ZoneId"]: z["LocalName"] for z in body["Zones"]["Zone"]}
        assert names["cn-hangzhou-h"] == expected
        zone = body["Zones"]["Zone"][0]
        info = zone["AvailableResources"]["ResourcesInfo"][0]
        assert isinstance(info["InstanceTypes"]["supportedInstanceType"], list)


def test_describe_zones_v1_sdk_default_language_is_chinese(server: RunningServer) -> None:
    client = acs_client(server.endpoint, region="ap-southeast-1")
    body = json.loads(client.do_action_with_exception(DescribeZonesRequest()))
    names = {z["ZoneId"]: z["LocalName"] for z in body["Zones"]["Zone"]}
    assert set(names) == {"ap-southeast-1-a", "ap-southeast-1-b", "ap-southeast-1-c"}
    assert all(name for name in names.values())


@pytest.mark.parametrize(
    ("request_fields", "code", "status"),
    [
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
        (
            {"region_id": "cn-hangzhou", "instance_charge_type": "Monthly"},
            "InvalidInstanceChargeType.NotFound",
            404,
        ),
        ({"region_id": "cn-hangzhou", "spot_strategy": "Cheap"}, "InvalidSpotStrategy", 400),
        (
            {"region_id": "cn-hangzhou", "accept_language": "fr-FR"},
            "InvalidAcceptLanguage.NotFound",
            404,
        ),
        ({}, "MissingParameter", 400),
    ],
    ids=["region", "charge-type", "spot", "language", "no-region"],
)
def test_describe_zones_refuses_bad_input(
    server: RunningServer, request_fields: dict[str, str], code: str, status: int
) -> None:
    client = tea_ecs(server.endpoint)
    with pytest.raises(ClientException) as caught:
        client.describe_zones(ecs_models.DescribeZonesRequest(**request_fields))
    assert caught.value.code == code
    assert caught.value.status_code == status


def test_describe_zones_v1_sdk_unknown_region(server: RunningServer) -> None:
    client = acs_client(server.endpoint, region="cn-atlantis")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(DescribeZonesRequest())
    assert caught.value.get_error_code() == "InvalidRegionId.NotFound"
    assert caught.value.get_http_status() == 404

"""DescribeRegions through the official SDKs."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

from tests.support.clients import acs_client, tea_ecs
from tests.support.server import RunningServer


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_regions_tea_sdk(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, signature=signature)
    response = client.describe_regions(ecs_models.DescribeRegionsRequest(accept_language="en-US"))
    assert response.status_code == 200
    regions = {r.region_id: r for r in response.body.regions.region}
    assert {"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-qingdao", "cn-shenzhen"} <= set(regions)
    assert {"cn-zhangjiakou", "ap-southeast-1"} <= set(regions)
    assert regions["cn-hangzhou"].local_name == "China (Hangzhou)"
    assert regions["cn-hangzhou"].status == "available"
    assert regions["cn-hangzhou"].region_endpoint.endswith("aliyuncs.com")
    request_id = response.body.request_id
    assert request_id == request_id.upper() and len(request_id) == 36


def test_describe_regions_v1_sdk_localises(server: RunningServer) -> None:
    client = acs_client(server.endpoint)
    for language, expected in (("zh-CN", "华东1（杭州）"), ("ja", "華東 1 (杭州)")):
        request = DescribeRegionsRequest()
        request.set_AcceptLanguage(language)
        body = json.loads(client.do_action_with_exception(request))
        names = {r["RegionId"]: r["LocalName"] for r in body["Regions"]["Region"]}
        assert names["cn-hangzhou"] == expected
        assert "Code" not in body

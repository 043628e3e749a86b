"""The official clients, pointed at a running ecsim, and how a refusal reaches them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_vpc20160428.client import Client as VpcClient
from aliyunsdkcore.client import AcsClient
from darabonba.runtime import RuntimeOptions

ROOT_KEY = ("ecsim", "ecsim-secret")


def _tea_config(
    endpoint: str, key: tuple[str, str], signature: str, region: str
) -> open_api_models.Config:
    config = open_api_models.Config(
        access_key_id=key[0],
        access_key_secret=key[1],
        region_id=region,
        endpoint=endpoint,
        protocol="http",
    )
    if signature == "v2":
        config.signature_algorithm = "v2"
    return config


def tea_ecs(
    endpoint: str,
    key: tuple[str, str] = ROOT_KEY,
    *,
    signature: str = "v3",
    region: str = "cn-hangzhou",
) -> EcsClient:
    """alibabacloud-ecs20140526: V3 (ACS3-HMAC-SHA256) by default, or V1 with ``v2``."""
    return EcsClient(_tea_config(endpoint, key, signature, region))


def tea_vpc(
    endpoint: str,
    key: tuple[str, str] = ROOT_KEY,
    *,
    signature: str = "v3",
    region: str = "cn-hangzhou",
) -> VpcClient:
    """alibabacloud-vpc20160428, configured as ``tea_ecs`` configures the ECS client."""
    return VpcClient(_tea_config(endpoint, key, signature, region))


def refusal(call: Callable[[], object]) -> tuple[str, int]:
    """The code and HTTP status a tea client's call is refused with; the call must fail."""
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value.code, caught.value.status_code


def assert_refused(call: Callable[[], object], code: str, status: int) -> None:
    got = refusal(call)
    assert got == (code, status), f"refused with {got}, expected {(code, status)}"


def acs_client(
    endpoint: str, key: tuple[str, str] = ROOT_KEY, *, region: str = "cn-hangzhou"
) -> AcsClient:
    """aliyun-python-sdk-core (V1 HMAC-SHA1) with every product routed to ecsim."""
    client = AcsClient(key[0], key[1], region)
    for product in ("Ecs", "Vpc", "faas"):
        client.add_endpoint(region, product, endpoint)
    return client


def tea_call(
    endpoint: str,
    key: tuple[str, str],
    version: str,
    action: str,
    params: Mapping[str, str],
    *,
    signature: str = "v3",
    region: str = "cn-hangzhou",
) -> dict[str, Any]:
    """Any RPC action through tea-openapi's generic ``call_api`` (what every tea SDK uses),
    for products with no tea SDK of their own installed (RAM, ecsim's own API)."""
    config = open_api_models.Config(
        access_key_id=key[0],
        access_key_secret=key[1],
        region_id=region,
        endpoint=endpoint,
        protocol="http",
    )
    if signature == "v2":
        config.signature_algorithm = "v2"
    api = utils_models.Params(
        action=action,
        version=version,
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = utils_models.OpenApiRequest(query=Utils.query(dict(params)))
    body: dict[str, Any] = OpenApiClient(config).call_api(api, request, RuntimeOptions())["body"]
    return body

"""The official clients, pointed at a running ecsim."""

from __future__ import annotations

from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models
from aliyunsdkcore.client import AcsClient

ROOT_KEY = ("ecsim", "ecsim-secret")


def tea_ecs(
    endpoint: str,
    key: tuple[str, str] = ROOT_KEY,
    *,
    signature: str = "v3",
    region: str = "cn-hangzhou",
) -> EcsClient:
    """alibabacloud-ecs20140526: V3 (ACS3-HMAC-SHA256) by default, or V1 with ``v2``."""
    config = open_api_models.Config(
        access_key_id=key[0],
        access_key_secret=key[1],
        region_id=region,
        endpoint=endpoint,
        protocol="http",
    )
    if signature == "v2":
        config.signature_algorithm = "v2"
    return EcsClient(config)


def acs_client(
    endpoint: str, key: tuple[str, str] = ROOT_KEY, *, region: str = "cn-hangzhou"
) -> AcsClient:
    """aliyun-python-sdk-core (V1 HMAC-SHA1) with every product routed to ecsim."""
    client = AcsClient(key[0], key[1], region)
    for product in ("Ecs", "Vpc", "faas"):
        client.add_endpoint(region, product, endpoint)
    return client

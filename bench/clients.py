"""The clients the benchmarks drive: the official ECS SDK (V3) against ecsim with the root
key, and boto3 against moto_server's EC2.

The SDKs are imported when a client is made, so a benchmark's ``--help`` needs neither.
"""

from __future__ import annotations

import os
from typing import Any

from servers import KEY

__all__ = ["ec2_client", "ecs_client", "no_proxies", "tea_config"]


def no_proxies() -> None:
    """Drop the environment's proxies: every client here talks to a loopback server."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)


def tea_config(endpoint: str, region: str = "cn-hangzhou") -> Any:
    """tea-openapi's Config for ecsim at ``endpoint`` (host:port), signed with ``KEY``."""
    from alibabacloud_tea_openapi import models as open_api_models

    return open_api_models.Config(
        access_key_id=KEY[0],
        access_key_secret=KEY[1],
        region_id=region,
        endpoint=endpoint,
        protocol="http",
    )


def ecs_client(endpoint: str, region: str = "cn-hangzhou") -> Any:
    """alibabacloud-ecs20140526's client for ecsim at ``endpoint``."""
    from alibabacloud_ecs20140526.client import Client

    return Client(tea_config(endpoint, region))


def ec2_client(endpoint: str) -> Any:
    """boto3's EC2 client for moto_server at ``endpoint``, with moto's test credentials."""
    import boto3

    return boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=f"http://{endpoint}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

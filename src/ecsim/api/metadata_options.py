"""An instance's metadata options on the wire: the parameters RunInstances, CreateInstance and
ModifyInstanceMetadataOptions share (with the codes all three document), and the
``MetadataOptions`` object DescribeInstances shows."""

from __future__ import annotations

from typing import Any

from ecsim.api.params import Integer, Param, String
from ecsim.model.instance import Instance

__all__ = ["HTTP_ENDPOINTS", "HTTP_TOKENS", "metadata_option_params", "render_metadata_options"]

HTTP_ENDPOINTS = ("enabled", "disabled")
HTTP_TOKENS = ("optional", "required")
# ECS's range for the PUT response's hop limit (RunInstances: 1-64, default 1)
_HOP_LIMIT = (1, 64)


def metadata_option_params(*, endpoint_required: bool = False) -> tuple[Param, ...]:
    """HttpEndpoint, HttpTokens and HttpPutResponseHopLimit (ModifyInstanceMetadataOptions
    requires HttpEndpoint; a launch defaults it to enabled)."""
    return (
        String(
            "HttpEndpoint",
            required=endpoint_required,
            enum=HTTP_ENDPOINTS,
            code="InvalidHttpEndpoint.NotSupported",
        ),
        String("HttpTokens", enum=HTTP_TOKENS, code="InvalidHttpTokens.NotSupported"),
        Integer(
            "HttpPutResponseHopLimit",
            minimum=_HOP_LIMIT[0],
            maximum=_HOP_LIMIT[1],
            code="InvalidHttpPutResponseHopLimit.NotSupported",
        ),
    )


def render_metadata_options(instance: Instance) -> dict[str, Any]:
    """``MetadataOptions`` of a DescribeInstances item (keys in alphabetical order, as the
    rest of the item)."""
    return {
        "HttpEndpoint": instance.http_endpoint,
        "HttpPutResponseHopLimit": instance.http_put_response_hop_limit,
        "HttpTokens": instance.http_tokens,
    }

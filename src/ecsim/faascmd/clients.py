"""The RAM and FaaS APIs of ecsim through the V1-signed RPC client of ``ecsim cli``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsim.cli.client import RpcClient

__all__ = ["FAAS_VERSION", "RAM_VERSION", "Api", "ApiError"]

FAAS_VERSION = "2017-08-24"
RAM_VERSION = "2015-05-01"


class ApiError(Exception):
    """An error answer of the RPC API, printed the way aliyunsdkcore words a ServerException."""

    def __init__(self, status: int, code: str, message: str, request_id: str) -> None:
        super().__init__(f"HTTP Status:{status} Error:{code}. {message} Request ID:{request_id}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


class Api:
    def __init__(self, endpoint: str, access_id: str, access_key: str, region: str) -> None:
        self._rpc = RpcClient(endpoint, access_id, access_key)
        self._region = region

    def ram(self, action: str, **params: str) -> dict[str, Any]:
        return self._call(RAM_VERSION, action, params)

    def faas(self, action: str, **params: str) -> dict[str, Any]:
        # aliyunsdkcore adds RegionId to every request; the FaaS API takes it from there
        return self._call(FAAS_VERSION, action, {"RegionId": self._region, **params})

    def _call(self, version: str, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        sent = {k: v for k, v in params.items() if v != ""}
        response = self._rpc.call(version, action, sent)
        if response.ok and response.body is not None:
            return response.body
        body = response.body or {}
        raise ApiError(
            response.status,
            str(body.get("Code") or f"HTTP{response.status}"),
            str(body.get("Message") or response.text.strip()),
            str(body.get("RequestId") or ""),
        )

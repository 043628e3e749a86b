"""The RPC skeleton: parse -> authenticate -> look up -> validate -> call -> render.

This is the only place that turns exceptions into responses: an ``EcsError`` becomes its code
and HTTP status; anything else is logged with its traceback and answered as ``InternalError``
(and is a bug). Every response carries a fresh upper-case UUID ``RequestId``. Requests refused
before they are parsed (``asgi``, ``protocol``) get their body from ``error_response`` here too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ecsim.api.auth import Authenticator
from ecsim.api.context import RequestContext
from ecsim.api.intake import IncomingRequest
from ecsim.api.params import parse_params
from ecsim.api.products import PRODUCTS, Product
from ecsim.api.registry import ActionSpec, Registry
from ecsim.api.render import JSON_CONTENT_TYPE, XML_CONTENT_TYPE, render_json, render_xml
from ecsim.errors import (
    DryRunOperation,
    EcsError,
    InternalError,
    InvalidActionNotFound,
    InvalidVersion,
    MissingParameter,
)
from ecsim.services import Services

__all__ = ["OutgoingResponse", "RpcSkeleton", "error_response"]

log = logging.getLogger("ecsim.api")

_DEFAULT_HOST = "ecs.aliyuncs.com"


@dataclass(frozen=True)
class OutgoingResponse:
    status: int
    body: bytes
    content_type: str


class _Rollback(Exception):
    """Raised inside a DryRun transaction so nothing it wrote survives."""


class RpcSkeleton:
    def __init__(
        self, registry: Registry, authenticator: Authenticator, services: Services
    ) -> None:
        self._registry = registry
        self._auth = authenticator
        self._services = services

    def handle(self, request: IncomingRequest) -> OutgoingResponse:
        request_id = self._services.ids.request_id()
        xml = False
        action = ""
        product: Product | None = None
        try:
            raw = request.params()
            xml = raw.get("Format", "").upper() == "XML"
            action = raw.get("Action") or request.headers.get("x-acs-action", "")
            version = raw.get("Version") or request.headers.get("x-acs-version", "")
            if not action:
                raise MissingParameter("Action")
            if not version:
                raise MissingParameter("Version")
            product = PRODUCTS.get(version)
            if product is None:
                raise InvalidVersion()
            principal = self._auth.authenticate(request, raw)
            spec = self._registry.lookup(product, action)
            if spec is None:
                raise InvalidActionNotFound()
            params = parse_params(spec.params, raw)
            region_id: str | None = params.get("RegionId")
            if region_id is not None:
                self._services.catalog.require_region(region_id)
            ctx = RequestContext(
                request_id=request_id,
                product=product,
                action=action,
                account_id=principal.account_id,
                access_key_id=principal.access_key_id,
                region_id=region_id,
                host=request.host,
            )
            result = self._call(spec, ctx, params)
            body: dict[str, Any] = {"RequestId": request_id}
            body.update(result)
            body["RequestId"] = request_id
            if xml:
                return OutgoingResponse(
                    200, render_xml(f"{action}Response", body), XML_CONTENT_TYPE
                )
            return OutgoingResponse(200, render_json(body), JSON_CONTENT_TYPE)
        except EcsError as error:
            return self._error(error, request_id, product, xml)
        except Exception:
            log.exception("InternalError in %s (RequestId %s)", action or "?", request_id)
            return self._error(InternalError(), request_id, product, xml)

    def reject(self, error: EcsError) -> OutgoingResponse:
        """An error for a request refused before it is parsed (too large, wrong method)."""
        return error_response(error, self._services.ids.request_id())

    def _call(
        self, spec: ActionSpec, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        services = self._services
        # background snapshots that ended are recorded before anything reads or uses them
        services.snapshots.settle()
        # DryRun is honoured wherever it is declared, Describe* actions included (they
        # answer DryRunOperation too): the handler runs in full so every check it makes still
        # wins, and its writes are rolled back.
        if params.get("DryRun") is True:
            try:
                with services.store.transaction():
                    _invoke(spec, ctx, params, services)
                    raise _Rollback()
            except _Rollback:
                raise DryRunOperation() from None
        if not spec.mutating:
            return _invoke(spec, ctx, params, services)
        with services.store.transaction():
            token = params.get("ClientToken")
            if spec.idempotent and token:
                scope = f"{spec.product.code}:{spec.name}:{ctx.region_id or ''}"
                result = services.client_tokens.run(
                    ctx.account_id,
                    scope,
                    token,
                    params,
                    lambda: _invoke(spec, ctx, params, services),
                )
            else:
                result = _invoke(spec, ctx, params, services)
        # committed: the kernel follows before the answer, so what the call did is in force
        # when the caller hears of it (a failure there is the data plane's to retry)
        try:
            services.dataplane.apply()
        except Exception:
            log.exception("data plane did not converge after %s", spec.name)
        return result

    def _error(
        self, error: EcsError, request_id: str, product: Product | None, xml: bool
    ) -> OutgoingResponse:
        return error_response(error, request_id, product, xml=xml)


def _invoke(
    spec: ActionSpec, ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    result = spec.handler(ctx, params, services)
    # pop-core takes any body with a top-level Code for an error, whatever the HTTP status:
    # such a result is a handler bug, and failing inside the transaction undoes its writes.
    if not isinstance(result, dict) or "Code" in result:
        raise TypeError(f"{spec.name} returned a result that is not a success body")
    return result


def error_response(
    error: EcsError, request_id: str, product: Product | None = None, *, xml: bool = False
) -> OutgoingResponse:
    """The error body every client understands: RequestId, HostId, Code, Message, Recommend."""
    host = product.host if product else _DEFAULT_HOST
    code_product = product.code if product else "Ecs"
    body = {
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": (
            f"https://api.aliyun.com/troubleshoot?q={error.code}"
            f"&product={code_product}&requestId={request_id}"
        ),
    }
    if xml:
        return OutgoingResponse(error.http_status, render_xml("Error", body), XML_CONTENT_TYPE)
    return OutgoingResponse(error.http_status, render_json(body), JSON_CONTENT_TYPE)

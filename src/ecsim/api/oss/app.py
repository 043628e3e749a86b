"""The OSS REST app: routes a request to its handler, authenticates it, renders the answer.

Errors of any kind become OSS XML errors (on HEAD, with no body: the error travels base64 in
``x-oss-err``, as OSS sends it), every answer carries ``x-oss-request-id``.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable
from email.utils import formatdate

from ecsim.api.asgi import AsgiApp, Receive, Scope, Send
from ecsim.api.oss import buckets, multipart, objects
from ecsim.api.oss.request import Disconnected, OssRequest, parse_request
from ecsim.api.oss.signature import OssAuthenticator, error_details
from ecsim.api.oss.xml import OssResponse, error_response
from ecsim.control.object_storage import ObjectStorage
from ecsim.errors import EcsError, InternalError
from ecsim.model.oss import check_bucket_name
from ecsim.model.oss_errors import OssError
from ecsim.services import Services

__all__ = ["build_oss_asgi", "route"]

_log = logging.getLogger(__name__)

Handler = Callable[[ObjectStorage, OssRequest], Awaitable[OssResponse]]


class MethodNotAllowed(OssError):
    code = "MethodNotAllowed"
    http_status = 405

    def __init__(self, method: str) -> None:
        super().__init__(f"The specified method {method} is not allowed against this resource.")


def _service(request: OssRequest) -> Handler:
    if request.method == "GET":
        return buckets.list_buckets
    raise MethodNotAllowed(request.method)


def _bucket(request: OssRequest) -> Handler:
    method, query = request.method, request.query
    if method == "PUT":
        return buckets.put_bucket_acl if "acl" in query else buckets.put_bucket
    if method in ("GET", "HEAD"):
        if "acl" in query:
            return buckets.get_bucket_acl
        if "bucketInfo" in query or method == "HEAD":
            return buckets.get_bucket_info
        if "location" in query:
            return buckets.get_bucket_location
        return buckets.list_objects
    if method == "DELETE":
        return buckets.delete_bucket
    raise MethodNotAllowed(method)


def _object(request: OssRequest) -> Handler:
    method, query = request.method, request.query
    if method == "PUT":
        return multipart.upload_part if "uploadId" in query else objects.put_object
    if method == "GET":
        if "uploadId" in query:
            return multipart.list_parts
        return objects.head_object if "objectMeta" in query else objects.get_object
    if method == "HEAD":
        return objects.head_object
    if method == "DELETE":
        return multipart.abort_upload if "uploadId" in query else objects.delete_object
    if method == "POST":
        if "uploads" in query:
            return multipart.initiate_upload
        if "uploadId" in query:
            return multipart.complete_upload
    raise MethodNotAllowed(method)


def route(request: OssRequest) -> Handler:
    if not request.bucket:
        return _service(request)
    check_bucket_name(request.bucket)
    return _object(request) if request.key else _bucket(request)


def build_oss_asgi(services: Services, *, verify: bool) -> AsgiApp:
    storage = services.objects
    authenticator = OssAuthenticator(services.accounts, services.clock, verify=verify)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request_id = uuid.uuid4().hex[:24].upper()
        request = parse_request(scope, receive)
        request.request_id = request_id
        try:
            try:
                handler = route(request)
                request.account_id = authenticator.account_of(request)
                response = await handler(storage, request)
            except EcsError as error:
                await request.drain()
                response = error_response(error, request_id, error_details(error))
            except Disconnected:
                raise
            except Exception:
                _log.exception("OSS request %s failed", request_id)
                await request.drain()
                response = error_response(InternalError(), request_id)
            await _send(send, request, response)
        except Disconnected:
            return

    return app


async def _send(send: Send, request: OssRequest, response: OssResponse) -> None:
    headers = dict(response.headers)
    headers["x-oss-request-id"] = request.request_id
    headers["date"] = formatdate(usegmt=True)
    headers["server"] = "AliyunOSS"
    body = response.body
    if request.method == "HEAD":
        if response.status >= 300 and body:
            headers["x-oss-err"] = base64.b64encode(body).decode()
        headers.setdefault("content-length", str(len(body)))
        body = b""
        response.stream = None
    elif response.stream is None:
        headers["content-length"] = str(len(body))
    raw = [(k.encode("latin-1"), v.encode("utf-8")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": raw})
    if response.stream is None:
        await send({"type": "http.response.body", "body": body})
        return
    for chunk in response.stream:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})

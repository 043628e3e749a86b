"""Object requests: put (streamed to disk), get (streamed, with Range), head, delete, copy."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import unquote

from ecsim.api.oss.request import OssRequest
from ecsim.api.oss.xml import OssResponse, element, xml_response
from ecsim.control.object_storage import ObjectStorage
from ecsim.model.oss import ObjectMeta
from ecsim.model.oss_errors import InvalidArgument, InvalidDigest, InvalidRange

__all__ = [
    "copy_object",
    "delete_object",
    "get_object",
    "head_object",
    "http_date",
    "put_object",
]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def http_date(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")), usegmt=True)


def object_headers(meta: ObjectMeta) -> dict[str, str]:
    headers = {
        "etag": meta.etag,
        "last-modified": http_date(meta.last_modified),
        "content-type": meta.content_type,
        "x-oss-object-type": meta.kind,
        "x-oss-storage-class": "Standard",
        "accept-ranges": "bytes",
    }
    if meta.crc64 is not None:
        headers["x-oss-hash-crc64ecma"] = str(meta.crc64)
    headers.update({f"x-oss-meta-{k}": v for k, v in meta.user_meta.items()})
    return headers


async def put_object(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    if request.header("x-oss-copy-source"):
        return await copy_object(objects, request)
    # refused before any of the body is read: a denied upload is never written
    objects.writable(request.account_id, request.bucket)
    staged = objects.stage()
    try:
        await request.stream_into(staged)
        expected = request.header("content-md5")
        if expected and base64.b64encode(staged.digest.md5_digest()).decode() != expected:
            raise InvalidDigest()
        meta = objects.store_staged(
            request.account_id,
            request.bucket,
            request.key,
            staged,
            request.header("content-type") or None,
            request.user_meta(),
        )
    finally:
        staged.discard()
    headers = {"etag": meta.etag}
    if meta.crc64 is not None:
        headers["x-oss-hash-crc64ecma"] = str(meta.crc64)
    return OssResponse(headers=headers)


def _range(text: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a ``bytes=`` range, None for the whole object.

    As OSS: a malformed range is ignored (the whole object, 200), one that starts past the
    end is refused (416), one that runs past the end is cut to it.
    """
    match = _RANGE.match(text.strip())
    if match is None or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise InvalidRange()
    return start, min(end, size - 1)


async def get_object(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    meta = objects.object_meta(request.account_id, request.bucket, request.key)
    headers = object_headers(meta)
    span = _range(request.header("range"), meta.size) if request.header("range") else None
    for name in ("content-type", "content-disposition", "cache-control", "expires"):
        override = request.query.get(f"response-{name}")
        if override:
            headers[name] = override
    if span is None:
        headers["content-length"] = str(meta.size)
        return OssResponse(200, headers, stream=objects.read(meta))
    start, end = span
    headers["content-length"] = str(end - start + 1)
    headers["content-range"] = f"bytes {start}-{end}/{meta.size}"
    # the CRC describes the whole object, not the part returned
    headers.pop("x-oss-hash-crc64ecma", None)
    return OssResponse(206, headers, stream=objects.read(meta, start, end - start + 1))


async def head_object(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    meta = objects.object_meta(request.account_id, request.bucket, request.key)
    headers = object_headers(meta)
    headers["content-length"] = str(meta.size)
    return OssResponse(200, headers)


async def delete_object(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    objects.delete_object(request.account_id, request.bucket, request.key)
    return OssResponse(204)


async def copy_object(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    await request.drain()
    source = unquote(request.header("x-oss-copy-source"))
    source_bucket, _, source_key = source.lstrip("/").partition("/")
    if not source_bucket or not source_key:
        raise InvalidArgument("Copy Source must mention the source bucket and key: /bucket/key.")
    directive = request.header("x-oss-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument(f"Unsupported metadata directive: {directive}.")
    replacing = directive == "REPLACE"
    meta = objects.copy_object(
        request.account_id,
        (source_bucket, source_key),
        (request.bucket, request.key),
        content_type=(request.header("content-type") or None) if replacing else None,
        user_meta=request.user_meta() if replacing else None,
    )
    response = xml_response(
        "CopyObjectResult",
        [element("ETag", meta.etag), element("LastModified", meta.last_modified)],
    )
    response.headers["etag"] = meta.etag
    return response

"""Multipart upload requests: initiate, upload a part (streamed), complete, abort, list parts."""

from __future__ import annotations

from xml.etree import ElementTree

from ecsim.api.oss.request import OssRequest
from ecsim.api.oss.xml import OssResponse, element, xml_response
from ecsim.control.object_storage import ObjectStorage
from ecsim.model.oss_errors import InvalidArgument, MalformedXML

__all__ = ["abort_upload", "complete_upload", "initiate_upload", "list_parts", "upload_part"]


async def initiate_upload(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    await request.drain()
    upload = objects.multipart.initiate(
        request.account_id, request.bucket, request.key, request.header("content-type") or None
    )
    return xml_response(
        "InitiateMultipartUploadResult",
        [
            element("Bucket", upload.bucket),
            element("Key", upload.key),
            element("UploadId", upload.upload_id),
        ],
    )


def _part_number(request: OssRequest) -> int:
    text = request.query.get("partNumber", "")
    if not text.isdigit():
        raise InvalidArgument("Part number must be an integer between 1 and 10000.")
    return int(text)


async def upload_part(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    number = _part_number(request)
    upload_id = request.query["uploadId"]
    # the upload is checked before the body is read
    objects.multipart.upload(request.account_id, request.bucket, request.key, upload_id)
    staged = objects.stage()
    try:
        await request.stream_into(staged)
        part = objects.multipart.upload_part(
            request.account_id, request.bucket, request.key, upload_id, number, staged
        )
    finally:
        staged.discard()
    headers = {"etag": part.etag}
    if part.crc64 is not None:
        headers["x-oss-hash-crc64ecma"] = str(part.crc64)
    return OssResponse(headers=headers)


def _chosen_parts(body: bytes) -> list[tuple[int, str]]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise MalformedXML() from None
    chosen: list[tuple[int, str]] = []
    for part in root.findall("Part"):
        number = (part.findtext("PartNumber") or "").strip()
        etag = (part.findtext("ETag") or "").strip()
        if not number.isdigit() or not etag:
            raise MalformedXML()
        chosen.append((int(number), etag))
    return chosen


async def complete_upload(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    upload_id = request.query["uploadId"]
    body = await request.read_small()
    if request.header("x-oss-complete-all").lower() == "yes":
        upload = objects.multipart.upload(
            request.account_id, request.bucket, request.key, upload_id
        )
        chosen = [(n, p.etag) for n, p in sorted(upload.parts.items())]
    else:
        chosen = _chosen_parts(body)
    meta = objects.multipart.complete(
        request.account_id, request.bucket, request.key, upload_id, chosen
    )
    response = xml_response(
        "CompleteMultipartUploadResult",
        [
            element("Location", f"/{meta.bucket}/{meta.key}"),
            element("Bucket", meta.bucket),
            element("Key", meta.key),
            element("ETag", meta.etag),
        ],
    )
    response.headers["etag"] = meta.etag
    if meta.crc64 is not None:
        response.headers["x-oss-hash-crc64ecma"] = str(meta.crc64)
    return response


async def abort_upload(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    objects.multipart.abort(
        request.account_id, request.bucket, request.key, request.query["uploadId"]
    )
    return OssResponse(204)


async def list_parts(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    upload_id = request.query["uploadId"]
    upload = objects.multipart.upload(request.account_id, request.bucket, request.key, upload_id)
    marker_text = request.query.get("part-number-marker", "") or "0"
    max_text = request.query.get("max-parts", "") or "1000"
    if not marker_text.isdigit() or not max_text.isdigit() or not 1 <= int(max_text) <= 1000:
        raise InvalidArgument("part-number-marker and max-parts must be integers.")
    after, limit = int(marker_text), int(max_text)
    parts = [p for n, p in sorted(upload.parts.items()) if n > after]
    page, truncated = parts[:limit], len(parts) > limit
    children = [
        element("Bucket", upload.bucket),
        element("Key", upload.key),
        element("UploadId", upload_id),
        element("PartNumberMarker", after),
        element("NextPartNumberMarker", page[-1].number if page else after),
        element("MaxParts", limit),
        element("IsTruncated", "true" if truncated else "false"),
    ]
    children += [
        element(
            "Part",
            [
                element("PartNumber", p.number),
                element("LastModified", p.last_modified),
                element("ETag", p.etag),
                element("Size", p.size),
            ],
        )
        for p in page
    ]
    return xml_response("ListPartsResult", children)

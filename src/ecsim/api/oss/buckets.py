"""Bucket requests: create, list, delete, ACL, info, location, and listing a bucket's objects."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from ecsim.api.oss.request import OssRequest
from ecsim.api.oss.xml import OssResponse, element, xml_response
from ecsim.control.object_storage import ObjectStorage
from ecsim.model.oss import Bucket, BucketAcl, ObjectMeta
from ecsim.model.oss_errors import AccessDenied, InvalidArgument

__all__ = [
    "delete_bucket",
    "get_bucket_acl",
    "get_bucket_info",
    "get_bucket_location",
    "list_buckets",
    "list_objects",
    "put_bucket",
    "put_bucket_acl",
]

LOCATION = "oss-cn-hangzhou"
MAX_KEYS = 1000


def _owner(account_id: str) -> str:
    return element("Owner", [element("ID", account_id), element("DisplayName", account_id)])


def _caller(request: OssRequest) -> str:
    if request.account_id is None:
        raise AccessDenied("Anonymous access is forbidden for this operation.")
    return request.account_id


async def list_buckets(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    caller = _caller(request)
    buckets = [
        element(
            "Bucket",
            [
                element("CreationDate", b.created_at),
                element("ExtranetEndpoint", f"{LOCATION}.aliyuncs.com"),
                element("IntranetEndpoint", f"{LOCATION}-internal.aliyuncs.com"),
                element("Location", LOCATION),
                element("Name", b.name),
                element("Region", LOCATION.removeprefix("oss-")),
                element("StorageClass", "Standard"),
            ],
        )
        for b in objects.list_buckets(caller)
    ]
    return xml_response("ListAllMyBucketsResult", [_owner(caller), element("Buckets", buckets)])


async def put_bucket(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    caller = _caller(request)
    # the body (CreateBucketConfiguration: storage class, redundancy) changes nothing here
    await request.read_small()
    acl = request.header("x-oss-acl") or None
    objects.create_bucket(caller, request.bucket, acl)
    return OssResponse(headers={"location": f"/{request.bucket}"})


async def delete_bucket(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    objects.delete_bucket(request.account_id, request.bucket)
    return OssResponse(204)


async def put_bucket_acl(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    await request.read_small()
    acl = BucketAcl.parse(request.header("x-oss-acl") or None)
    objects.set_bucket_acl(request.account_id, request.bucket, acl)
    return OssResponse()


def _acl_policy(bucket: Bucket) -> list[str]:
    grant = element("AccessControlList", [element("Grant", bucket.acl.value)])
    return [_owner(bucket.owner), grant]


async def get_bucket_acl(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    bucket = objects.bucket(request.account_id, request.bucket)
    return xml_response("AccessControlPolicy", _acl_policy(bucket))


async def get_bucket_info(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    bucket = objects.bucket(request.account_id, request.bucket)
    info = [
        element("AccessMonitor", "Disabled"),
        element("CreationDate", bucket.created_at),
        element("ExtranetEndpoint", f"{LOCATION}.aliyuncs.com"),
        element("IntranetEndpoint", f"{LOCATION}-internal.aliyuncs.com"),
        element("Location", LOCATION),
        element("StorageClass", "Standard"),
        element("Name", bucket.name),
        element("DataRedundancyType", "LRS"),
        element("Versioning", "Disabled"),
        *_acl_policy(bucket),
        element("Comment", ""),
    ]
    return xml_response("BucketInfo", [element("Bucket", info)])


async def get_bucket_location(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    objects.bucket(request.account_id, request.bucket)
    return xml_response("LocationConstraint", [LOCATION])


def _max_keys(request: OssRequest) -> int:
    text = request.query.get("max-keys", "")
    if not text:
        return 100
    if not text.isdigit() or not 1 <= int(text) <= MAX_KEYS:
        raise InvalidArgument(f"max-keys must be an integer between 1 and {MAX_KEYS}.")
    return int(text)


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8", "surrogatepass")).decode()


def _untoken(token: str) -> str:
    try:
        raw = base64.b64decode(token.encode(), altchars=b"-_", validate=True)
        return raw.decode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        raise InvalidArgument("The continuation token provided is incorrect.") from None


async def list_objects(objects: ObjectStorage, request: OssRequest) -> OssResponse:
    query = request.query
    v2 = query.get("list-type") == "2"
    encoding = query.get("encoding-type", "")
    if encoding not in ("", "url"):
        raise InvalidArgument("The encoding-type must be url.")
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    max_keys = _max_keys(request)
    token = query.get("continuation-token", "")
    if v2:
        start = _untoken(token) if token else query.get("start-after", "")
    else:
        start = query.get("marker", "")
    listing, metas = objects.list_page(
        request.account_id,
        request.bucket,
        prefix=prefix,
        delimiter=delimiter,
        start_after=start,
        max_keys=max_keys,
    )

    def text(value: str) -> str:
        return quote(value, safe="/") if encoding else value

    children = [
        element("Name", request.bucket),
        element("Prefix", text(prefix)),
        element("MaxKeys", max_keys),
        element("Delimiter", text(delimiter)),
        element("IsTruncated", "true" if listing.truncated else "false"),
    ]
    if encoding:
        children.append(element("EncodingType", encoding))
    if v2:
        if "start-after" in query:
            children.append(element("StartAfter", text(query["start-after"])))
        if token:
            children.append(element("ContinuationToken", token))
        if listing.truncated:
            children.append(element("NextContinuationToken", _token(listing.next_start)))
        children.append(element("KeyCount", len(listing.keys) + len(listing.prefixes)))
    else:
        children.append(element("Marker", text(start)))
        if listing.truncated:
            children.append(element("NextMarker", text(listing.next_start)))
    owner = objects.records.bucket(request.bucket)
    with_owner = not v2 or query.get("fetch-owner") == "true"
    children += [_contents(m, text, owner.owner if owner and with_owner else None) for m in metas]
    children += [element("CommonPrefixes", [element("Prefix", text(p))]) for p in listing.prefixes]
    return xml_response("ListBucketResult", children)


def _contents(meta: ObjectMeta, text: object, owner: str | None) -> str:
    assert callable(text)
    parts = [
        element("Key", text(meta.key)),
        element("LastModified", meta.last_modified),
        element("ETag", meta.etag),
        element("Type", meta.kind),
        element("Size", meta.size),
        element("StorageClass", "Standard"),
    ]
    if owner is not None:
        parts.append(_owner(owner))
    return element("Contents", parts)

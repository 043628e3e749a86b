"""OSS metadata rows in the store: buckets, objects and multipart uploads by kind.

Bucket rows are keyed by name (names are unique on the host, as in OSS); object and upload
rows carry the bucket as their "region", so one bucket's rows are listed together.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ecsim.model.oss import Bucket, BucketAcl, ObjectMeta, Part, Upload
from ecsim.store.base import ResourceRecord, Store

__all__ = ["OssRecords"]

BUCKET = "oss_bucket"
OBJECT = "oss_object"
UPLOAD = "oss_upload"
_BUCKET_REGION = "oss"


def _object_id(bucket: str, key: str) -> str:
    # bucket names never contain "/", so the first one splits the id
    return f"{bucket}/{key}"


def _bucket(record: ResourceRecord) -> Bucket:
    body = record.body
    return Bucket(body["name"], body["owner"], BucketAcl(body["acl"]), body["created_at"])


def _object(record: ResourceRecord) -> ObjectMeta:
    return ObjectMeta(**record.body)


def _upload(record: ResourceRecord) -> Upload:
    body: dict[str, Any] = dict(record.body)
    body["parts"] = {int(n): Part(**p) for n, p in body["parts"].items()}
    return Upload(**body)


class OssRecords:
    def __init__(self, store: Store) -> None:
        self._store = store

    # buckets
    def bucket(self, name: str) -> Bucket | None:
        record = self._store.get_resource(BUCKET, name)
        return None if record is None else self._store.decoded(record, _bucket)

    def buckets(self, owner: str) -> list[Bucket]:
        return self._store.list_decoded(BUCKET, owner, _BUCKET_REGION, _bucket)

    def put_bucket(self, bucket: Bucket) -> None:
        body = {
            "name": bucket.name,
            "owner": bucket.owner,
            "acl": bucket.acl.value,
            "created_at": bucket.created_at,
        }
        record = ResourceRecord(BUCKET, bucket.name, bucket.owner, _BUCKET_REGION, body)
        self._store.put_resource(record, bucket)

    def delete_bucket(self, name: str) -> None:
        self._store.delete_resource(BUCKET, name)

    # objects
    def object(self, bucket: str, key: str) -> ObjectMeta | None:
        record = self._store.get_resource(OBJECT, _object_id(bucket, key))
        return None if record is None else self._store.decoded(record, _object)

    def object_keys(self, owner: str, bucket: str) -> list[str]:
        skip = len(bucket) + 1
        return [rid[skip:] for rid in self._store.resource_ids(OBJECT, owner, bucket)]

    def put_object(self, owner: str, meta: ObjectMeta) -> None:
        record = ResourceRecord(
            OBJECT, _object_id(meta.bucket, meta.key), owner, meta.bucket, asdict(meta)
        )
        self._store.put_resource(record, meta)

    def delete_object(self, bucket: str, key: str) -> None:
        self._store.delete_resource(OBJECT, _object_id(bucket, key))

    # multipart uploads
    def upload(self, upload_id: str) -> Upload | None:
        record = self._store.get_resource(UPLOAD, upload_id)
        return None if record is None else self._store.decoded(record, _upload)

    def uploads(self, owner: str, bucket: str) -> list[Upload]:
        return self._store.list_decoded(UPLOAD, owner, bucket, _upload)

    def put_upload(self, owner: str, upload: Upload) -> None:
        body = asdict(upload)
        body["parts"] = {str(n): asdict(p) for n, p in upload.parts.items()}
        record = ResourceRecord(UPLOAD, upload.upload_id, owner, upload.bucket, body)
        self._store.put_resource(record, upload)

    def delete_upload(self, upload_id: str) -> None:
        self._store.delete_resource(UPLOAD, upload_id)

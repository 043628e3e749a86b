"""OSS buckets and objects: metadata in the store, object bytes in files under the data dir.

Every call names the calling account (None for an anonymous request); the bucket's owner and
ACL decide what it may do. Metadata changes run in one store transaction; the bytes they
refer to are made durable before it commits, and replaced bytes are removed after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ecsim.clock import Clock
from ecsim.control.oss_blobs import BlobFiles, StagedBlob
from ecsim.control.oss_listing import Listing, list_page
from ecsim.control.oss_multipart import MultipartUploads
from ecsim.control.oss_records import OssRecords
from ecsim.model.oss import (
    Bucket,
    BucketAcl,
    ObjectMeta,
    check_bucket_name,
    check_object_key,
)
from ecsim.model.oss_errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketNotEmpty,
    NoSuchBucket,
    NoSuchKey,
)
from ecsim.store.base import Store

__all__ = ["ObjectStorage", "oss_time"]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def oss_time(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")


class ObjectStorage:
    def __init__(self, store: Store, clock: Clock, root: Path) -> None:
        self._store = store
        self._clock = clock
        self._root = root
        self.records = OssRecords(store)
        self.blobs = BlobFiles(root)
        self.multipart = MultipartUploads(store, clock, self)

    # buckets --------------------------------------------------------------------------------

    def create_bucket(
        self, account_id: str, bucket: str, acl: BucketAcl | str | None = None
    ) -> Bucket:
        """Create ``bucket``; creating one's own bucket again only sets the ACL given."""
        check_bucket_name(bucket)
        chosen = acl if isinstance(acl, BucketAcl) else BucketAcl.parse(acl)
        with self._store.transaction():
            existing = self.records.bucket(bucket)
            if existing is not None:
                if existing.owner != account_id:
                    raise BucketAlreadyExists(bucket)
                if acl is None:
                    return existing
                created = replace(existing, acl=chosen)
            else:
                created = Bucket(bucket, account_id, chosen, oss_time(self._clock))
            self.records.put_bucket(created)
            return created

    def bucket(self, account_id: str | None, bucket: str, *, owner_only: bool = True) -> Bucket:
        """The bucket, when the caller may see it (its owner, or anyone where
        ``owner_only`` is False and the ACL lets them read)."""
        found = self.records.bucket(bucket)
        if found is None:
            raise NoSuchBucket(bucket)
        allowed = found.owner == account_id if owner_only else found.readable_by(account_id)
        if not allowed:
            raise AccessDenied("You have no right to access this bucket.")
        return found

    def list_buckets(self, account_id: str) -> list[Bucket]:
        return sorted(self.records.buckets(account_id), key=lambda b: b.name)

    def set_bucket_acl(self, account_id: str | None, bucket: str, acl: BucketAcl) -> Bucket:
        with self._store.transaction():
            found = replace(self.bucket(account_id, bucket), acl=acl)
            self.records.put_bucket(found)
            return found

    def delete_bucket(self, account_id: str | None, bucket: str) -> None:
        with self._store.transaction():
            found = self.bucket(account_id, bucket)
            if self.records.object_keys(found.owner, bucket) or self.records.uploads(
                found.owner, bucket
            ):
                raise BucketNotEmpty(bucket)
            self.records.delete_bucket(bucket)

    def readable(self, account_id: str | None, bucket: str) -> Bucket:
        found = self.records.bucket(bucket)
        if found is None:
            raise NoSuchBucket(bucket)
        if not found.readable_by(account_id):
            raise AccessDenied()
        return found

    def writable(self, account_id: str | None, bucket: str) -> Bucket:
        found = self.records.bucket(bucket)
        if found is None:
            raise NoSuchBucket(bucket)
        if not found.writable_by(account_id):
            raise AccessDenied()
        return found

    # objects --------------------------------------------------------------------------------

    def stage(self) -> StagedBlob:
        """A file to stream a new object's bytes into (then ``store_staged``)."""
        return self.blobs.stage()

    def store_staged(
        self,
        account_id: str | None,
        bucket: str,
        key: str,
        staged: StagedBlob,
        content_type: str | None = None,
        user_meta: dict[str, str] | None = None,
    ) -> ObjectMeta:
        check_object_key(key)
        found = self.writable(account_id, bucket)
        digest = staged.digest
        blob = staged.commit()
        meta = ObjectMeta(
            bucket=bucket,
            key=key,
            size=digest.size,
            etag=f'"{digest.md5_hex()}"',
            crc64=digest.crc64(),
            content_type=content_type or DEFAULT_CONTENT_TYPE,
            last_modified=oss_time(self._clock),
            blob=blob,
            user_meta=dict(user_meta or {}),
        )
        self._install(found.owner, meta)
        return meta

    def put_object(
        self,
        account_id: str | None,
        bucket: str,
        key: str,
        data: bytes,
        content_type: str | None = None,
    ) -> str:
        """Store ``data`` as the object; returns its ETag (quoted)."""
        check_object_key(key)
        self.writable(account_id, bucket)
        staged = self.stage()
        try:
            staged.write(data)
            return self.store_staged(account_id, bucket, key, staged, content_type).etag
        finally:
            staged.discard()

    def object_meta(self, account_id: str | None, bucket: str, key: str) -> ObjectMeta:
        self.readable(account_id, bucket)
        meta = self.records.object(bucket, key)
        if meta is None:
            raise NoSuchKey(key)
        return meta

    def head_object(self, account_id: str | None, bucket: str, key: str) -> ObjectMeta | None:
        """The object's metadata (``size``, ``etag``, ...), or None when there is none."""
        self.readable(account_id, bucket)
        return self.records.object(bucket, key)

    def read(self, meta: ObjectMeta, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        return self.blobs.read(meta.blob, start, length)

    def get_object(self, account_id: str | None, bucket: str, key: str) -> bytes:
        return b"".join(self.read(self.object_meta(account_id, bucket, key)))

    def delete_object(self, account_id: str | None, bucket: str, key: str) -> None:
        """Delete the object; deleting one that is not there succeeds, as in OSS."""
        with self._store.transaction():
            self.writable(account_id, bucket)
            meta = self.records.object(bucket, key)
            if meta is None:
                return
            self.records.delete_object(bucket, key)
        self.blobs.remove(meta.blob)

    def copy_object(
        self,
        account_id: str | None,
        source: tuple[str, str],
        target: tuple[str, str],
        content_type: str | None = None,
        user_meta: dict[str, str] | None = None,
    ) -> ObjectMeta:
        """Copy ``source`` (bucket, key) to ``target``; metadata is the source's unless
        ``content_type``/``user_meta`` replace it."""
        original = self.object_meta(account_id, *source)
        found = self.writable(account_id, target[0])
        check_object_key(target[1])
        blob = self.blobs.stage_name()
        # blobs never change once written, so a hard link is a full, durable copy
        os.link(self.blobs.path(original.blob), self.blobs.path(blob))
        meta = replace(
            original,
            bucket=target[0],
            key=target[1],
            blob=blob,
            last_modified=oss_time(self._clock),
            content_type=content_type or original.content_type,
            user_meta=original.user_meta if user_meta is None else dict(user_meta),
        )
        self._install(found.owner, meta)
        return meta

    def list_objects(self, account_id: str | None, bucket: str, prefix: str = "") -> list[str]:
        """Every key in the bucket that starts with ``prefix``, in order."""
        found = self.readable(account_id, bucket)
        return sorted(
            k for k in self.records.object_keys(found.owner, bucket) if k.startswith(prefix)
        )

    def list_page(
        self,
        account_id: str | None,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        start_after: str = "",
        max_keys: int = 100,
    ) -> tuple[Listing, list[ObjectMeta]]:
        found = self.readable(account_id, bucket)
        keys = self.records.object_keys(found.owner, bucket)
        listing = list_page(keys, prefix, delimiter, start_after, max_keys)
        metas = [m for m in (self.records.object(bucket, k) for k in listing.keys) if m]
        return listing, metas

    def install(self, owner: str, meta: ObjectMeta) -> None:
        """Record ``meta`` (its blob already durable), dropping the bytes it replaces."""
        self._install(owner, meta)

    def _install(self, owner: str, meta: ObjectMeta) -> None:
        try:
            with self._store.transaction():
                previous = self.records.object(meta.bucket, meta.key)
                self.records.put_object(owner, meta)
        except BaseException:
            self.blobs.remove(meta.blob)
            raise
        if previous is not None and previous.blob != meta.blob:
            self.blobs.remove(previous.blob)

"""Multipart uploads: parts are separate blobs until Complete joins them into one object."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from ecsim.clock import Clock
from ecsim.model.oss import ObjectMeta, Part, Upload, check_object_key
from ecsim.model.oss_errors import InvalidArgument, InvalidPart, InvalidPartOrder, NoSuchUpload
from ecsim.store.base import Store

if TYPE_CHECKING:
    from ecsim.control.object_storage import ObjectStorage
    from ecsim.control.oss_blobs import StagedBlob

__all__ = ["MultipartUploads"]

MAX_PART_NUMBER = 10000
# every part but the last must be at least this big (the OSS rule)
MIN_PART_SIZE = 100 * 1024


class MultipartUploads:
    def __init__(self, store: Store, clock: Clock, objects: ObjectStorage) -> None:
        self._store = store
        self._clock = clock
        self._objects = objects

    def initiate(
        self, account_id: str | None, bucket: str, key: str, content_type: str | None
    ) -> Upload:
        from ecsim.control.object_storage import DEFAULT_CONTENT_TYPE, oss_time

        check_object_key(key)
        found = self._objects.writable(account_id, bucket)
        upload = Upload(
            upload_id=uuid.uuid4().hex.upper(),
            bucket=bucket,
            key=key,
            initiated=oss_time(self._clock),
            content_type=content_type or DEFAULT_CONTENT_TYPE,
        )
        self._objects.records.put_upload(found.owner, upload)
        return upload

    def upload(self, account_id: str | None, bucket: str, key: str, upload_id: str) -> Upload:
        self._objects.writable(account_id, bucket)
        upload = self._objects.records.upload(upload_id)
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise NoSuchUpload(upload_id)
        return upload

    def upload_part(
        self,
        account_id: str | None,
        bucket: str,
        key: str,
        upload_id: str,
        number: int,
        staged: StagedBlob,
    ) -> Part:
        from ecsim.control.object_storage import oss_time

        if not 1 <= number <= MAX_PART_NUMBER:
            raise InvalidArgument(
                f"Part number must be an integer between 1 and {MAX_PART_NUMBER}."
            )
        owner = self._objects.writable(account_id, bucket).owner
        digest = staged.digest
        with self._store.transaction():
            upload = self.upload(account_id, bucket, key, upload_id)
            blob = staged.commit()
            part = Part(
                number,
                digest.size,
                f'"{digest.md5_hex()}"',
                digest.crc64(),
                blob,
                oss_time(self._clock),
            )
            replaced = upload.parts.get(number)
            self._objects.records.put_upload(
                owner, replace(upload, parts={**upload.parts, number: part})
            )
        if replaced is not None:
            self._objects.blobs.remove(replaced.blob)
        return part

    def complete(
        self,
        account_id: str | None,
        bucket: str,
        key: str,
        upload_id: str,
        chosen: list[tuple[int, str]],
    ) -> ObjectMeta:
        """Join the parts named by (number, etag), in ascending order, into the object."""
        owner = self._objects.writable(account_id, bucket).owner
        upload = self.upload(account_id, bucket, key, upload_id)
        numbers = [n for n, _ in chosen]
        if not chosen:
            raise InvalidPart()
        if numbers != sorted(set(numbers)):
            raise InvalidPartOrder()
        parts: list[Part] = []
        for number, etag in chosen:
            part = upload.parts.get(number)
            if part is None or part.etag.strip('"').upper() != etag.strip('"').upper():
                raise InvalidPart()
            parts.append(part)
        if any(p.size < MIN_PART_SIZE for p in parts[:-1]):
            raise InvalidArgument("Each part except the last must be at least 100 KB.")
        staged = self._objects.stage()
        try:
            combined = hashlib.md5(usedforsecurity=False)
            for part in parts:
                combined.update(bytes.fromhex(part.etag.strip('"')))
                for chunk in self._objects.blobs.read(part.blob):
                    staged.write(chunk)
            meta = self._objects.store_staged(account_id, bucket, key, staged, upload.content_type)
        finally:
            staged.discard()
        meta = replace(
            meta, etag=f'"{combined.hexdigest().upper()}-{len(parts)}"', kind="Multipart"
        )
        with self._store.transaction():
            self._objects.records.put_object(owner, meta)
            self._objects.records.delete_upload(upload_id)
        for part in upload.parts.values():
            self._objects.blobs.remove(part.blob)
        return meta

    def abort(self, account_id: str | None, bucket: str, key: str, upload_id: str) -> None:
        upload = self.upload(account_id, bucket, key, upload_id)
        self._objects.records.delete_upload(upload_id)
        for part in upload.parts.values():
            self._objects.blobs.remove(part.blob)

"""OSS buckets, objects and multipart uploads: plain values, with the naming rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from ecsim.model.oss_errors import InvalidArgument, InvalidBucketName, InvalidObjectName

__all__ = [
    "Bucket",
    "BucketAcl",
    "ObjectMeta",
    "Part",
    "Upload",
    "check_bucket_name",
    "check_object_key",
]

# 3-63 characters: lower-case letters, digits and hyphens, starting and ending with a letter
# or digit (the OSS rule).
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_MAX_KEY_BYTES = 1023


class BucketAcl(StrEnum):
    PRIVATE = "private"
    PUBLIC_READ = "public-read"
    PUBLIC_READ_WRITE = "public-read-write"

    @classmethod
    def parse(cls, text: str | None) -> BucketAcl:
        if not text:
            return cls.PRIVATE
        try:
            return cls(text)
        except ValueError:
            raise InvalidArgument(f"no such bucket access control exists: {text}") from None


def check_bucket_name(name: str) -> str:
    if not _BUCKET_NAME.match(name):
        raise InvalidBucketName(name)
    return name


def check_object_key(key: str) -> str:
    size = len(key.encode("utf-8", "surrogatepass"))
    if size == 0 or size > _MAX_KEY_BYTES or key.startswith("/") or "\\" in key:
        raise InvalidObjectName()
    return key


@dataclass(frozen=True)
class Bucket:
    name: str
    owner: str
    acl: BucketAcl
    created_at: str

    def readable_by(self, account_id: str | None) -> bool:
        return account_id == self.owner or self.acl is not BucketAcl.PRIVATE

    def writable_by(self, account_id: str | None) -> bool:
        return account_id == self.owner or self.acl is BucketAcl.PUBLIC_READ_WRITE


@dataclass(frozen=True)
class ObjectMeta:
    bucket: str
    key: str
    size: int
    # quoted upper-case hex, as OSS returns it ("<md5 of part md5s>-N" after multipart)
    etag: str
    crc64: int | None
    content_type: str
    last_modified: str
    # the file under the storage root that holds the bytes
    blob: str
    user_meta: dict[str, str] = field(default_factory=dict)
    kind: str = "Normal"


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str
    crc64: int | None
    blob: str
    last_modified: str


@dataclass(frozen=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: str
    content_type: str
    parts: dict[int, Part] = field(default_factory=dict)

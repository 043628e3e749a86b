"""The OSS error codes ecsim answers with (OSS spells them this way; oss2 maps them by name).

They are ``EcsError`` subclasses so that code outside the OSS app (the FaaS build reading a
design from a bucket) can catch them like any other error; the OSS app renders them as XML.
"""

from __future__ import annotations

from ecsim.errors import EcsError

__all__ = [
    "AccessDenied",
    "BucketAlreadyExists",
    "BucketNotEmpty",
    "InvalidArgument",
    "InvalidBucketName",
    "InvalidDigest",
    "InvalidObjectName",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidRange",
    "MalformedXML",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "OssError",
]


class OssError(EcsError):
    """An OSS error; the base stands for a request OSS itself would refuse."""

    code = "InvalidRequest"
    http_status = 400


class NoSuchBucket(OssError):
    code = "NoSuchBucket"
    http_status = 404

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        super().__init__("The specified bucket does not exist.")


class NoSuchKey(OssError):
    code = "NoSuchKey"
    http_status = 404

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__("The specified key does not exist.")


class NoSuchUpload(OssError):
    code = "NoSuchUpload"
    http_status = 404

    def __init__(self, upload_id: str) -> None:
        super().__init__(
            f"The specified upload {upload_id} does not exist. The upload ID may be invalid, "
            "or the upload may have been aborted or completed."
        )


class BucketNotEmpty(OssError):
    code = "BucketNotEmpty"
    http_status = 409

    def __init__(self, bucket: str) -> None:
        super().__init__(f"The bucket {bucket} you tried to delete is not empty.")


class BucketAlreadyExists(OssError):
    code = "BucketAlreadyExists"
    http_status = 409

    def __init__(self, bucket: str) -> None:
        super().__init__(f"The requested bucket name {bucket} is not available.")


class AccessDenied(OssError):
    code = "AccessDenied"
    http_status = 403

    def __init__(self, message: str = "You have no right to access this object.") -> None:
        super().__init__(message)


class InvalidBucketName(OssError):
    code = "InvalidBucketName"
    http_status = 400

    def __init__(self, bucket: str) -> None:
        super().__init__(f"The specified bucket {bucket!r} is not valid.")


class InvalidObjectName(OssError):
    code = "InvalidObjectName"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The object name is not valid: 1 to 1023 UTF-8 bytes, no leading /.")


class InvalidArgument(OssError):
    code = "InvalidArgument"
    http_status = 400


class InvalidPart(OssError):
    code = "InvalidPart"
    http_status = 400

    def __init__(self) -> None:
        super().__init__(
            "One or more of the specified parts could not be found or the specified entity "
            "tag might not have matched the part's entity tag."
        )


class InvalidPartOrder(OssError):
    code = "InvalidPartOrder"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The list of parts was not in ascending order.")


class InvalidRange(OssError):
    code = "InvalidRange"
    http_status = 416

    def __init__(self) -> None:
        super().__init__("The requested range cannot be satisfied.")


class MalformedXML(OssError):
    code = "MalformedXML"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The XML you provided was not well-formed.")


class InvalidDigest(OssError):
    code = "InvalidDigest"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The Content-MD5 you specified is not valid.")

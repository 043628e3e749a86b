"""OSS V1 signatures (``Authorization: OSS <ak>:<sig>``) and presigned URLs.

The string to sign is ``VERB\\nContent-MD5\\nContent-Type\\nDate\\n``, the ``x-oss-*``
headers sorted (``name:value\\n`` each), then ``/bucket/key`` with the sub-resources of the
query sorted (``k`` alone when empty, ``k=v`` otherwise), exactly as oss2 builds it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from email.utils import parsedate_to_datetime

from ecsim.api.oss.request import OssRequest
from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.errors import EcsError
from ecsim.model.oss_errors import AccessDenied, OssError

__all__ = ["OssAuthenticator", "string_to_sign"]

SKEW_SECONDS = 15 * 60

# the query parameters oss2 signs (its _subresource_key_set)
_SUBRESOURCE_NAMES = (
    "acl uploadId uploads partNumber group link delete website location objectInfo objectMeta "
    "response-content-type response-content-language response-cache-control logging "
    "response-content-encoding response-expires response-content-disposition cors lifecycle "
    "restore qos referer stat bucketInfo append position security-token live comp status vod "
    "startTime endTime x-oss-process symlink callback callback-var tagging encryption "
    "versions versioning versionId policy requestPayment x-oss-traffic-limit qosInfo "
    "asyncFetch x-oss-request-payer sequential inventory inventoryId continuation-token worm "
    "wormId wormExtend replication replicationLocation replicationProgress "
    "transferAcceleration cname metaQuery resourceGroup style styleName regionList"
)
SUBRESOURCES = frozenset(_SUBRESOURCE_NAMES.split())


class SignatureMismatch(OssError):
    code = "SignatureDoesNotMatch"
    http_status = 403

    def __init__(self, signed: str) -> None:
        self.string_to_sign = signed
        super().__init__(
            "The request signature we calculated does not match the signature you provided."
            " Check your key and signing method."
        )


class InvalidAccessKeyId(OssError):
    code = "InvalidAccessKeyId"
    http_status = 403

    def __init__(self, access_key_id: str) -> None:
        self.access_key_id = access_key_id
        super().__init__("The OSS Access Key Id you provided does not exist in our records.")


class RequestTimeTooSkewed(OssError):
    code = "RequestTimeTooSkewed"
    http_status = 403

    def __init__(self) -> None:
        super().__init__(
            "The difference between the request time and the current time is too large."
        )


def string_to_sign(request: OssRequest, date: str) -> str:
    oss_headers = sorted(
        (name, value.strip())
        for name, value in request.headers.items()
        if name.startswith("x-oss-")
    )
    resource = f"/{request.bucket}/{request.key}" if request.bucket else "/"
    subresources = sorted((k, v) for k, v in request.query.items() if k in SUBRESOURCES)
    if subresources:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subresources)
    lines = [
        request.method,
        request.header("content-md5"),
        request.header("content-type"),
        date,
        "".join(f"{k}:{v}\n" for k, v in oss_headers) + resource,
    ]
    return "\n".join(lines)


def _signature(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode("utf-8", "surrogateescape"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


class OssAuthenticator:
    def __init__(self, accounts: Accounts, clock: Clock, *, verify: bool) -> None:
        self._accounts = accounts
        self._clock = clock
        self._verify = verify

    def account_of(self, request: OssRequest) -> str | None:
        """The caller's account, or None for an anonymous request."""
        authorization = request.header("authorization")
        if authorization:
            return self._header(request, authorization)
        if "OSSAccessKeyId" in request.query:
            return self._presigned(request)
        return None

    def _header(self, request: OssRequest, authorization: str) -> str:
        scheme, _, credential = authorization.partition(" ")
        access_key_id, _, given = credential.partition(":")
        if scheme != "OSS" or not access_key_id or not given:
            raise AccessDenied("Only OSS V1 signatures (OSS ak:signature) are supported.")
        secret, account_id = self._key(access_key_id)
        date = request.header("x-oss-date") or request.header("date")
        if self._verify:
            self._check_date(date)
            signed = string_to_sign(request, date)
            if not hmac.compare_digest(_signature(secret, signed), given):
                raise SignatureMismatch(signed)
        return account_id

    def _presigned(self, request: OssRequest) -> str:
        query = dict(request.query)
        access_key_id = query.pop("OSSAccessKeyId")
        expires = query.pop("Expires", "")
        given = query.pop("Signature", "")
        secret, account_id = self._key(access_key_id)
        if self._verify:
            if not expires.isdigit() or int(expires) < self._clock.now().timestamp():
                raise AccessDenied("Request has expired.")
            unsigned = OssRequest(
                request.method, request.bucket, request.key, query, request.headers, request.receive
            )
            signed = string_to_sign(unsigned, expires)
            if not hmac.compare_digest(_signature(secret, signed), given):
                raise SignatureMismatch(signed)
        return account_id

    def _key(self, access_key_id: str) -> tuple[str, str]:
        key = self._accounts.find_access_key(access_key_id)
        if key is None or key.status != "Active":
            raise InvalidAccessKeyId(access_key_id)
        return key.access_key_secret, key.account_id

    def _check_date(self, date: str) -> None:
        try:
            sent: datetime = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            raise AccessDenied("The Date header is missing or malformed.") from None
        if sent.tzinfo is None:
            raise AccessDenied("The Date header must be in GMT.")
        if abs((self._clock.now() - sent).total_seconds()) > SKEW_SECONDS:
            raise RequestTimeTooSkewed()


def error_details(error: EcsError) -> dict[str, str]:
    """Extra elements OSS puts in the XML of an authentication error."""
    if isinstance(error, SignatureMismatch):
        return {"StringToSign": error.string_to_sign}
    if isinstance(error, InvalidAccessKeyId):
        return {"OSSAccessKeyId": error.access_key_id}
    return {}

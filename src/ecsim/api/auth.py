"""Who sent a request: RPC V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) verification.

Order of checks, for both schemes: the parts are present, the AccessKey exists, the timestamp
is well formed and within the allowed skew, the signature matches, and only then the nonce is
spent (so a rejected request never burns a nonce).

Nonces live in memory for the replay window: after a restart the timestamp window still
bounds replays to the skew allowed.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ecsim import signing
from ecsim.api.intake import IncomingRequest
from ecsim.clock import Clock
from ecsim.errors import (
    EcsError,
    IllegalTimestamp,
    IncompleteSignature,
    InvalidAccessKeyIdNotFound,
    InvalidTimeStampExpired,
    MissingParameter,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
)
from ecsim.settings import Limits
from ecsim.store.base import AccessKeyRecord
from ecsim.times import parse_request_timestamp

__all__ = ["Authenticator", "KeyLookup", "NonceLedger", "Principal"]


@dataclass(frozen=True)
class Principal:
    account_id: str
    access_key_id: str


class KeyLookup(Protocol):
    def find_access_key(self, access_key_id: str) -> AccessKeyRecord | None: ...

    def root_principal(self) -> tuple[str, str]:
        """(account id, access key id) of the root account."""
        ...


class NonceLedger:
    """Nonces seen per AccessKey within the window; oldest entries fall out first."""

    def __init__(self, clock: Clock, window_seconds: float, capacity: int = 1_000_000) -> None:
        self._clock = clock
        self._window = window_seconds
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def spend(self, access_key_id: str, nonce: str) -> None:
        now = self._clock.monotonic()
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at <= self._window and len(self._seen) < self._capacity:
                break
            del self._seen[key]
        key = (access_key_id, nonce)
        if key in self._seen:
            raise SignatureNonceUsed()
        self._seen[key] = now


class Authenticator:
    def __init__(self, keys: KeyLookup, clock: Clock, limits: Limits, *, verify: bool) -> None:
        self._keys = keys
        self._clock = clock
        self._limits = limits
        self._verify = verify
        self._nonces = NonceLedger(clock, limits.nonce_window_seconds)

    def authenticate(self, request: IncomingRequest, params: Mapping[str, str]) -> Principal:
        authorization = request.headers.get("authorization", "")
        if not self._verify:
            return self._trusted(authorization, params)
        if authorization:
            return self._v3(request, authorization)
        return self._v1(request, params)

    # V1 -------------------------------------------------------------------------------------

    def _v1(self, request: IncomingRequest, params: Mapping[str, str]) -> Principal:
        for name in ("AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce"):
            if not params.get(name):
                raise MissingParameter(name)
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise IncompleteSignature(
                f"The signature method {params['SignatureMethod']!r} is not supported; "
                "use HMAC-SHA1."
            )
        if params.get("SignatureVersion", "1.0") != "1.0":
            raise IncompleteSignature("The signature version must be 1.0.")
        key = self._key(params["AccessKeyId"])
        self._check_time(params.get("Timestamp"), "Timestamp")
        string_to_sign = signing.rpc_string_to_sign(request.method, params)
        expected = signing.rpc_signature(key.access_key_secret, string_to_sign)
        if not _same(expected, params["Signature"]):
            raise SignatureDoesNotMatch(string_to_sign)
        self._nonces.spend(key.access_key_id, params["SignatureNonce"])
        return Principal(key.account_id, key.access_key_id)

    # V3 -------------------------------------------------------------------------------------

    def _v3(self, request: IncomingRequest, authorization: str) -> Principal:
        algorithm, _, rest = authorization.strip().partition(" ")
        if algorithm != signing.V3_ALGORITHM:
            raise IncompleteSignature(
                f"The signature algorithm {algorithm!r} is not supported; "
                f"use {signing.V3_ALGORITHM}."
            )
        parts: dict[str, str] = {}
        for piece in rest.split(","):
            name, sep, value = piece.strip().partition("=")
            if sep:
                parts[name] = value
        credential = parts.get("Credential", "")
        signed = parts.get("SignedHeaders", "")
        signature = parts.get("Signature", "")
        if not (credential and signed and signature):
            raise IncompleteSignature(
                "The Authorization header needs Credential, SignedHeaders and Signature."
            )
        headers = request.headers
        for name in ("x-acs-signature-nonce", "x-acs-content-sha256"):
            if not headers.get(name):
                raise MissingParameter(name)
        signed_headers = [h.strip().lower() for h in signed.split(";") if h.strip()]
        unsigned = [
            h
            for h in headers
            if (h == "host" or h.startswith("x-acs-")) and h not in signed_headers
        ]
        if unsigned:
            raise IncompleteSignature(f"These headers must be signed: {';'.join(unsigned)}.")
        key = self._key(credential)
        self._check_time(headers.get("x-acs-date"), "x-acs-date")
        content_sha256 = headers["x-acs-content-sha256"]
        if content_sha256 != "UNSIGNED-PAYLOAD" and not _same(
            content_sha256, signing.sha256_hex(request.body)
        ):
            raise IncompleteSignature(
                "The x-acs-content-sha256 header does not match the SHA-256 of the body."
            )
        canonical = signing.v3_canonical_request(
            request.method, request.path, request.query(), headers, signed_headers, content_sha256
        )
        string_to_sign = signing.v3_string_to_sign(canonical)
        expected = signing.v3_signature(key.access_key_secret, string_to_sign)
        if not _same(expected, signature.lower()):
            raise SignatureDoesNotMatch(string_to_sign.replace("\n", "\\n"))
        self._nonces.spend(key.access_key_id, headers["x-acs-signature-nonce"])
        return Principal(key.account_id, key.access_key_id)

    # shared ---------------------------------------------------------------------------------

    def _key(self, access_key_id: str) -> AccessKeyRecord:
        key = self._keys.find_access_key(access_key_id)
        if key is None:
            raise InvalidAccessKeyIdNotFound()
        if key.status != "Active":
            raise EcsError(
                "The Access Key is disabled.", code="Forbidden.AccessKeyDisabled", http_status=403
            )
        return key

    def _check_time(self, text: str | None, name: str) -> None:
        if not text:
            raise MissingParameter(name)
        moment = parse_request_timestamp(text)
        if moment is None:
            raise IllegalTimestamp(
                f'The input parameter "{name}" does not match the format '
                "YYYY-MM-DDThh:mm:ssZ (UTC)."
            )
        skew = abs((self._clock.now() - moment).total_seconds())
        if skew > self._limits.timestamp_skew_seconds:
            raise InvalidTimeStampExpired()

    def _trusted(self, authorization: str, params: Mapping[str, str]) -> Principal:
        """Signatures off: take the caller's word for who it is (local experiments only)."""
        access_key_id = params.get("AccessKeyId", "")
        if authorization and "Credential=" in authorization:
            access_key_id = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip()
        key = self._keys.find_access_key(access_key_id) if access_key_id else None
        if key is None:
            account_id, root_key = self._keys.root_principal()
            return Principal(account_id, root_key)
        return Principal(key.account_id, key.access_key_id)


def _same(expected: str, given: str) -> bool:
    # In constant time, and as bytes: compare_digest refuses str with non-ASCII characters,
    # which a client may well send.
    return hmac.compare_digest(expected.encode(), given.encode())

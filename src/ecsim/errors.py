"""Errors raised anywhere in ecsim and rendered in one place (``api.rpc``).

Tree::

    EcsError(code, message, http_status)       every error a client may see
    ├── MissingParameter                       400, names the parameter
    ├── InvalidParameter                       400, names the parameter
    ├── InvalidRegionIdNotFound                404
    ├── DryRunOperation                        400, the request would have succeeded
    ├── IdempotentParameterMismatch            400
    ├── InvalidActionNotFound                  404
    ├── InvalidVersion                         400
    ├── the authentication refusals            400/404
    └── InternalError                          500, an ecsim bug

Codes are spelled exactly as Alibaba Cloud spells them (misspellings included): clients compare
them as strings. Families define their own subclasses next to their use cases, or raise
``EcsError`` directly with a documented code.
"""

from __future__ import annotations

__all__ = [
    "DryRunOperation",
    "EcsError",
    "Forbidden",
    "IdempotentParameterMismatch",
    "IllegalTimestamp",
    "IncompleteSignature",
    "InternalError",
    "InvalidAccessKeyIdNotFound",
    "InvalidActionNotFound",
    "InvalidParameter",
    "InvalidRegionIdNotFound",
    "InvalidTimeStampExpired",
    "InvalidVersion",
    "MissingParameter",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
]


class EcsError(Exception):
    """An error with an ECS code, a message and the HTTP status it travels with."""

    code: str = "InternalError"
    message: str = "The request processing has failed due to some unknown error."
    http_status: int = 500

    def __init__(
        self, message: str | None = None, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        if http_status is not None:
            self.http_status = http_status
        super().__init__(f"{self.code}: {self.message}")


class InternalError(EcsError):
    code = "InternalError"
    http_status = 500


class MissingParameter(EcsError):
    code = "MissingParameter"
    http_status = 400

    def __init__(self, name: str) -> None:
        self.parameter = name
        super().__init__(
            f'The input parameter "{name}" that is mandatory for processing this request '
            "is not supplied."
        )


class InvalidParameter(EcsError):
    """A value that does not fit its declaration; ``code`` may be the action's own code."""

    code = "InvalidParameter"
    http_status = 400

    def __init__(
        self,
        name: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.parameter = name
        message = f'The specified parameter "{name}" is not valid.'
        if detail:
            message = f"{message} {detail}"
        super().__init__(message, code=code, http_status=http_status)


class InvalidRegionIdNotFound(EcsError):
    code = "InvalidRegionId.NotFound"
    message = "The specified RegionId does not exist."
    http_status = 404


class DryRunOperation(EcsError):
    code = "DryRunOperation"
    message = "Request validation has been passed with DryRun flag set."
    http_status = 400


class IdempotentParameterMismatch(EcsError):
    code = "IdempotentParameterMismatch"
    message = "The specified parameters are different from before."
    http_status = 400


class InvalidActionNotFound(EcsError):
    code = "InvalidAction.NotFound"
    message = "Specified api is not found, please check your url and method."
    http_status = 404


class InvalidVersion(EcsError):
    # The gateway's answer to a Version it does not serve (reference §1.4, InvalidParameter).
    code = "InvalidParameter"
    message = 'The specified parameter "Action or Version" is not valid.'
    http_status = 400


class Forbidden(EcsError):
    code = "Forbidden"
    message = "User not authorized to operate on the specified resource."
    http_status = 403


class InvalidAccessKeyIdNotFound(EcsError):
    code = "InvalidAccessKeyId.NotFound"
    message = "Specified access key is not found."
    http_status = 404


class SignatureDoesNotMatch(EcsError):
    code = "SignatureDoesNotMatch"
    http_status = 400

    def __init__(self, string_to_sign: str) -> None:
        # aliyunsdkcore splits this message on ':' and compares the tail with its own
        # string-to-sign, so exactly one ':' must precede it.
        super().__init__(
            "Specified signature is not matched with our calculation. "
            f"server string to sign is:{string_to_sign}"
        )


class IncompleteSignature(EcsError):
    code = "IncompleteSignature"
    message = "The request signature does not conform to Aliyun standards."
    http_status = 400


class InvalidTimeStampExpired(EcsError):
    code = "InvalidTimeStamp.Expired"
    message = "Specified time stamp or date value is expired."
    http_status = 400


class IllegalTimestamp(EcsError):
    code = "IllegalTimestamp"
    message = (
        'The input parameter "Timestamp" that is mandatory for processing this request '
        "is not supplied or has an invalid format."
    )
    http_status = 400


class SignatureNonceUsed(EcsError):
    code = "SignatureNonceUsed"
    message = "Specified signature nonce was used already."
    http_status = 400

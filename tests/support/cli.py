"""Calls to ecsim's own admin API, signed as the CLI signs them."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from ecsim import signing

ROOT_KEY = ("ecsim", "ecsim-secret")


def signed_v1_call(
    url: str, params: dict[str, str], key: tuple[str, str] = ROOT_KEY
) -> tuple[int, dict[str, Any]]:
    """POST a V1-signed form request; returns (HTTP status, JSON body)."""
    full = {
        "AccessKeyId": key[0],
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Format": "JSON",
        **params,
    }
    full["Signature"] = signing.rpc_signature(key[1], signing.rpc_string_to_sign("POST", full))
    request = urllib.request.Request(
        url + "/",
        data=urlencode(full).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def create_account(url: str, name: str | None = None) -> dict[str, Any]:
    params = {"Action": "CreateAccount", "Version": "2026-01-01"}
    if name:
        params["AccountName"] = name
    status, body = signed_v1_call(url, params)
    assert status == 200, body
    return body

"""Authentication against the running server: the official SDKs, then hand-signed requests
with one thing broken at a time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

from ecsim import signing
from ecsim.api.products import ECS
from tests.api.signed import (
    Reply,
    create_account,
    raw_exchange,
    send,
    timestamp,
    v1_params,
    v3_headers,
)
from tests.support.clients import acs_client, tea_ecs
from tests.support.server import RunningServer, start_server

BAD_SECRET = ("ecsim", "not-the-secret")
UNKNOWN_KEY = ("LTAInobodyhasthiskey", "whatever")
OTHER_SHA256 = signing.sha256_hex(b"other")


def assert_error(reply: Reply, status: int, code: str, *, names: str | None = None) -> None:
    body = reply.json()
    assert (reply.status, body.get("Code")) == (status, code), body
    assert body["RequestId"] and body["HostId"] and body["Recommend"]
    if names is not None:
        assert f'"{names}"' in body["Message"]


def v3_send(server: RunningServer, headers: dict[str, str], **kw: Any) -> Reply:
    return send(server.url, headers=headers, **kw)


# the official SDKs --------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_tea_sdk_signs_correctly(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, signature=signature)
    response = client.describe_regions(ecs_models.DescribeRegionsRequest(accept_language="en-US"))
    assert response.status_code == 200
    assert response.body.regions.region


def test_v1_sdk_signs_correctly(server: RunningServer) -> None:
    body = json.loads(
        acs_client(server.endpoint).do_action_with_exception(DescribeRegionsRequest())
    )
    assert body["Regions"]["Region"] and "Code" not in body


@pytest.mark.parametrize("signature", ["v3", "v2"])
@pytest.mark.parametrize(
    ("key", "status", "code"),
    [
        (UNKNOWN_KEY, 404, "InvalidAccessKeyId.NotFound"),
        (BAD_SECRET, 400, "SignatureDoesNotMatch"),
    ],
    ids=["unknown-key", "wrong-secret"],
)
def test_tea_sdk_refused(
    server: RunningServer, key: tuple[str, str], status: int, code: str, signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    with pytest.raises(ClientException) as caught:
        client.describe_regions(ecs_models.DescribeRegionsRequest())
    assert (caught.value.status_code, caught.value.code) == (status, code)
    assert caught.value.request_id


def test_v1_sdk_unknown_key(server: RunningServer) -> None:
    with pytest.raises(ServerException) as caught:
        acs_client(server.endpoint, UNKNOWN_KEY).do_action_with_exception(DescribeRegionsRequest())
    assert caught.value.get_http_status() == 404
    assert caught.value.get_error_code() == "InvalidAccessKeyId.NotFound"


def test_v1_sdk_wrong_secret_is_recognised_by_the_client(server: RunningServer) -> None:
    # aliyunsdkcore compares the string to sign in our message with its own and, as they are
    # equal, tells the user the secret is wrong.
    with pytest.raises(ServerException) as caught:
        acs_client(server.endpoint, BAD_SECRET).do_action_with_exception(DescribeRegionsRequest())
    assert caught.value.get_http_status() == 400
    assert caught.value.get_error_code() == "InvalidAccessKeySecret"


# where V1 parameters travel -----------------------------------------------------------------


def test_v1_get_all_in_query(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", method="GET")
    assert send(server.url, method="GET", query=params).status == 200


def test_v1_post_all_in_form_body(server: RunningServer) -> None:
    # @alicloud/pop-core with {method: 'POST'}: the URL is "/", everything is in the body.
    params = v1_params("DescribeRegions", {"AcceptLanguage": "en-US"})
    reply = send(server.url, body=params)
    assert reply.status == 200, reply.body
    names = {r["RegionId"]: r["LocalName"] for r in reply.json()["Regions"]["Region"]}
    assert names["cn-hangzhou"] == "China (Hangzhou)"


def test_v1_query_and_form_merged(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"AcceptLanguage": "en-US", "Tag.1.Key": "a b+c"})
    in_form = {k: params.pop(k) for k in ("AcceptLanguage", "Tag.1.Key", "Signature")}
    reply = send(server.url, query=params, body=in_form)
    assert reply.status == 200, reply.body


def test_v1_signed_for_post_sent_as_get(server: RunningServer) -> None:
    reply = send(server.url, method="GET", query=v1_params("DescribeRegions", method="POST"))
    assert_error(reply, 400, "SignatureDoesNotMatch")
    assert "server string to sign is:GET&%2F&" in reply.json()["Message"]


def test_v1_form_body_is_ignored_without_form_content_type(server: RunningServer) -> None:
    params = v1_params("DescribeRegions")
    reply = send(
        server.url, body=json.dumps(params).encode(), headers={"content-type": "application/json"}
    )
    assert_error(reply, 400, "MissingParameter", names="Action")


# V1 refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Signature", "AccessKeyId", "SignatureNonce", "Timestamp"])
def test_v1_missing_part(server: RunningServer, name: str) -> None:
    if name == "Signature":
        params = v1_params("DescribeRegions")
        del params["Signature"]
    else:
        params = v1_params("DescribeRegions", **{name: None})
    assert_error(send(server.url, query=params), 400, "MissingParameter", names=name)


@pytest.mark.parametrize(
    "overrides",
    [{"SignatureMethod": "HMAC-SHA256"}, {"SignatureVersion": "2.0"}],
    ids=["method", "version"],
)
def test_v1_unsupported_algorithm(server: RunningServer, overrides: dict[str, str]) -> None:
    assert_error(
        send(server.url, query=v1_params("DescribeRegions", **overrides)),
        400,
        "IncompleteSignature",
    )


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60], ids=["past", "future"])
def test_v1_timestamp_expired(server: RunningServer, offset: int) -> None:
    params = v1_params("DescribeRegions", Timestamp=timestamp(offset))
    assert_error(send(server.url, query=params), 400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("offset", [-14 * 60, 14 * 60], ids=["past", "future"])
def test_v1_timestamp_within_skew(server: RunningServer, offset: int) -> None:
    params = v1_params("DescribeRegions", Timestamp=timestamp(offset))
    assert send(server.url, query=params).status == 200


@pytest.mark.parametrize(
    "value",
    ["2024-01-02 03:04:05", "yesterday", "2024-13-01T00:00:00Z", "2024-01-02T03:04:05+08:00"],
)
def test_v1_timestamp_malformed(server: RunningServer, value: str) -> None:
    params = v1_params("DescribeRegions", Timestamp=value)
    assert_error(send(server.url, query=params), 400, "IllegalTimestamp")


def test_v1_wrong_signature_message_carries_our_string_to_sign(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", key=BAD_SECRET)
    reply = send(server.url, query=params)
    assert_error(reply, 400, "SignatureDoesNotMatch")
    expected = signing.rpc_string_to_sign("POST", params)
    assert reply.json()["Message"].split(":", 1)[1] == expected


def test_v1_tampered_parameter(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"AcceptLanguage": "en-US"})
    params["AcceptLanguage"] = "ja"
    assert_error(send(server.url, query=params), 400, "SignatureDoesNotMatch")


# nonces -------------------------------------------------------------------------------------


def test_nonce_reused_by_the_same_key(server: RunningServer) -> None:
    nonce = uuid.uuid4().hex
    assert send(server.url, query=v1_params("DescribeRegions", SignatureNonce=nonce)).status == 200
    again = send(server.url, query=v1_params("DescribeRegions", SignatureNonce=nonce))
    assert_error(again, 400, "SignatureNonceUsed")
    # the same nonce in a V3 request of the same key
    headers = v3_headers(server.endpoint, "DescribeRegions", nonce=nonce)
    assert_error(v3_send(server, headers), 400, "SignatureNonceUsed")


def test_nonce_may_be_reused_by_another_key(server: RunningServer) -> None:
    other = create_account(server.url)
    nonce = uuid.uuid4().hex
    assert send(server.url, query=v1_params("DescribeRegions", SignatureNonce=nonce)).status == 200
    params = v1_params("DescribeRegions", key=other, SignatureNonce=nonce)
    assert send(server.url, query=params).status == 200


def test_refused_request_does_not_spend_its_nonce(server: RunningServer) -> None:
    nonce = uuid.uuid4().hex
    bad = v1_params("DescribeRegions", key=BAD_SECRET, SignatureNonce=nonce)
    assert_error(send(server.url, query=bad), 400, "SignatureDoesNotMatch")
    good = v1_params("DescribeRegions", SignatureNonce=nonce)
    assert send(server.url, query=good).status == 200


def test_v3_nonce_reused(server: RunningServer) -> None:
    nonce = uuid.uuid4().hex
    first = v3_headers(server.endpoint, "DescribeRegions", nonce=nonce)
    assert v3_send(server, first).status == 200
    second = v3_headers(server.endpoint, "DescribeRegions", nonce=nonce)
    assert_error(v3_send(server, second), 400, "SignatureNonceUsed")


# V3 -----------------------------------------------------------------------------------------


def test_v3_hand_signed_with_query_and_form_body(server: RunningServer) -> None:
    query = {"RegionId": "cn-hangzhou"}
    form = b"AcceptLanguage=en-US"
    headers = v3_headers(
        server.endpoint,
        "DescribeRegions",
        query,
        body=form,
        content_type="application/x-www-form-urlencoded",
    )
    reply = v3_send(server, headers, query=query, body=form)
    assert reply.status == 200, reply.body
    names = {r["RegionId"]: r["LocalName"] for r in reply.json()["Regions"]["Region"]}
    assert names["cn-hangzhou"] == "China (Hangzhou)"


def _drop_auth_part(part: str) -> Callable[[dict[str, str]], None]:
    def edit(headers: dict[str, str]) -> None:
        algorithm, _, rest = headers["authorization"].partition(" ")
        kept = [p for p in rest.split(",") if not p.startswith(f"{part}=")]
        headers["authorization"] = f"{algorithm} {','.join(kept)}"

    return edit


def _header(name: str, value: str | None) -> Callable[[dict[str, str]], None]:
    """Set a header after signing, or drop it (``None``)."""

    def edit(headers: dict[str, str]) -> None:
        if value is None:
            del headers[name]
        else:
            headers[name] = value

    return edit


def _rewrite_auth(old: str, new: str) -> Callable[[dict[str, str]], None]:
    def edit(headers: dict[str, str]) -> None:
        headers["authorization"] = headers["authorization"].replace(old, new)

    return edit


@pytest.mark.parametrize(
    ("edit", "status", "code", "names"),
    [
        (_drop_auth_part("Credential"), 400, "IncompleteSignature", None),
        (_drop_auth_part("SignedHeaders"), 400, "IncompleteSignature", None),
        (_drop_auth_part("Signature"), 400, "IncompleteSignature", None),
        (_rewrite_auth("ACS3-HMAC-SHA256 ", "ACS3-HMAC-SM3 "), 400, "IncompleteSignature", None),
        (_rewrite_auth("ACS3-HMAC-SHA256 ", "garbage "), 400, "IncompleteSignature", None),
        (_rewrite_auth("host;", ""), 400, "IncompleteSignature", None),
        (_header("x-acs-unsigned-extra", "1"), 400, "IncompleteSignature", None),
        (_header("x-acs-content-sha256", OTHER_SHA256), 400, "IncompleteSignature", None),
        (_header("x-acs-date", timestamp(-16 * 60)), 400, "InvalidTimeStamp.Expired", None),
        (_header("x-acs-date", "2024-01-02T03:04"), 400, "IllegalTimestamp", None),
        (_header("x-acs-date", None), 400, "MissingParameter", "x-acs-date"),
        (_header("x-acs-signature-nonce", None), 400, "MissingParameter", "x-acs-signature-nonce"),
        (_header("x-acs-action", "DescribeZones"), 400, "SignatureDoesNotMatch", None),
        (_rewrite_auth("=ecsim,", "=LTAInobody,"), 404, "InvalidAccessKeyId.NotFound", None),
    ],
    ids=[
        "no-credential",
        "no-signed-headers",
        "no-signature",
        "unsupported-algorithm",
        "garbage-algorithm",
        "host-not-signed",
        "unsigned-x-acs-header",
        "content-sha256-mismatch",
        "date-expired",
        "date-malformed",
        "no-date",
        "no-nonce",
        "tampered-signed-header",
        "unknown-key",
    ],
)  # fmt: skip
def test_v3_refused(
    server: RunningServer,
    edit: Callable[[dict[str, str]], None],
    status: int,
    code: str,
    names: str | None,
) -> None:
    headers = v3_headers(server.endpoint, "DescribeRegions")
    edit(headers)
    assert_error(v3_send(server, headers), status, code, names=names)


def test_v3_body_differs_from_its_hash(server: RunningServer) -> None:
    headers = v3_headers(server.endpoint, "DescribeRegions", body=b"AcceptLanguage=en-US")
    reply = v3_send(server, headers, body=b"AcceptLanguage=ja")
    assert_error(reply, 400, "IncompleteSignature")


def test_v3_wrong_secret_message(server: RunningServer) -> None:
    headers = v3_headers(server.endpoint, "DescribeRegions", key=BAD_SECRET)
    reply = v3_send(server, headers)
    assert_error(reply, 400, "SignatureDoesNotMatch")
    assert "server string to sign is:ACS3-HMAC-SHA256\\n" in reply.json()["Message"]


def test_v3_tampered_query(server: RunningServer) -> None:
    headers = v3_headers(server.endpoint, "DescribeRegions", {"AcceptLanguage": "en-US"})
    reply = v3_send(server, headers, query={"AcceptLanguage": "ja"})
    assert_error(reply, 400, "SignatureDoesNotMatch")


# signatures off -----------------------------------------------------------------------------


def test_no_verify_signatures_lets_unsigned_requests_through(tmp_path: Path) -> None:
    running = start_server(tmp_path, ["--no-verify-signatures"])
    try:
        unsigned = send(running.url, query={"Action": "DescribeRegions", "Version": ECS.version})
        assert unsigned.status == 200, unsigned.body
        forged = v1_params("DescribeRegions", key=BAD_SECRET, Timestamp="long ago")
        assert send(running.url, query=forged).status == 200
        headers = {"x-acs-action": "DescribeRegions", "x-acs-version": ECS.version}
        assert send(running.url, headers=headers).status == 200
    finally:
        running.stop()


# values no client sends -----------------------------------------------------------------------


def test_v1_non_ascii_signature(server: RunningServer) -> None:
    params = v1_params("DescribeRegions")
    params["Signature"] = "é" * 28
    assert_error(send(server.url, query=params), 400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("header", ["authorization", "x-acs-content-sha256"])
def test_v3_non_ascii_header(server: RunningServer, header: str) -> None:
    headers = v3_headers(server.endpoint, "DescribeRegions")
    if header == "authorization":
        headers[header] = headers[header][:-4] + "éééé"
    else:
        headers[header] = "é" * 64
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST / HTTP/1.1\r\n{lines}Content-Length: 0\r\n\r\n".encode()
    reply, _ = raw_exchange(server.url, request)
    code = "SignatureDoesNotMatch" if header == "authorization" else "IncompleteSignature"
    assert_error(reply, 400, code)

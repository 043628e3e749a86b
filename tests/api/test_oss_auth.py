"""OSS V1 signatures: wrong secrets, unknown keys, stale dates, presigned URLs, junk input."""

from __future__ import annotations

import email.utils
import time

import httpx
import oss2
import pytest

from tests.api.oss_clients import new_bucket, oss_bucket, oss_service
from tests.support.clients import ROOT_KEY
from tests.support.server import RunningServer


def test_a_wrong_secret_is_signature_does_not_match_with_the_string_to_sign(
    server: RunningServer,
) -> None:
    bucket = new_bucket(server.url, "sig")
    wrong = oss_bucket(server.url, bucket.bucket_name, (ROOT_KEY[0], "not-the-secret"))
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        wrong.put_object("k", b"x")
    assert (caught.value.status, caught.value.code) == (403, "SignatureDoesNotMatch")
    assert caught.value.details["StringToSign"].startswith("PUT\n")
    assert caught.value.request_id
    assert not bucket.object_exists("k")


def test_an_unknown_access_key_is_invalid_access_key_id(server: RunningServer) -> None:
    service = oss_service(server.url, ("no-such-key", "whatever"))
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        service.list_buckets()
    assert (caught.value.status, caught.value.code) == (403, "InvalidAccessKeyId")


def test_a_head_refusal_carries_its_error_in_x_oss_err(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "headerr")
    wrong = oss_bucket(server.url, bucket.bucket_name, (ROOT_KEY[0], "nope"))
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        wrong.head_object("k")
    assert (caught.value.status, caught.value.code) == (403, "SignatureDoesNotMatch")


def test_a_date_older_than_15_minutes_is_request_time_too_skewed(server: RunningServer) -> None:
    stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
    answer = httpx.get(
        f"{server.url}/", headers={"Date": stale, "Authorization": f"OSS {ROOT_KEY[0]}:AAAA"}
    )
    assert answer.status_code == 403
    assert "<Code>RequestTimeTooSkewed</Code>" in answer.text


def test_a_presigned_url_reads_until_it_expires(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "presign")
    bucket.put_object("k", b"signed")
    url = bucket.sign_url("GET", "k", 60)
    assert httpx.get(url).content == b"signed"
    tampered = url.replace("Signature=", "Signature=x")
    assert httpx.get(tampered).status_code == 403


def test_anonymous_requests_to_a_private_bucket_are_access_denied(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "anon")
    bucket.put_object("k", b"x")
    answer = httpx.get(f"{server.url}/{bucket.bucket_name}/k")
    assert answer.status_code == 403
    assert "<Code>AccessDenied</Code>" in answer.text


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("PATCH", "/somebucket/k", {}),
        ("GET", "/x/k", {}),
        ("PUT", "/somebucket/k", {"Authorization": "OSS broken"}),
        ("PUT", "/somebucket/k", {"Authorization": "OSS4-HMAC-SHA256 Credential=x"}),
        ("GET", "/somebucket/k", {"Authorization": f"OSS {ROOT_KEY[0]}:x", "Date": "garbage"}),
        ("POST", "/somebucket/k?uploadId=x", {"Date": "x"}),
    ],
)
def test_junk_requests_get_an_xml_error_never_a_500(
    server: RunningServer, method: str, path: str, headers: dict[str, str]
) -> None:
    answer = httpx.request(method, f"{server.url}{path}", headers=headers, content=b"body")
    assert 400 <= answer.status_code < 500
    assert "<Error>" in answer.text
    assert answer.headers["x-oss-request-id"]

"""Objects through oss2: put, get (whole and ranges), head, exists, delete, copy, metadata."""

from __future__ import annotations

import hashlib
import os

import oss2
import pytest

from tests.api.oss_clients import new_bucket
from tests.support.server import RunningServer


def test_put_then_get_returns_the_bytes_with_an_upper_case_md5_etag(
    server: RunningServer,
) -> None:
    bucket = new_bucket(server.url, "put")
    data = b"design bytes " * 1000
    put = bucket.put_object("designs/a.tar", data)
    assert put.etag == hashlib.md5(data).hexdigest().upper()
    assert put.crc is not None  # oss2 compared it with its own CRC-64
    got = bucket.get_object("designs/a.tar")
    assert got.read() == data
    assert got.etag == put.etag
    assert got.content_length == len(data)
    assert got.headers["x-oss-request-id"]


def test_keys_with_slashes_spaces_and_unicode_round_trip(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "names")
    for key in ("a/b/c d.txt", "中文/檔案.bin", "plus+and%percent", "trailing/"):
        bucket.put_object(key, key.encode())
        assert bucket.get_object(key).read() == key.encode()


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [((0, 3), b"0123"), ((5, None), b"56789"), ((None, 3), b"789"), ((8, 100), b"89")],
)
def test_range_reads_answer_206_with_the_part(
    server: RunningServer, byte_range: tuple[int | None, int | None], expected: bytes
) -> None:
    bucket = new_bucket(server.url, "range")
    bucket.put_object("digits", b"0123456789")
    got = bucket.get_object("digits", byte_range=byte_range)
    assert got.status == 206
    assert got.read() == expected
    assert got.headers["Content-Range"].endswith("/10")


def test_a_range_past_the_end_is_refused_with_416(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "range416")
    bucket.put_object("digits", b"0123456789")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.get_object("digits", byte_range=(20, 30))
    assert caught.value.status == 416
    assert caught.value.code == "InvalidRange"


def test_head_and_exists_and_delete(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "head")
    bucket.put_object("k", b"abc", headers={"Content-Type": "text/plain", "x-oss-meta-who": "me"})
    head = bucket.head_object("k")
    assert head.content_length == 3
    assert head.content_type == "text/plain"
    assert head.headers["x-oss-meta-who"] == "me"
    assert bucket.object_exists("k")
    assert bucket.get_object_meta("k").content_length == 3
    result = bucket.delete_object("k")
    assert result.status == 204
    assert not bucket.object_exists("k")
    # deleting what is not there succeeds, as in OSS
    assert bucket.delete_object("k").status == 204


def test_missing_key_is_no_such_key_404(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "nokey")
    with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
        bucket.get_object("absent")
    assert caught.value.status == 404
    assert caught.value.request_id
    with pytest.raises(oss2.exceptions.NotFound):
        bucket.head_object("absent")


def test_overwrite_replaces_the_bytes(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "overwrite")
    bucket.put_object("k", b"first")
    bucket.put_object("k", b"second")
    assert bucket.get_object("k").read() == b"second"


def test_copy_within_and_across_buckets(server: RunningServer) -> None:
    source = new_bucket(server.url, "copysrc")
    target = new_bucket(server.url, "copydst")
    source.put_object("orig", b"payload", headers={"x-oss-meta-a": "1"})
    copied = target.copy_object(source.bucket_name, "orig", "dup")
    assert copied.etag == hashlib.md5(b"payload").hexdigest().upper()
    assert target.get_object("dup").read() == b"payload"
    assert target.head_object("dup").headers["x-oss-meta-a"] == "1"
    source.copy_object(
        source.bucket_name, "orig", "same", headers={"x-oss-metadata-directive": "REPLACE"}
    )
    assert "x-oss-meta-a" not in source.head_object("same").headers
    # the copy outlives its source
    source.delete_object("orig")
    assert target.get_object("dup").read() == b"payload"


def test_copy_of_a_missing_source_is_no_such_key(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "copymiss")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.copy_object(bucket.bucket_name, "absent", "dup")


def test_a_wrong_content_md5_stores_nothing(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "md5")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.put_object("k", b"abc", headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
    assert (caught.value.status, caught.value.code) == (400, "InvalidDigest")
    assert not bucket.object_exists("k")


def test_an_empty_object(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "empty")
    bucket.put_object("empty", b"")
    assert bucket.get_object("empty").read() == b""
    assert bucket.head_object("empty").content_length == 0


def test_a_body_larger_than_the_rpc_limit_streams_through(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "large")
    data = os.urandom(9 * 1024 * 1024)
    bucket.put_object("large", data)
    got = bucket.get_object("large")
    assert got.read() == data
    assert got.server_crc == got.client_crc

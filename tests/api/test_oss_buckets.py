"""Buckets through oss2: create with ACL, list, info, ACL, delete only when empty, isolation."""

from __future__ import annotations

import httpx
import oss2
import pytest

from tests.api.oss_clients import (
    bucket_name,
    new_bucket,
    oss_bucket,
    oss_service,
    other_account_key,
)
from tests.support.server import RunningServer


def test_create_with_acl_then_list_and_read_it(server: RunningServer) -> None:
    bucket = oss_bucket(server.url, bucket_name("acl"))
    bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    assert bucket.get_bucket_acl().acl == "public-read"
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    assert bucket.get_bucket_acl().acl == "private"
    names = [b.name for b in oss2.BucketIterator(oss_service(server.url))]
    assert bucket.bucket_name in names
    info = bucket.get_bucket_info()
    assert info.name == bucket.bucket_name
    assert info.acl.grant == "private"


def test_a_bad_acl_is_invalid_argument(server: RunningServer) -> None:
    bucket = oss_bucket(server.url, bucket_name("badacl"))
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.create_bucket("everyone")
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("name", ["UPPER", "ab", "-lead", "trail-", "under_score", "a" * 64])
def test_bad_bucket_names_are_refused(server: RunningServer, name: str) -> None:
    # oss2 refuses these names itself, so the request is sent by hand
    answer = httpx.put(f"{server.url}/{name}/", content=b"")
    assert answer.status_code == 400
    assert "<Code>InvalidBucketName</Code>" in answer.text
    assert answer.headers["x-oss-request-id"]


def test_delete_only_when_empty(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "del")
    bucket.put_object("k", b"x")
    with pytest.raises(oss2.exceptions.BucketNotEmpty) as caught:
        bucket.delete_bucket()
    assert caught.value.status == 409
    bucket.delete_object("k")
    assert bucket.delete_bucket().status == 204
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.get_object("k")


def test_a_pending_multipart_upload_keeps_the_bucket(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "delmp")
    upload_id = bucket.init_multipart_upload("big").upload_id
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        bucket.delete_bucket()
    bucket.abort_multipart_upload("big", upload_id)
    bucket.delete_bucket()


def test_missing_bucket_is_no_such_bucket_404(server: RunningServer) -> None:
    bucket = oss_bucket(server.url, bucket_name("absent"))
    with pytest.raises(oss2.exceptions.NoSuchBucket) as caught:
        bucket.put_object("k", b"x")
    assert caught.value.status == 404


def test_creating_ones_own_bucket_again_succeeds(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "again")
    bucket.put_object("k", b"kept")
    bucket.create_bucket()
    assert bucket.get_object("k").read() == b"kept"


def test_another_account_cannot_take_or_read_a_private_bucket(server: RunningServer) -> None:
    mine = new_bucket(server.url, "iso")
    mine.put_object("secret", b"s")
    key = other_account_key(server.url)
    theirs = oss_bucket(server.url, mine.bucket_name, key)
    with pytest.raises(oss2.exceptions.ServerError) as taken:
        theirs.create_bucket()
    assert (taken.value.status, taken.value.code) == (409, "BucketAlreadyExists")
    for attempt in (
        lambda: theirs.get_object("secret"),
        lambda: theirs.put_object("x", b"x"),
        lambda: theirs.delete_object("secret"),
        lambda: theirs.get_bucket_acl(),
        lambda: theirs.delete_bucket(),
        lambda: list(oss2.ObjectIterator(theirs)),
    ):
        with pytest.raises(oss2.exceptions.AccessDenied) as caught:
            attempt()
        assert caught.value.status == 403
    names = [b.name for b in oss2.BucketIterator(oss_service(server.url, key))]
    assert mine.bucket_name not in names
    assert mine.get_object("secret").read() == b"s"


def test_public_read_lets_others_and_anonymous_read_but_not_write(
    server: RunningServer,
) -> None:
    mine = new_bucket(server.url, "pub")
    mine.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    mine.put_object("open", b"o")
    theirs = oss_bucket(server.url, mine.bucket_name, other_account_key(server.url))
    assert theirs.get_object("open").read() == b"o"
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), server.url, mine.bucket_name)
    assert anonymous.get_object("open").read() == b"o"
    with pytest.raises(oss2.exceptions.AccessDenied):
        theirs.put_object("x", b"x")
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.put_object("x", b"x")

"""OSS pieces without a server: listing pages, virtual-host names, checksums, ranges."""

from __future__ import annotations

import pytest

from ecsim.api.oss.objects import _range
from ecsim.api.oss.request import host_bucket
from ecsim.control.oss_checksums import Digest, crc64_available
from ecsim.control.oss_listing import list_page
from ecsim.model.oss import BucketAcl, check_bucket_name, check_object_key
from ecsim.model.oss_errors import (
    InvalidArgument,
    InvalidBucketName,
    InvalidObjectName,
    InvalidRange,
)

KEYS = ["b/2", "a/1", "c", "a/b/3"]


def test_list_page_orders_and_groups() -> None:
    page = list_page(KEYS, "", "/", "", 100)
    assert (page.keys, page.prefixes, page.truncated) == (["c"], ["a/", "b/"], False)


def test_list_page_truncates_and_resumes_after_a_prefix() -> None:
    first = list_page(KEYS, "", "/", "", 1)
    assert (first.prefixes, first.truncated, first.next_start) == (["a/"], True, "a/")
    second = list_page(KEYS, "", "/", first.next_start, 5)
    assert (second.keys, second.prefixes) == (["c"], ["b/"])


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("mybucket.oss.local:8080", "mybucket"),
        ("127.0.0.1:8080", None),
        ("localhost:8080", None),
        ("oss.local", None),
        ("[::1]:8080", None),
        ("UP.oss.local", None),
    ],
)
def test_host_bucket(host: str, bucket: str | None) -> None:
    assert host_bucket(host) == bucket


def test_digest_matches_oss2_crc64() -> None:
    if not crc64_available():
        pytest.skip("crcmod is not installed")
    digest = Digest()
    digest.update(b"hello ")
    digest.update(b"world")
    assert digest.crc64() == 5981764153023615706
    assert digest.md5_hex() == "5EB63BBBE01EEED093CB22BB8F5ACDC3"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("bytes=0-3", (0, 3)),
        ("bytes=5-", (5, 9)),
        ("bytes=-3", (7, 9)),
        ("bytes=8-100", (8, 9)),
        ("bytes=3-1", None),
        ("bytes=a-b", None),
        ("bytes=0-1,3-4", None),
    ],
)
def test_range(text: str, span: tuple[int, int] | None) -> None:
    assert _range(text, 10) == span


def test_range_past_the_end() -> None:
    with pytest.raises(InvalidRange):
        _range("bytes=10-", 10)


def test_names_and_acls() -> None:
    assert check_bucket_name("abc-1") == "abc-1"
    with pytest.raises(InvalidBucketName):
        check_bucket_name("a_b")
    with pytest.raises(InvalidObjectName):
        check_object_key("/lead")
    with pytest.raises(InvalidObjectName):
        check_object_key("x" * 1024)
    assert BucketAcl.parse(None) is BucketAcl.PRIVATE
    with pytest.raises(InvalidArgument):
        BucketAcl.parse("open")

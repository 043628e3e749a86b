"""Listing a bucket through oss2: v1 and v2, prefix, delimiter, paging, url encoding."""

from __future__ import annotations

import oss2
import pytest

from tests.api.oss_clients import new_bucket
from tests.support.server import RunningServer

KEYS = ["a/1", "a/2", "a/b/3", "b/4", "c", "d e/5", "中/6"]


@pytest.fixture(scope="module")
def filled(server: RunningServer) -> oss2.Bucket:
    bucket = new_bucket(server.url, "list")
    for key in KEYS:
        bucket.put_object(key, key.encode())
    return bucket


def test_v1_and_v2_list_every_key_in_order(filled: oss2.Bucket) -> None:
    assert [o.key for o in oss2.ObjectIterator(filled)] == sorted(KEYS)
    assert [o.key for o in oss2.ObjectIteratorV2(filled)] == sorted(KEYS)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_paging_returns_each_key_once(filled: oss2.Bucket, page: int) -> None:
    v1 = [o.key for o in oss2.ObjectIterator(filled, max_keys=page)]
    v2 = [o.key for o in oss2.ObjectIteratorV2(filled, max_keys=page)]
    assert v1 == v2 == sorted(KEYS)


def test_delimiter_groups_common_prefixes(filled: oss2.Bucket) -> None:
    for result in (filled.list_objects(delimiter="/"), filled.list_objects_v2(delimiter="/")):
        assert [o.key for o in result.object_list] == ["c"]
        assert result.prefix_list == ["a/", "b/", "d e/", "中/"]


def test_prefix_with_delimiter(filled: oss2.Bucket) -> None:
    result = filled.list_objects_v2(prefix="a/", delimiter="/")
    assert [o.key for o in result.object_list] == ["a/1", "a/2"]
    assert result.prefix_list == ["a/b/"]


def test_paging_with_delimiter_counts_prefixes(filled: oss2.Bucket) -> None:
    seen = [o.key for o in oss2.ObjectIterator(filled, delimiter="/", max_keys=1)]
    assert seen == ["a/", "b/", "c", "d e/", "中/"]


def test_listed_entries_carry_size_and_etag(filled: oss2.Bucket) -> None:
    entry = next(o for o in filled.list_objects_v2(prefix="c").object_list)
    assert entry.size == 1
    assert entry.etag == filled.head_object("c").etag
    assert entry.type == "Normal"


def test_start_after_and_marker(filled: oss2.Bucket) -> None:
    assert [o.key for o in filled.list_objects(marker="b/4").object_list] == ["c", "d e/5", "中/6"]
    assert [o.key for o in filled.list_objects_v2(start_after="c").object_list] == [
        "d e/5",
        "中/6",
    ]


@pytest.mark.parametrize("max_keys", ["0", "1001", "x"])
def test_bad_max_keys_is_invalid_argument(filled: oss2.Bucket, max_keys: str) -> None:
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        filled.list_objects(max_keys=max_keys)  # type: ignore[arg-type]
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")


def test_a_bad_continuation_token_is_invalid_argument(filled: oss2.Bucket) -> None:
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        filled.list_objects_v2(continuation_token="!!!")
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")

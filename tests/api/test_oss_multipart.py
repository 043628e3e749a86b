"""Multipart uploads through oss2: parts, completion, listing parts, abort, refusals."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import oss2
import pytest
from oss2.models import PartInfo

from tests.api.oss_clients import new_bucket
from tests.support.server import RunningServer

PART = 100 * 1024


def test_upload_parts_and_complete_joins_them(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "mp")
    chunks = [os.urandom(PART), os.urandom(PART), b"tail"]
    upload_id = bucket.init_multipart_upload("design.tar").upload_id
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        result = bucket.upload_part("design.tar", upload_id, number, chunk)
        assert result.etag == hashlib.md5(chunk).hexdigest().upper()
        parts.append(PartInfo(number, result.etag))
    listed = bucket.list_parts("design.tar", upload_id)
    assert [p.part_number for p in listed.parts] == [1, 2, 3]
    assert [p.size for p in listed.parts] == [PART, PART, 4]
    done = bucket.complete_multipart_upload("design.tar", upload_id, parts)
    assert done.etag.endswith("-3")
    data = b"".join(chunks)
    got = bucket.get_object("design.tar")
    assert got.read() == data
    assert got.headers["x-oss-object-type"] == "Multipart"
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.list_parts("design.tar", upload_id)


def test_resumable_upload_of_a_file(server: RunningServer, tmp_path: Path) -> None:
    bucket = new_bucket(server.url, "resumable")
    path = str(tmp_path / "big.bin")
    data = os.urandom(3 * PART + 17)
    with open(path, "wb") as handle:
        handle.write(data)
    oss2.resumable_upload(
        bucket, "big.bin", path, multipart_threshold=PART, part_size=PART, num_threads=2
    )
    assert bucket.get_object("big.bin").read() == data


def test_abort_drops_the_parts(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "abort")
    upload_id = bucket.init_multipart_upload("k").upload_id
    bucket.upload_part("k", upload_id, 1, b"x")
    assert bucket.abort_multipart_upload("k", upload_id).status == 204
    with pytest.raises(oss2.exceptions.NoSuchUpload) as caught:
        bucket.upload_part("k", upload_id, 2, b"y")
    assert caught.value.status == 404
    assert not bucket.object_exists("k")


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ([PartInfo(1, "X"), PartInfo(1, "X")], "InvalidPartOrder"),
        ([PartInfo(1, "0" * 32)], "InvalidPart"),
        ([PartInfo(9, "0" * 32)], "InvalidPart"),
    ],
)
def test_bad_completions_store_nothing(
    server: RunningServer, parts: list[PartInfo], code: str
) -> None:
    bucket = new_bucket(server.url, "badmp")
    upload_id = bucket.init_multipart_upload("k").upload_id
    etag = bucket.upload_part("k", upload_id, 1, b"x").etag
    bucket.upload_part("k", upload_id, 2, b"y")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.complete_multipart_upload("k", upload_id, parts)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert not bucket.object_exists("k")
    # the upload is still there; this completion fails only because part 1 is under 100 KB
    with pytest.raises(oss2.exceptions.ServerError) as small:
        bucket.complete_multipart_upload("k", upload_id, [PartInfo(1, etag), PartInfo(2, "")])
    assert small.value.status == 400


def test_a_bad_part_number_is_invalid_argument(server: RunningServer) -> None:
    bucket = new_bucket(server.url, "partno")
    upload_id = bucket.init_multipart_upload("k").upload_id
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.upload_part("k", upload_id, 10001, b"x")
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")

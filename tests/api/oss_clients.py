"""oss2 pointed at a running ecsim: buckets of the root account or of a fresh one."""

from __future__ import annotations

import itertools
import os

import oss2

from tests.support.cli import create_account
from tests.support.clients import ROOT_KEY

_names = itertools.count()


def bucket_name(tag: str) -> str:
    """A bucket name no other test uses (bucket names are unique on the server)."""
    return f"t-{tag}-{os.getpid()}-{next(_names)}"


def oss_bucket(url: str, name: str, key: tuple[str, str] = ROOT_KEY) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(*key), url, name)


def oss_service(url: str, key: tuple[str, str] = ROOT_KEY) -> oss2.Service:
    return oss2.Service(oss2.Auth(*key), url)


def new_bucket(url: str, tag: str, key: tuple[str, str] = ROOT_KEY) -> oss2.Bucket:
    bucket = oss_bucket(url, bucket_name(tag), key)
    bucket.create_bucket()
    return bucket


def other_account_key(url: str) -> tuple[str, str]:
    created = create_account(url)
    return created["AccessKeyId"], created["AccessKeySecret"]

"""Accounts: the tenants of one ecsim; every resource belongs to exactly one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecsim.errors import EcsError

__all__ = ["Account", "AccountName", "NewAccount"]

# Login names look like e-mail addresses in Alibaba Cloud (``b@aliyun.com``); we accept any
# printable name without spaces so scripts can use short ones too.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class AccountName:
    value: str

    @classmethod
    def parse(cls, text: str) -> AccountName:
        if not _NAME.match(text):
            raise EcsError(
                "The account name must be 1-128 characters of letters, digits and . _ @ + -, "
                "starting with a letter or digit.",
                code="InvalidAccountName.Malformed",
                http_status=400,
            )
        return cls(text)


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str


@dataclass(frozen=True)
class NewAccount:
    """An account just created, with the only copy of its secret the caller will see."""

    account: Account
    access_key_id: str
    access_key_secret: str

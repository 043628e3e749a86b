"""SSH key pairs: a name per account and region, its public key and fingerprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["KeyPair"]


@dataclass(frozen=True)
class KeyPair:
    key_pair_id: str
    account_id: str
    region_id: str
    name: str
    # OpenSSH public key line ("ssh-rsa AAAA... comment")
    public_key: str
    # as ECS shows it: MD5 of the public key blob, colon-separated hex
    fingerprint: str
    created_at: datetime
    resource_group_id: str = ""

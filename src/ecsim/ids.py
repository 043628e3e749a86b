"""Resource ids with ECS's prefixes (``i-``, ``sg-``, ``vpc-`` ...) and request ids."""

from __future__ import annotations

import random
import string
import uuid

__all__ = ["PREFIXES", "IdFactory"]

# ECS prefixes by resource kind (reference §1.7).
PREFIXES: dict[str, str] = {
    "instance": "i-",
    "security_group": "sg-",
    "security_group_rule": "sgr-",
    "vpc": "vpc-",
    "vswitch": "vsw-",
    "vrouter": "vrt-",
    "route_table": "vtb-",
    "disk": "d-",
    "snapshot": "s-",
    "image": "m-",
    "eip": "eip-",
    "eni": "eni-",
    "snapshot_policy": "sp-",
    "key_pair": "kp-",
    "task": "t-",
}

_ALPHABET = string.ascii_lowercase + string.digits
_KEY_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """Makes ids; seed it for reproducible tests."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()

    def new(self, kind: str) -> str:
        # Real ids are the prefix and 20 lower-case alphanumerics (e.g. i-bp67acfmxazb4ph...).
        return PREFIXES[kind] + "".join(self._random.choices(_ALPHABET, k=20))

    def request_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4)).upper()

    def access_key_id(self) -> str:
        return "LTAI" + "".join(self._random.choices(_KEY_ALPHABET, k=20))

    def access_key_secret(self) -> str:
        return "".join(self._random.choices(_KEY_ALPHABET, k=30))

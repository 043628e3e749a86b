"""SSH key pairs: create (a real key), import, describe, delete, attach and detach.

A key pair is named per account and region; the name is its id in every call. CreateKeyPair
generates an RSA key and returns the private half once (it is never stored); ImportKeyPair
takes a public key in the forms ``control.key_material`` reads. A key pair attached to
instances cannot be deleted; which instance holds which key is ``control.key_pair_bindings``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecsim.clock import Clock
from ecsim.control.compute_repositories import KeyPairRepository, key_pair_not_found
from ecsim.control.error_builders import fixed
from ecsim.control.images import Images
from ecsim.control.key_material import (
    PublicKey,
    generate_rsa_key,
    normalize_fingerprint,
    parse_public_key,
)
from ecsim.control.key_pair_bindings import InstanceOutcome, KeyPairBindings
from ecsim.control.quotas import check_quota
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.model.key_pair import KeyPair
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.base import Store, TagOwner
from ecsim.store.codecs import key_pairs as codec

__all__ = [
    "MAX_DELETE_NAMES",
    "CreatedKeyPair",
    "KeyPairQuery",
    "KeyPairView",
    "KeyPairs",
    "NewKeyPair",
    "check_key_pair_name",
]

# Alibaba's default quota of key pairs per account and region.
# DeleteKeyPairs takes at most this many names.
MAX_DELETE_NAMES = 100

# 2-128 characters: a letter or Chinese character first, then letters, Chinese, digits, : _ -
_NAME = re.compile(r"[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff:_-]{1,127}")

_malformed_name = fixed(
    "Specified Key Pair name is not valid.", code="InvalidKeyPairName.Malformed", http_status=400
)
_already_exists = fixed("The key pair already exist.", code="KeyPair.AlreadyExist", http_status=400)
_quota_exceeded = fixed("The key pair quota exceeds.", code="QuotaExceed.KeyPair", http_status=403)
_malformed_public_key = fixed(
    "The PublicKeyBody format is not supported.",
    code="InvalidPublicKeyBody.Malformed",
    http_status=400,
)
# AttachKeyPair / DetachKeyPair document this code with 400 (RunInstances with 404: ``get``).
_not_found = fixed(
    "The specified KeyPairName does not exist in our records.",
    code="InvalidKeyPairName.NotFound",
    http_status=400,
)
_bad_names = fixed(
    'The specified parameter "KeyPairNames" is not valid.',
    code="InvalidKeyPairNames.ValueNotSupported",
    http_status=400,
)
_too_many_names = fixed(
    "Exceeding the allowed amount of instance which will be deleted.",
    code="InstanceKeyPairLimitExceeded",
    http_status=403,
)
_still_attached = fixed(
    'The specified parameter "KeyPairNames" attached to instances can not be deleted.',
    code="InvalidParameter.KeypairAlreadyAttachedInstance",
    http_status=400,
)


def check_key_pair_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise _malformed_name()
    return name


@dataclass(frozen=True)
class NewKeyPair:
    name: str
    resource_group_id: str = ""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class CreatedKeyPair:
    key_pair: KeyPair
    # PEM; returned once, never stored
    private_key: str


@dataclass(frozen=True)
class KeyPairQuery:
    """DescribeKeyPairs filters; None filters nothing."""

    # ``*`` stands for any characters; without one, the exact name
    name: str | None = None
    fingerprint: str | None = None
    resource_group_id: str | None = None
    tags: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class KeyPairView:
    key_pair: KeyPair
    tags: Mapping[str, str]


class KeyPairs:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        tags: Tags,
    ) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._tags = tags
        self._key_pairs = KeyPairRepository(store)
        # Images tells Windows instances (which take no SSH key) from the others.
        self._bindings = KeyPairBindings(store, clock, Images(store, clock, tags))

    # -- create, import, delete

    def create(self, account_id: str, region_id: str, spec: NewKeyPair) -> CreatedKeyPair:
        self._check_new(account_id, region_id, spec.name)
        # refusals first: a 2048-bit key takes tens of milliseconds to make
        generated = generate_rsa_key()
        key_pair = self._add(account_id, region_id, spec, generated.public_key)
        return CreatedKeyPair(key_pair, generated.private_key_pem)

    def import_key(
        self, account_id: str, region_id: str, spec: NewKeyPair, public_key: str
    ) -> KeyPair:
        self._check_new(account_id, region_id, spec.name)
        try:
            parsed = parse_public_key(public_key)
        except ValueError:
            raise _malformed_public_key() from None
        return self._add(account_id, region_id, spec, parsed)

    def delete(self, account_id: str, region_id: str, names: Sequence[str]) -> None:
        """Delete the named key pairs; names that match none are ignored. One still
        attached to an instance fails the call, and nothing is deleted."""
        wanted = list(dict.fromkeys(names))
        if not wanted or any(not name for name in wanted):
            raise _bad_names()
        if len(wanted) > MAX_DELETE_NAMES:
            raise _too_many_names()
        found = [
            key_pair
            for name in wanted
            if (key_pair := self._key_pairs.named(account_id, region_id, name)) is not None
        ]
        held = self._bindings.holders(account_id, region_id)
        if any(key_pair.name in held for key_pair in found):
            raise _still_attached()
        for key_pair in found:
            self._key_pairs.remove(key_pair)
            self._tags.forget(codec.KIND, _record_id(key_pair))

    # -- lookups

    def get(self, account_id: str, region_id: str, name: str) -> KeyPair:
        """The caller's key pair ``name``, for RunInstances and CreateInstance
        (InvalidKeyPairName.NotFound, 404, as they document it)."""
        found = self._key_pairs.named(account_id, region_id, name)
        if found is None:
            raise key_pair_not_found()
        return found

    def describe(self, account_id: str, region_id: str, query: KeyPairQuery) -> list[KeyPairView]:
        tagged = (
            self._tags.matching(account_id, region_id, codec.KIND, query.tags)
            if query.tags
            else None
        )
        views: list[KeyPairView] = []
        for key_pair in self._key_pairs.owned_by(account_id, region_id):
            record_id = _record_id(key_pair)
            if (tagged is None or record_id in tagged) and _matches(key_pair, query):
                views.append(KeyPairView(key_pair, self._tags.of(codec.KIND, record_id)))
        return views

    # -- attach and detach

    def attach(
        self, account_id: str, region_id: str, name: str, instance_ids: Sequence[str]
    ) -> list[InstanceOutcome]:
        key_pair = self._require(account_id, region_id, name)
        return self._bindings.attach(account_id, region_id, key_pair.name, instance_ids)

    def detach(
        self, account_id: str, region_id: str, name: str, instance_ids: Sequence[str]
    ) -> list[InstanceOutcome]:
        key_pair = self._require(account_id, region_id, name)
        return self._bindings.detach(account_id, region_id, key_pair.name, instance_ids)

    # -- helpers

    def _check_new(self, account_id: str, region_id: str, name: str) -> None:
        check_key_pair_name(name)
        if self._key_pairs.named(account_id, region_id, name) is not None:
            raise _already_exists()
        existing = self._key_pairs.owned_by(account_id, region_id)
        check_quota(existing, self._limits.key_pairs_per_region, _quota_exceeded)

    def _add(
        self, account_id: str, region_id: str, spec: NewKeyPair, public_key: PublicKey
    ) -> KeyPair:
        key_pair = KeyPair(
            key_pair_id=self._ids.new("key_pair"),
            account_id=account_id,
            region_id=region_id,
            name=spec.name,
            public_key=public_key.openssh,
            fingerprint=public_key.fingerprint,
            created_at=self._clock.now(),
            resource_group_id=spec.resource_group_id,
        )
        self._key_pairs.save(key_pair)
        owner = TagOwner(account_id, region_id, codec.KIND, _record_id(key_pair))
        self._tags.attach(owner, spec.tags)
        return key_pair

    def _require(self, account_id: str, region_id: str, name: str) -> KeyPair:
        found = self._key_pairs.named(account_id, region_id, name)
        if found is None:
            raise _not_found()
        return found


def _record_id(key_pair: KeyPair) -> str:
    return codec.record_id(key_pair.account_id, key_pair.region_id, key_pair.name)


def _matches(key_pair: KeyPair, query: KeyPairQuery) -> bool:
    return (
        (query.name is None or _name_fits(query.name, key_pair.name))
        and (
            query.fingerprint is None
            or normalize_fingerprint(query.fingerprint)
            == normalize_fingerprint(key_pair.fingerprint)
        )
        and (
            query.resource_group_id is None or key_pair.resource_group_id == query.resource_group_id
        )
    )


def _name_fits(pattern: str, name: str) -> bool:
    """DescribeKeyPairs' KeyPairName: ``*`` is any run of characters (``*SshKey*``); a
    pattern without one is the exact name."""
    if "*" not in pattern:
        return pattern == name
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, name, re.DOTALL) is not None

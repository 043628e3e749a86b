"""The key pair use cases on an in-memory store; instances are saved directly through the
repository, as launched ones would be (key material has its own tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ecsim.clock import FrozenClock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.key_pairs import KeyPairQuery, KeyPairs, NewKeyPair, check_key_pair_name
from ecsim.control.tags import Tags
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import (
    InstanceStatus,
    ScheduledStatus,
)
from ecsim.model.tag import Tag
from ecsim.settings import Limits
from ecsim.store.codecs import key_pairs as codec
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import ACCOUNT, OTHER, REGION, an_instance

WINDOWS_IMAGE = "win2008r2_64_ent_sp1_zh-cn_40G_alibase_20181220.vhd"


def _openssh(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _expect(code: str, status: int, error: pytest.ExceptionInfo[EcsError]) -> None:
    assert (error.value.code, error.value.http_status) == (code, status)


# -- the use cases -------------------------------------------------------------------------------


@pytest.fixture
def key_pairs(store: SqliteStore, clock: FrozenClock) -> KeyPairs:
    return KeyPairs(store, IdFactory(seed=7), clock, Limits(), Tags(store))


@pytest.fixture
def instances(store: SqliteStore) -> InstanceRepository:
    return InstanceRepository(store)


def _import(
    key_pairs: KeyPairs,
    name: str,
    account_id: str = ACCOUNT,
    *,
    tags: tuple[Tag, ...] = (),
    resource_group_id: str = "",
) -> None:
    line = _openssh(ed25519.Ed25519PrivateKey.generate())
    spec = NewKeyPair(name, resource_group_id=resource_group_id, tags=tags)
    key_pairs.import_key(account_id, REGION, spec, line)


def _names(key_pairs: KeyPairs, query: KeyPairQuery | None = None) -> list[str]:
    views = key_pairs.describe(ACCOUNT, REGION, query or KeyPairQuery())
    return [view.key_pair.name for view in views]


def test_create_returns_the_private_key_once(key_pairs: KeyPairs, clock: FrozenClock) -> None:
    created = key_pairs.create(ACCOUNT, REGION, NewKeyPair("packer_1"))
    key_pair = created.key_pair
    assert key_pair.key_pair_id.startswith("kp-") and len(key_pair.key_pair_id) == 23
    assert key_pair.created_at == clock.now()
    private = serialization.load_pem_private_key(created.private_key.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert key_pair.public_key == _openssh(private)
    assert "PRIVATE" not in str(key_pairs.get(ACCOUNT, REGION, "packer_1"))


@pytest.mark.parametrize("name", ["ab", "Key:1_x-y", "中文密钥", "a" * 128])
def test_valid_names(name: str) -> None:
    assert check_key_pair_name(name) == name


@pytest.mark.parametrize(
    "name", ["a", "1key", "_key", "key.pem", "key pair", "a" * 129, "http://x"]
)
def test_malformed_names(key_pairs: KeyPairs, name: str) -> None:
    with pytest.raises(EcsError) as refused:
        key_pairs.create(ACCOUNT, REGION, NewKeyPair(name))
    _expect("InvalidKeyPairName.Malformed", 400, refused)


def test_duplicate_names_per_account_and_region(key_pairs: KeyPairs) -> None:
    _import(key_pairs, "shared")
    with pytest.raises(EcsError) as refused:
        _import(key_pairs, "shared")
    _expect("KeyPair.AlreadyExist", 400, refused)
    # another account, or another region, may use the name
    _import(key_pairs, "shared", account_id=OTHER)
    key_pairs.create(ACCOUNT, "cn-beijing", NewKeyPair("shared"))


def test_quota(store: SqliteStore, clock: FrozenClock) -> None:
    limits = Limits(key_pairs_per_region=2)
    key_pairs = KeyPairs(store, IdFactory(seed=7), clock, limits, Tags(store))
    _import(key_pairs, "k1")
    _import(key_pairs, "k2")
    with pytest.raises(EcsError) as refused:
        _import(key_pairs, "k3")
    _expect("QuotaExceed.KeyPair", 403, refused)


def test_import_refuses_a_bad_public_key(key_pairs: KeyPairs) -> None:
    with pytest.raises(EcsError) as refused:
        key_pairs.import_key(ACCOUNT, REGION, NewKeyPair("bad"), "ssh-rsa AAAA")
    _expect("InvalidPublicKeyBody.Malformed", 400, refused)
    assert _names(key_pairs) == []


def test_describe_filters(key_pairs: KeyPairs) -> None:
    _import(key_pairs, "web-SshKey", tags=(Tag("env", "prod"),))
    _import(key_pairs, "SshKey-db", resource_group_id="rg-1")
    _import(key_pairs, "other")
    assert _names(key_pairs) == ["web-SshKey", "SshKey-db", "other"]
    assert _names(key_pairs, KeyPairQuery(name="*SshKey*")) == ["web-SshKey", "SshKey-db"]
    assert _names(key_pairs, KeyPairQuery(name="SshKey*")) == ["SshKey-db"]
    assert _names(key_pairs, KeyPairQuery(name="*SshKey")) == ["web-SshKey"]
    assert _names(key_pairs, KeyPairQuery(name="SshKey")) == []
    assert _names(key_pairs, KeyPairQuery(resource_group_id="rg-1")) == ["SshKey-db"]
    assert _names(key_pairs, KeyPairQuery(tags={"env": "prod"})) == ["web-SshKey"]
    assert _names(key_pairs, KeyPairQuery(tags={"env": "dev"})) == []
    printed = key_pairs.get(ACCOUNT, REGION, "other").fingerprint
    assert _names(key_pairs, KeyPairQuery(fingerprint=printed.upper())) == ["other"]
    view = key_pairs.describe(ACCOUNT, REGION, KeyPairQuery(name="web-SshKey"))[0]
    assert view.tags == {"env": "prod"}


def test_get_refuses_with_the_launch_code(key_pairs: KeyPairs) -> None:
    with pytest.raises(EcsError) as refused:
        key_pairs.get(ACCOUNT, REGION, "missing")
    _expect("InvalidKeyPairName.NotFound", 404, refused)


def test_delete_ignores_unknown_names_and_forgets_tags(
    key_pairs: KeyPairs, store: SqliteStore
) -> None:
    _import(key_pairs, "gone", tags=(Tag("a", "b"),))
    _import(key_pairs, "kept")
    key_pairs.delete(ACCOUNT, REGION, ["gone", "never-was", "gone"])
    assert _names(key_pairs) == ["kept"]
    assert store.get_tags(codec.KIND, codec.record_id(ACCOUNT, REGION, "gone")) == {}


@pytest.mark.parametrize(
    ("names", "code", "status"),
    [
        ([], "InvalidKeyPairNames.ValueNotSupported", 400),
        ([""], "InvalidKeyPairNames.ValueNotSupported", 400),
        ([f"k{i}" for i in range(101)], "InstanceKeyPairLimitExceeded", 403),
    ],
)
def test_delete_refusals(key_pairs: KeyPairs, names: list[str], code: str, status: int) -> None:
    with pytest.raises(EcsError) as refused:
        key_pairs.delete(ACCOUNT, REGION, names)
    _expect(code, status, refused)


def test_a_key_pair_held_by_an_instance_is_not_deleted(
    key_pairs: KeyPairs, instances: InstanceRepository
) -> None:
    _import(key_pairs, "held")
    _import(key_pairs, "free")
    instances.save(an_instance("i-1", key_pair_name="held"))
    with pytest.raises(EcsError) as refused:
        key_pairs.delete(ACCOUNT, REGION, ["free", "held"])
    _expect("InvalidParameter.KeypairAlreadyAttachedInstance", 400, refused)
    assert _names(key_pairs) == ["held", "free"]


# -- attach and detach ---------------------------------------------------------------------------


def test_attach_sets_the_key_and_reports_each_instance(
    key_pairs: KeyPairs, instances: InstanceRepository
) -> None:
    _import(key_pairs, "kp")
    instances.save(an_instance("i-run"))
    instances.save(an_instance("i-stopped", status=InstanceStatus.STOPPED))
    instances.save(an_instance("i-pending", status=InstanceStatus.PENDING))
    instances.save(an_instance("i-theirs", account_id=OTHER))
    ids = ["i-run", "i-stopped", "i-pending", "i-theirs", "i-nowhere", "i-run"]
    outcomes = key_pairs.attach(ACCOUNT, REGION, "kp", ids)
    codes = {o.instance_id: (o.error.code if o.error else None) for o in outcomes}
    assert codes == {
        "i-run": None,
        "i-stopped": None,
        "i-pending": "IncorrectInstanceStatus",
        "i-theirs": "InvalidInstanceId.NotFound",
        "i-nowhere": "InvalidInstanceId.NotFound",
    }
    assert [o.instance_id for o in outcomes] == ids[:5]
    held = {i.instance_id: i.key_pair_name for i in instances.owned_by(ACCOUNT, REGION)}
    assert held == {"i-run": "kp", "i-stopped": "kp", "i-pending": ""}
    assert instances.get(OTHER, "i-theirs").key_pair_name == ""


def test_attach_waits_for_a_transition_to_settle(
    key_pairs: KeyPairs, instances: InstanceRepository, clock: FrozenClock
) -> None:
    _import(key_pairs, "kp")
    soon = clock.now() + timedelta(seconds=5)
    starting = replace(
        an_instance("i-1", status=InstanceStatus.STARTING),
        scheduled=(ScheduledStatus(InstanceStatus.RUNNING, soon),),
    )
    instances.save(starting)
    (outcome,) = key_pairs.attach(ACCOUNT, REGION, "kp", ["i-1"])
    assert outcome.error is not None and outcome.error.code == "IncorrectInstanceStatus"
    clock.advance(5)
    (outcome,) = key_pairs.attach(ACCOUNT, REGION, "kp", ["i-1"])
    assert outcome.succeeded


def test_attach_replaces_and_detach_clears_only_its_own_key(
    key_pairs: KeyPairs, instances: InstanceRepository
) -> None:
    _import(key_pairs, "first")
    _import(key_pairs, "second")
    instances.save(an_instance("i-1"))
    key_pairs.attach(ACCOUNT, REGION, "first", ["i-1"])
    key_pairs.attach(ACCOUNT, REGION, "second", ["i-1"])
    assert instances.get(ACCOUNT, "i-1").key_pair_name == "second"
    # detaching a key the instance does not hold succeeds and changes nothing
    (outcome,) = key_pairs.detach(ACCOUNT, REGION, "first", ["i-1"])
    assert outcome.succeeded and instances.get(ACCOUNT, "i-1").key_pair_name == "second"
    (outcome,) = key_pairs.detach(ACCOUNT, REGION, "second", ["i-1"])
    assert outcome.succeeded and instances.get(ACCOUNT, "i-1").key_pair_name == ""
    key_pairs.delete(ACCOUNT, REGION, ["first", "second"])


def test_windows_and_non_io_optimized_instances_fail_the_whole_call(
    key_pairs: KeyPairs, instances: InstanceRepository
) -> None:
    _import(key_pairs, "kp")
    instances.save(an_instance("i-linux"))
    instances.save(an_instance("i-win", image_id=WINDOWS_IMAGE))
    instances.save(an_instance("i-old", io_optimized=False))
    for method in (key_pairs.attach, key_pairs.detach):
        with pytest.raises(EcsError) as windows:
            method(ACCOUNT, REGION, "kp", ["i-linux", "i-win"])
        _expect("DependencyViolation.WindowsInstance", 403, windows)
        with pytest.raises(EcsError) as old:
            method(ACCOUNT, REGION, "kp", ["i-linux", "i-old"])
        _expect("DependencyViolation.IoOptimize", 400, old)
    assert instances.get(ACCOUNT, "i-linux").key_pair_name == ""


@pytest.mark.parametrize(
    ("ids", "code", "status"),
    [
        ([], "InvalidInstanceIds.ValueNotSupported", 400),
        ([""], "InvalidInstanceIds.ValueNotSupported", 400),
        ([f"i-{n}" for n in range(51)], "InstanceKeyPairLimitExceeded", 403),
    ],
)
def test_attach_refusals(key_pairs: KeyPairs, ids: list[str], code: str, status: int) -> None:
    _import(key_pairs, "kp")
    with pytest.raises(EcsError) as refused:
        key_pairs.attach(ACCOUNT, REGION, "kp", ids)
    _expect(code, status, refused)


def test_attach_and_detach_need_the_key_pair(key_pairs: KeyPairs) -> None:
    for method in (key_pairs.attach, key_pairs.detach):
        with pytest.raises(EcsError) as refused:
            method(ACCOUNT, REGION, "missing", ["i-1"])
        _expect("InvalidKeyPairName.NotFound", 400, refused)

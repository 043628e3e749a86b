"""Tags and the tag resources' lookups, over a real SqliteStore in memory."""

from __future__ import annotations

import pytest

from ecsim.control.tag_resources import (
    ECS_RESOURCE_TYPES,
    VPC_RESOURCE_TYPES,
    InvalidInstanceIdsNotFound,
    InvalidResourceIdNotFound,
    InvalidResourceTypeNotFound,
    in_vpc_terms,
)
from ecsim.control.tags import OperationDeniedQuotaExceed, TagCondition, Tags
from ecsim.errors import EcsError
from ecsim.model.tag import Tag
from ecsim.store.base import ResourceRecord, TagOwner
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1000000000000001"
OTHER = "1000000000000002"
REGION = "cn-hangzhou"


@pytest.fixture
def tags(store: SqliteStore) -> Tags:
    return Tags(store)


def _put(
    store: SqliteStore,
    resource_id: str,
    kind: str = "security_group",
    account: str = ACCOUNT,
    region: str = REGION,
) -> str:
    store.put_resource(ResourceRecord(kind, resource_id, account, region, {}))
    return resource_id


def _tags(*pairs: tuple[str, str]) -> list[Tag]:
    return [Tag(key, value) for key, value in pairs]


# -- resource types ----------------------------------------------------------------------------


def test_ecs_types_map_onto_store_kinds() -> None:
    assert ECS_RESOURCE_TYPES.named("securitygroup").kind == "security_group"
    assert ECS_RESOURCE_TYPES.named("eni").kind == "network_interface"
    assert ECS_RESOURCE_TYPES.named("keypair").kind == "key_pair"
    assert ECS_RESOURCE_TYPES.named("snapshotpolicy").kind == "snapshot_policy"
    assert ECS_RESOURCE_TYPES.named("instance").kind == "instance"


def test_vpc_types_are_looked_up_in_any_case() -> None:
    assert VPC_RESOURCE_TYPES.named("vpc").kind == "vpc"
    assert VPC_RESOURCE_TYPES.named("VSWITCH").kind == "vswitch"
    assert VPC_RESOURCE_TYPES.named("Eip").name == "EIP"


@pytest.mark.parametrize("name", ["vpc", "security_group", "", "instances"])
def test_unknown_ecs_type_is_refused(name: str) -> None:
    with pytest.raises(InvalidResourceTypeNotFound) as raised:
        ECS_RESOURCE_TYPES.named(name)
    assert (raised.value.code, raised.value.http_status) == ("InvalidResourceType.NotFound", 404)


def test_legacy_actions_know_fewer_types() -> None:
    assert ECS_RESOURCE_TYPES.named("disk", legacy=True).count_key == "Disk"
    with pytest.raises(InvalidResourceTypeNotFound):
        ECS_RESOURCE_TYPES.named("ddhcluster", legacy=True)
    assert len(ECS_RESOURCE_TYPES.legacy()) == 12


def test_vpc_terms_translate_shared_refusals() -> None:
    translated = in_vpc_terms(InvalidResourceIdNotFound())
    assert isinstance(translated, InvalidInstanceIdsNotFound)
    assert (translated.code, translated.http_status) == ("InvalidInstanceIds.NotFound", 400)
    other = EcsError("x", code="MissingParameter", http_status=400)
    assert in_vpc_terms(other) is other


# -- tag ---------------------------------------------------------------------------------------


def test_tag_adds_and_overwrites(store: SqliteStore, tags: Tags) -> None:
    group = _put(store, "sg-1")
    tags.tag(ACCOUNT, REGION, "security_group", [group], _tags(("a", "1"), ("b", "2")))
    tags.tag(ACCOUNT, REGION, "security_group", [group], _tags(("a", "9"), ("c", "")))
    assert tags.of("security_group", group) == {"a": "9", "b": "2", "c": ""}


def test_tag_with_one_missing_resource_tags_none(store: SqliteStore, tags: Tags) -> None:
    group = _put(store, "sg-1")
    with pytest.raises(InvalidResourceIdNotFound):
        tags.tag(ACCOUNT, REGION, "security_group", [group, "sg-missing"], _tags(("a", "1")))
    assert tags.of("security_group", group) == {}


@pytest.mark.parametrize(
    ("account", "region", "kind"),
    [
        (OTHER, REGION, "security_group"),
        (ACCOUNT, "cn-beijing", "security_group"),
        (ACCOUNT, REGION, "vpc"),
    ],
    ids=["other-account", "other-region", "other-kind"],
)
def test_tag_finds_only_the_callers_resource(
    store: SqliteStore, tags: Tags, account: str, region: str, kind: str
) -> None:
    group = _put(store, "sg-1")
    with pytest.raises(InvalidResourceIdNotFound):
        tags.tag(account, region, kind, [group], _tags(("a", "1")))
    assert tags.of("security_group", group) == {}


def test_tag_quota_counts_keys_kept_and_added(store: SqliteStore, tags: Tags) -> None:
    first, second = _put(store, "sg-1"), _put(store, "sg-2")
    existing = [Tag(f"k{n}", "v") for n in range(19)]
    tags.tag(ACCOUNT, REGION, "security_group", [second], existing)
    # overwriting a key adds nothing: still 19 + 1
    tags.tag(ACCOUNT, REGION, "security_group", [second], _tags(("k0", "new"), ("k19", "v")))
    with pytest.raises(OperationDeniedQuotaExceed) as raised:
        tags.tag(ACCOUNT, REGION, "security_group", [first, second], _tags(("extra", "v")))
    assert (raised.value.code, raised.value.http_status) == ("OperationDenied.QuotaExceed", 400)
    # the first resource had room, but the request is all or nothing
    assert tags.of("security_group", first) == {}
    assert len(tags.of("security_group", second)) == 20


def test_attach_keeps_its_quota(store: SqliteStore, tags: Tags) -> None:
    owner = TagOwner(ACCOUNT, REGION, "vpc", _put(store, "vpc-1", "vpc"))
    tags.attach(owner, [Tag(f"k{n}", "v") for n in range(20)])
    with pytest.raises(EcsError) as raised:
        tags.attach(owner, _tags(("one-more", "v")))
    assert raised.value.code == "OperationDenied.QuotaExceed"


def test_tag_names_a_resource_once_however_often_it_is_given(
    store: SqliteStore, tags: Tags
) -> None:
    group = _put(store, "sg-1")
    tags.tag(ACCOUNT, REGION, "security_group", [group, group], _tags(("a", "1")))
    assert tags.of("security_group", group) == {"a": "1"}


# -- untag and remove --------------------------------------------------------------------------


def test_untag_named_keys_or_all(store: SqliteStore, tags: Tags) -> None:
    first, second = _put(store, "sg-1"), _put(store, "sg-2")
    both = [first, second]
    tags.tag(ACCOUNT, REGION, "security_group", both, _tags(("a", "1"), ("b", "2"), ("c", "3")))
    tags.untag(ACCOUNT, REGION, "security_group", both, ["a", "absent"])
    assert tags.of("security_group", first) == {"b": "2", "c": "3"}
    tags.untag(ACCOUNT, REGION, "security_group", [second], None)
    assert tags.of("security_group", second) == {}
    assert tags.of("security_group", first) == {"b": "2", "c": "3"}


def test_untag_with_one_missing_resource_removes_nothing(store: SqliteStore, tags: Tags) -> None:
    group = _put(store, "sg-1")
    tags.tag(ACCOUNT, REGION, "security_group", [group], _tags(("a", "1")))
    with pytest.raises(InvalidResourceIdNotFound):
        tags.untag(ACCOUNT, REGION, "security_group", [group, "sg-missing"], None)
    assert tags.of("security_group", group) == {"a": "1"}


def test_remove_checks_the_value_when_given(store: SqliteStore, tags: Tags) -> None:
    group = _put(store, "sg-1")
    tags.tag(ACCOUNT, REGION, "security_group", [group], _tags(("a", "1"), ("b", "2"), ("c", "3")))
    tags.remove(ACCOUNT, REGION, "security_group", group, [("a", "other"), ("b", "2"), ("c", None)])
    assert tags.of("security_group", group) == {"a": "1"}


# -- rows, usage, conditions -------------------------------------------------------------------


def test_rows_one_per_resource_and_tag(store: SqliteStore, tags: Tags) -> None:
    first, second, third = (_put(store, f"sg-{n}") for n in (1, 2, 3))
    tags.tag(ACCOUNT, REGION, "security_group", [first], _tags(("env", "prod"), ("team", "a")))
    tags.tag(ACCOUNT, REGION, "security_group", [second], _tags(("env", "dev")))
    tags.tag(ACCOUNT, REGION, "security_group", [third], _tags(("team", "b")))

    def listed(ids: set[str] | None, *conditions: TagCondition) -> list[tuple[str, str, str]]:
        rows = tags.rows(ACCOUNT, REGION, "security_group", resource_ids=ids, conditions=conditions)
        return [(row.resource_id, row.key, row.value) for row in rows]

    assert listed({first}) == [(first, "env", "prod"), (first, "team", "a")]
    assert listed(None, TagCondition("env")) == [
        (first, "env", "prod"),
        (first, "team", "a"),
        (second, "env", "dev"),
    ]
    assert listed(None, TagCondition("env", ("dev",))) == [(second, "env", "dev")]
    assert listed(None, TagCondition("env"), TagCondition("team")) == listed({first})
    assert listed({third}, TagCondition("env")) == []


def test_rows_never_cross_accounts(store: SqliteStore, tags: Tags) -> None:
    mine, theirs = _put(store, "sg-1"), _put(store, "sg-2", account=OTHER)
    tags.tag(ACCOUNT, REGION, "security_group", [mine], _tags(("a", "1")))
    tags.tag(OTHER, REGION, "security_group", [theirs], _tags(("a", "1")))
    rows = tags.rows(ACCOUNT, REGION, "security_group", resource_ids={mine, theirs}, conditions=())
    assert [row.resource_id for row in rows] == [mine]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (TagCondition("env*", fuzzy=True), True),
        (TagCondition("*viro*", fuzzy=True), True),
        (TagCondition("env", fuzzy=True), False),
        (TagCondition("environment", ("pro*",), fuzzy=True), True),
        (TagCondition("environment", ("*duct*", "x"), fuzzy=True), True),
        (TagCondition("environment", ("dev*",), fuzzy=True), False),
        (TagCondition("env*"), False),
        (TagCondition("environment", ("production",)), True),
    ],
)
def test_condition_patterns(condition: TagCondition, expected: bool) -> None:
    assert condition.holds({"environment": "production"}) is expected


@pytest.mark.parametrize(
    ("key", "values"), [(None, ()), ("", ("a",)), ("env*", ("prod",))], ids=str
)
def test_fuzzy_filter_refuses_what_ecs_refuses(key: str | None, values: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        TagCondition.fuzzy_filter(key, values)


def test_usage_counts_resources_per_kind(store: SqliteStore, tags: Tags) -> None:
    group, disk = _put(store, "sg-1"), _put(store, "d-1", "disk")
    vpc = _put(store, "vpc-1", "vpc")
    tags.tag(ACCOUNT, REGION, "security_group", [group], _tags(("env", "prod"), ("a", "1")))
    tags.tag(ACCOUNT, REGION, "disk", [disk], _tags(("env", "prod")))
    tags.tag(ACCOUNT, REGION, "vpc", [vpc], _tags(("env", "prod")))
    kinds = {"security_group", "disk"}
    usage = tags.usage(ACCOUNT, REGION, kinds, resource_id=None, conditions=())
    assert [(u.key, u.value, dict(u.counts)) for u in usage] == [
        ("a", "1", {"security_group": 1}),
        ("env", "prod", {"security_group": 1, "disk": 1}),
    ]
    only_disk = tags.usage(ACCOUNT, REGION, kinds, resource_id=disk, conditions=())
    assert [(u.key, dict(u.counts)) for u in only_disk] == [("env", {"disk": 1})]
    filtered = tags.usage(ACCOUNT, REGION, kinds, resource_id=None, conditions=(TagCondition("a"),))
    assert [u.key for u in filtered] == ["a"]


def test_matching_still_filters_describe_calls(store: SqliteStore, tags: Tags) -> None:
    first, second = _put(store, "sg-1"), _put(store, "sg-2")
    tags.tag(ACCOUNT, REGION, "security_group", [first], _tags(("env", "prod"), ("team", "a")))
    tags.tag(ACCOUNT, REGION, "security_group", [second], _tags(("env", "dev")))
    assert tags.matching(ACCOUNT, REGION, "security_group", {"env": None}) == {first, second}
    assert tags.matching(ACCOUNT, REGION, "security_group", {"env": "prod", "team": None}) == {
        first
    }

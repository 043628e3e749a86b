"""Ids with ECS prefixes, request ids, and ECS time formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ecsim.clock import FrozenClock
from ecsim.ids import PREFIXES, IdFactory
from ecsim.times import format_minutes, format_seconds, parse_request_timestamp


@pytest.mark.parametrize("kind", sorted(PREFIXES))
def test_ids_have_ecs_prefixes(kind: str) -> None:
    ids = IdFactory()
    made = {ids.new(kind) for _ in range(50)}
    assert len(made) == 50
    for resource_id in made:
        assert re.fullmatch(re.escape(PREFIXES[kind]) + r"[a-z0-9]{20}", resource_id)


def test_seeded_ids_repeat() -> None:
    assert IdFactory(seed=1).new("instance") == IdFactory(seed=1).new("instance")


def test_request_ids_are_upper_case_uuids() -> None:
    request_id = IdFactory().request_id()
    assert re.fullmatch(
        r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", request_id
    )


def test_time_formats() -> None:
    moment = datetime(2017, 12, 10, 4, 4, 5, tzinfo=UTC)
    assert format_minutes(moment) == "2017-12-10T04:04Z"
    assert format_seconds(moment) == "2017-12-10T04:04:05Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123Z", datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)),
        ("2024-01-02 03:04:05", None),
        ("2024-13-02T03:04:05Z", None),
        ("2024-01-02T03:04:05+08:00", None),
        ("yesterday", None),
        ("2024-01-02T03:04:05Z\n", None),
        ("\u0662\u0660\u0662\u0664-01-02T03:04:05Z", None),
        ("", None),
    ],
)
def test_parse_request_timestamp(text: str, expected: datetime | None) -> None:
    assert parse_request_timestamp(text) == expected


def test_frozen_clock_advances() -> None:
    clock = FrozenClock()
    start, mono = clock.now(), clock.monotonic()
    clock.advance(90)
    assert (clock.now() - start).total_seconds() == 90
    assert clock.monotonic() - mono == 90


def test_limits_from_overrides() -> None:
    from ecsim.settings import Limits, limits_from

    limits = limits_from(["security_groups_per_region=2000", "rules-per-security-group=5"])
    assert limits.security_groups_per_region == 2000
    assert limits.rules_per_security_group == 5
    assert limits.vpcs_per_region == Limits().vpcs_per_region
    for bad in ("nope=1", "security_groups_per_region", "vpcs_per_region=x", "vpcs_per_region=-1"):
        with pytest.raises(ValueError):
            limits_from([bad])

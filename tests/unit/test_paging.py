"""PageNumber/PageSize and NextToken/MaxResults paging."""

from __future__ import annotations

from typing import Any

import pytest

from ecsim.api.paging import number_page, page_params, token_page, token_params
from ecsim.api.params import parse_params
from ecsim.errors import InvalidParameter

ITEMS = list(range(25))


@pytest.mark.parametrize(
    ("params", "items", "number", "size"),
    [
        ({}, list(range(10)), 1, 10),
        ({"PageNumber": 2, "PageSize": 10}, list(range(10, 20)), 2, 10),
        ({"PageNumber": 3, "PageSize": 10}, list(range(20, 25)), 3, 10),
        ({"PageNumber": 4, "PageSize": 10}, [], 4, 10),
        ({"PageSize": 1000}, list(range(25)), 1, 50),
        ({"PageNumber": 2**31 - 1, "PageSize": 50}, [], 2**31 - 1, 50),
    ],
    ids=[
        "defaults",
        "second-page",
        "last-partial-page",
        "past-the-end",
        "size-clamped",
        "huge-page",
    ],
)
def test_number_page(params: dict[str, Any], items: list[int], number: int, size: int) -> None:
    page = number_page(ITEMS, params)
    assert list(page.items) == items
    assert page.fields() == {"TotalCount": 25, "PageNumber": number, "PageSize": size}


def test_number_page_own_default_and_maximum() -> None:
    page = number_page(ITEMS, {"PageSize": 80}, default_size=5, max_size=20)
    assert (page.page_size, len(page.items)) == (20, 20)
    assert number_page(ITEMS, {}, default_size=5).page_size == 5


@pytest.mark.parametrize(
    "raw",
    [{"PageSize": "0"}, {"PageSize": "-1"}, {"PageNumber": "0"}, {"PageNumber": "x"}],
    ids=["size-0", "size-negative", "number-0", "number-not-integer"],
)
def test_page_params_refuse_below_one(raw: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_params(page_params(), raw)
    assert caught.value.parameter in raw


def test_max_results_below_one_refused() -> None:
    with pytest.raises(InvalidParameter):
        parse_params(token_params(), {"MaxResults": "0"})


def test_next_token_round_trip_visits_every_item_once() -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"MaxResults": 10}
    pages = 0
    while True:
        page = token_page(ITEMS, params)
        assert page.total_count == 25
        seen.extend(page.items)
        pages += 1
        if not page.next_token:
            break
        params = {"MaxResults": 10, "NextToken": page.next_token}
    assert seen == ITEMS
    assert pages == 3


def test_token_page_clamps_max_results() -> None:
    page = token_page(list(range(300)), {"MaxResults": 5000})
    assert len(page.items) == 100 and page.next_token


def test_last_page_has_empty_token() -> None:
    assert token_page(ITEMS, {"MaxResults": 25}).next_token == ""


def test_token_survives_parsing_as_a_string_parameter() -> None:
    token = token_page(ITEMS, {"MaxResults": 5}).next_token
    parsed = parse_params(token_params(), {"NextToken": token, "MaxResults": "5"})
    assert list(token_page(ITEMS, parsed).items) == [5, 6, 7, 8, 9]


def _forgeries() -> list[str]:
    real = token_page(ITEMS, {"MaxResults": 10}).next_token
    return [
        "garbage",
        "0" * 32,
        real[:-1] + ("0" if real[-1] != "0" else "1"),  # check digits tampered
        "00000014" + real[8:],  # another offset with the old check
        real.upper(),
        real + "0",
        " " + real[1:],
        "-" + real[1:],
        "0000_00a" + real[8:],
    ]


@pytest.mark.parametrize(
    "token",
    _forgeries(),
    ids=[
        "garbage",
        "zeros",
        "check-tampered",
        "offset-tampered",
        "upper-case",
        "too-long",
        "leading-space",
        "negative",
        "underscore",
    ],
)
def test_forged_token_refused(token: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        token_page(ITEMS, {"NextToken": token})
    assert caught.value.parameter == "NextToken"

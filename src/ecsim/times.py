"""The time formats ECS puts on the wire, and the ones clients send us.

ECS shows most creation times to the minute (``2017-12-10T04:04Z``) and some to the second
(``2017-12-10T04:04:05Z``); a few, such as GetInstanceConsoleOutput's LastUpdateTime, give
Beijing time without a zone (``2018-03-22 10:04:57``). Request timestamps are
``YYYY-MM-DDThh:mm:ssZ`` (some clients add milliseconds).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["format_beijing_seconds", "format_minutes", "format_seconds", "parse_request_timestamp"]

_BEIJING = timezone(timedelta(hours=8))

_REQUEST_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z"
)


def format_minutes(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def format_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_beijing_seconds(moment: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in UTC+8 (Beijing time, as ECS writes it there)."""
    return moment.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def parse_request_timestamp(text: str) -> datetime | None:
    """A UTC request timestamp, or None when it is not in the documented format."""
    match = _REQUEST_TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or "0"
    try:
        return datetime(
            year, month, day, hour, minute, second, int(fraction.ljust(6, "0")), tzinfo=UTC
        )
    except ValueError:
        return None

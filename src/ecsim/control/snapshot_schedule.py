"""The schedule math of automatic snapshot policies: which (weekday, hour) points in UTC+8
fall in a span of time. Pure: no store, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["POLICY_ZONE", "due_times", "expired"]

# ECS reads a policy's time points and weekdays in China Standard Time
POLICY_ZONE = timezone(timedelta(hours=8))
_HOUR = timedelta(hours=1)
# a server down longer than this reports only the last year of missed points
_LOOKBACK = timedelta(days=366)


def due_times(
    time_points: Iterable[int], weekdays: Iterable[int], after: datetime, until: datetime
) -> list[datetime]:
    """The whole hours in (after, until] whose UTC+8 hour is a time point and whose UTC+8
    ISO weekday is one of ``weekdays``, oldest first, in UTC."""
    hours, days = set(time_points), set(weekdays)
    after = max(after, until - _LOOKBACK)
    # the first whole hour strictly after ``after``
    moment = after.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + _HOUR
    found = []
    while moment <= until:
        local = moment.astimezone(POLICY_ZONE)
        if local.hour in hours and local.isoweekday() in days:
            found.append(moment)
        moment += _HOUR
    return found


def expired(created_at: datetime, retention_days: int | None, now: datetime) -> bool:
    """Whether a snapshot kept ``retention_days`` (None or -1: forever) has run its time."""
    if retention_days is None or retention_days < 0:
        return False
    return created_at + timedelta(days=retention_days) <= now

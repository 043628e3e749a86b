"""Per-account quotas: a create counts what the scope already holds and refuses one more
past the limit, with the code the family documents for it."""

from __future__ import annotations

from collections.abc import Callable, Sized

from ecsim.errors import EcsError

__all__ = ["check_quota"]


def check_quota(existing: Sized, limit: int, refusal: Callable[[], EcsError]) -> None:
    """Raise ``refusal()`` when ``existing`` already holds ``limit`` (or more, after the
    limit was lowered)."""
    if len(existing) >= limit:
        raise refusal()

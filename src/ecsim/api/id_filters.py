"""Id filters that travel as one comma-separated string (``VpcId=vpc-1,vpc-2``)."""

from __future__ import annotations

__all__ = ["comma_ids"]


def comma_ids(text: str | None) -> tuple[str, ...] | None:
    """The ids in ``text``, trimmed, blanks and repeats dropped, in order; None when absent."""
    if text is None:
        return None
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))

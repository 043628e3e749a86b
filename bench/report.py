"""Printing benchmark figures as a small table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Row", "print_table", "rate", "ratio_row", "verdict"]


@dataclass
class Row:
    metric: str
    value: str
    goal: str = ""
    verdict: str = ""


def print_table(title: str, rows: Sequence[Row]) -> None:
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("metric", "value", "goal")]
    print(title)
    for row in rows:
        print(
            f"  {row.metric:<{widths[0]}}  {row.value:<{widths[1]}}"
            f"  {row.goal:<{widths[2]}}  {row.verdict}".rstrip()
        )


def rate(rps: float) -> str:
    return f"{rps:,.0f} req/s ({1000 / rps:.2f} ms/call)"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def ratio_row(metric: str, ratio: float, goal: float) -> Row:
    """ecsim's figure over the anchor's, met when at least ``goal``."""
    return Row(metric, f"{ratio:.1f}x", f">= {goal:g}x", verdict(ratio >= goal))

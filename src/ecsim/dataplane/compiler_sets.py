"""Interval arithmetic for the nftables compiler: unions of rules as disjoint set elements.

A run of rules with one verdict becomes one set lookup per shape; the set holds the union of
what its rules match. nftables (1.0.6, and the kernel's pipapo set behind concatenations)
refuses a concatenated interval element whose first or last point lies inside an element
already in the set ("File exists"), and a plain interval set refuses overlapping intervals
unless it auto-merges. Rather than depend on which overlaps a given kernel tolerates, the
compiler only ever emits *disjoint* elements: the union is cut into non-overlapping boxes
here, which every version accepts and which reads the same in ``nft list``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address

from ecsim.engine.rules import Span

__all__ = [
    "Box",
    "address_text",
    "disjoint_boxes",
    "merge_spans",
    "port_text",
    "set_block",
    "spans_text",
]

# (address span, port span): the addresses times the ports, both inclusive
Box = tuple[Span, Span]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """The union of inclusive integer spans as sorted, disjoint, non-adjacent spans."""
    merged: list[Span] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def disjoint_boxes(boxes: Iterable[Box]) -> list[Box]:
    """The union of address x port boxes as disjoint boxes.

    A sweep over the address axis: between two consecutive boundaries the set of boxes that
    cover the addresses is fixed, so the ports there are the union of their port spans.
    Neighbouring address stretches with the same ports are joined, which keeps the common
    case (a group peer: many single addresses, the same ports) to few elements.
    """
    opening: dict[int, list[Span]] = {}
    closing: dict[int, list[Span]] = {}
    for (first, last), ports in boxes:
        opening.setdefault(first, []).append(ports)
        closing.setdefault(last + 1, []).append(ports)
    points = sorted(opening.keys() | closing.keys())
    active: Counter[Span] = Counter()
    # (address span, merged ports) stretches, joined as they are found
    stretches: list[tuple[Span, tuple[Span, ...]]] = []
    for point, following in itertools.pairwise(points):
        for span in opening.get(point, ()):
            active[span] += 1
        for span in closing.get(point, ()):
            active[span] -= 1
            if not active[span]:
                del active[span]
        if not active:
            continue
        merged = tuple(merge_spans(active))
        if stretches and stretches[-1][0][1] == point - 1 and stretches[-1][1] == merged:
            stretches[-1] = ((stretches[-1][0][0], following - 1), merged)
        else:
            stretches.append(((point, following - 1), merged))
    return [(addresses, span) for addresses, spans in stretches for span in spans]


def address_text(span: Span) -> str:
    """An IPv4 span as nft writes it: one address, a CIDR block when aligned, else a range."""
    first, last = span
    if first == last:
        return str(IPv4Address(first))
    size = last - first + 1
    if size & (size - 1) == 0 and first % size == 0:
        return f"{IPv4Address(first)}/{32 - (size.bit_length() - 1)}"
    return f"{IPv4Address(first)}-{IPv4Address(last)}"


def port_text(span: Span) -> str:
    first, last = span
    return str(first) if first == last else f"{first}-{last}"


def spans_text(spans: Sequence[Span]) -> str:
    """Addresses for a plain rule: one as it is, several as an anonymous set."""
    if len(spans) == 1:
        return address_text(spans[0])
    return "{ " + ", ".join(address_text(span) for span in spans) + " }"


def set_block(
    name: str, type_: str, elements: Sequence[str], *, interval: bool = False, map_: bool = False
) -> list[str]:
    """A named set (a map with ``map_``) at table level, one element a line, so that large
    sets stay readable in ``nft list`` diffs and nft's error messages point at one element.
    Named rather than anonymous because a named set may be empty."""
    lines = [f"\t{'map' if map_ else 'set'} {name} {{", f"\t\ttype {type_}"]
    if interval:
        lines.append("\t\tflags interval")
    if elements:
        lines.append("\t\telements = {")
        lines += [f"\t\t\t{e}," for e in elements[:-1]] + [f"\t\t\t{elements[-1]}"]
        lines.append("\t\t}")
    lines.append("\t}")
    return lines

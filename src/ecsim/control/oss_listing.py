"""One page of a bucket listing: prefix, delimiter, a start point and a page size."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Listing", "list_page"]


@dataclass(frozen=True)
class Listing:
    keys: list[str]
    prefixes: list[str]
    truncated: bool
    # the last key or common prefix returned: where the next page starts after
    next_start: str


def list_page(
    keys: list[str], prefix: str, delimiter: str, start_after: str, max_keys: int
) -> Listing:
    """Keys and common prefixes in key order after ``start_after``; each common prefix
    counts as one entry towards ``max_keys``, as in OSS."""
    found: list[str] = []
    prefixes: list[str] = []
    last = ""
    for key in sorted(keys):
        if key <= start_after or not key.startswith(prefix):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                if common <= start_after or (prefixes and prefixes[-1] == common):
                    continue
                if len(found) + len(prefixes) == max_keys:
                    return Listing(found, prefixes, True, last)
                prefixes.append(common)
                last = common
                continue
        if len(found) + len(prefixes) == max_keys:
            return Listing(found, prefixes, True, last)
        found.append(key)
        last = key
    return Listing(found, prefixes, False, "")

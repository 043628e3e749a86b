"""Checks of an answer's shape against the metadata's response schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def undocumented(value: object, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Keys of ``value`` that the metadata's response ``schema`` does not document."""
    found: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in properties:
                found.append(where)
            else:
                found += undocumented(item, properties[key], where)
    elif isinstance(value, list):
        for item in value:
            found += undocumented(item, schema.get("items") or {}, f"{path}[]")
    return found


def keys_in_order(value: object) -> bool:
    """Whether every object in ``value`` lists its keys alphabetically."""
    if isinstance(value, dict):
        keys = list(value)
        return keys == sorted(keys) and all(keys_in_order(item) for item in value.values())
    if isinstance(value, list):
        return all(keys_in_order(item) for item in value)
    return True

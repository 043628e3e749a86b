"""A small, typed reader for Alibaba's API metadata in ../shared/reference/api-meta.

The files are reference data that stay outside the repository; tests reach them through the
``api_meta_dir`` fixture (which skips where they are absent) and read them through here, once
per process.

The metadata names parameters three ways, and ``MetaApi.params`` folds them into one tree:

- ``Tag`` with ``style=repeatList`` and ``items.properties`` (``Tag.N.Key`` on the wire);
- ``SystemDisk`` with ``style=flat`` and ``properties`` (``SystemDisk.Category``);
- the flattened names themselves: ``SystemDisk.Category``, ``Filter.1.Key``, ``AddGroup.1``.

Duplicated parameters (``RegionId`` twice) merge; where their ``required`` flags disagree,
both values are accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "META_FILES",
    "MetaApi",
    "MetaParam",
    "error_code_statuses",
    "load_apis",
]

# API version -> metadata file; products absent here (ecsim's own API, FaaS) have none.
META_FILES: dict[str, str] = {
    "2014-05-26": "ecs-2014-05-26.json",
    "2016-04-28": "vpc-2016-04-28.json",
}


@dataclass
class MetaParam:
    """One parameter, object field or list item as the metadata describes it (read-only)."""

    name: str
    type: str = "string"
    format: str | None = None
    style: str | None = None
    # the values of ``required`` the metadata gives (two where duplicates disagree, or for
    # a container that only exists through flattened names)
    required: set[bool] = field(default_factory=set)
    minimum: float | None = None
    maximum: float | None = None
    max_items: int | None = None
    enum: tuple[str, ...] | None = None
    example: str | None = None
    description: str = ""
    # fields of an object
    fields: dict[str, MetaParam] = field(default_factory=dict)
    # the item of an array
    item: MetaParam | None = None
    # known only through flattened names (``SystemDisk.Category``), not declared itself
    synthetic: bool = False

    @property
    def looks_like_json_array(self) -> bool:
        """A string parameter that carries a JSON array (``InstanceIds=["i-1","i-2"]``)."""
        if self.type != "string":
            return False
        if (self.example or "").lstrip().startswith("["):
            return True
        text = self.description
        return "JSON" in text and ("数组" in text or "array" in text.lower())


@dataclass(frozen=True)
class MetaApi:
    name: str
    params: Mapping[str, MetaParam]
    # responses["200"].schema, or {} where there is none
    response: Mapping[str, Any]
    # errorCode -> the HTTP statuses it is documented with for this action
    error_codes: Mapping[str, frozenset[int]]


@cache
def load_apis(meta_dir: Path, version: str) -> Mapping[str, MetaApi]:
    """Every action of the product with API ``version``; {} where there is no metadata."""
    name = META_FILES.get(version)
    if name is None:
        return {}
    raw = json.loads((meta_dir / name).read_text(encoding="utf-8"))
    return {action: _api(action, body) for action, body in raw["apis"].items()}


@cache
def error_code_statuses(meta_dir: Path) -> Mapping[str, frozenset[int]]:
    """errorCode -> every HTTP status any ECS or VPC action documents it with."""
    statuses: dict[str, set[int]] = {}
    for version in META_FILES:
        for api in load_apis(meta_dir, version).values():
            for code, found in api.error_codes.items():
                statuses.setdefault(code, set()).update(found)
    return {code: frozenset(found) for code, found in statuses.items()}


def _api(action: str, body: Mapping[str, Any]) -> MetaApi:
    params: dict[str, MetaParam] = {}
    for entry in body.get("parameters") or ():
        _add(params, entry["name"].split("."), entry.get("schema") or {}, entry.get("style"))
    response = ((body.get("responses") or {}).get("200") or {}).get("schema") or {}
    codes: dict[str, set[int]] = {}
    for status, entries in (body.get("errorCodes") or {}).items():
        for entry in entries or ():
            codes.setdefault(entry["errorCode"], set()).add(int(status))
    return MetaApi(action, params, response, {code: frozenset(s) for code, s in codes.items()})


def _add(
    into: dict[str, MetaParam], parts: list[str], schema: Mapping[str, Any], style: str | None
) -> None:
    """Merge one (possibly flattened) parameter into the tree ``into``."""
    head, rest = parts[0], parts[1:]
    if not rest:
        _merge(into, _from_schema(head, schema, style))
        return
    container = into.get(head)
    if rest[0].isdigit():
        # ``Filter.1.Key`` / ``AddGroup.1``: a list, flattened.
        if container is None:
            container = into[head] = _synthetic(head, "array")
        if container.item is None:
            container.item = MetaParam(head, "object" if rest[1:] else "string")
        if rest[1:]:
            container.item.type = "object"
            _add(container.item.fields, rest[1:], schema, None)
        else:
            single = _from_schema(head, schema, None)
            single.required = container.item.required | single.required
            container.item = single
        return
    # ``SystemDisk.Category``: an object, flattened.
    if container is None:
        container = into[head] = _synthetic(head, "object")
    container.type = "object"
    _add(container.fields, rest, schema, None)


def _synthetic(name: str, type_: str) -> MetaParam:
    return MetaParam(name, type_, required={True, False}, synthetic=True)


def _merge(into: dict[str, MetaParam], param: MetaParam) -> None:
    known = into.get(param.name)
    if known is None:
        into[param.name] = param
        return
    if known.synthetic:
        # The declaration arrives after its flattened fields: it wins, and keeps them.
        into[param.name] = param
        _merge_members(param, known)
        return
    known.required |= param.required
    if known.style is None:
        known.style = param.style
    _merge_members(known, param)


def _merge_members(known: MetaParam, other: MetaParam) -> None:
    for sub in other.fields.values():
        _merge(known.fields, sub)
    if known.item is None:
        known.item = other.item
    elif other.item is not None:
        for sub in other.item.fields.values():
            _merge(known.item.fields, sub)


def _from_schema(name: str, schema: Mapping[str, Any], style: str | None) -> MetaParam:
    items = schema.get("items")
    enum = schema.get("enum")
    required = schema.get("required")
    return MetaParam(
        name=name,
        type=str(schema.get("type") or "string"),
        format=schema.get("format"),
        style=style,
        required={bool(required)} if isinstance(required, bool) else {False},
        minimum=_number(schema.get("minimum")),
        maximum=_number(schema.get("maximum")),
        max_items=schema.get("maxItems"),
        enum=tuple(str(v) for v in enum) if isinstance(enum, list) else None,
        example=None if schema.get("example") is None else str(schema["example"]),
        description=str(schema.get("description") or ""),
        fields={
            key: _from_schema(key, sub, None)
            for key, sub in (schema.get("properties") or {}).items()
        },
        item=_from_schema(name, items, None) if isinstance(items, Mapping) else None,
    )


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

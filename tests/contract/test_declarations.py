"""Our action declarations against Alibaba's API metadata (../shared/reference/api-meta).

For every ECS and VPC action in the registry: the action exists in the metadata; each declared
parameter (and each field of a declared object or list of objects) exists there, with the same
``required`` flag, a compatible kind, no contradicting numeric bounds, enum values the metadata
knows, and no more list items than it allows. The read-only catalog actions are also called
in-process, and every key of their responses must appear in the metadata's 200 schema.

The products without metadata (ecsim's own administration API, FaaS) are not checked here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecsim.api.actions import ACTION_GROUPS
from ecsim.api.params import Kind, Param
from ecsim.api.registry import ActionSpec, Registry
from ecsim.app import Application, build_app
from ecsim.settings import Settings
from tests.contract.meta import META_FILES, MetaApi, MetaParam, load_apis

# Deliberate differences from the metadata: (action, parameter path, aspect) -> why.
# Aspects: "required", "kind", "minimum", "maximum", "enum", "max_items". Paths name fields
# as on the wire, with N for a list index: "Tag.N.Key", "SystemDisk.Category". Keep it empty
# unless a real difference is decided on; each entry says why.
ALLOWED_DIFFERENCES: dict[tuple[str, str, str], str] = {}

# Read-only catalog actions called in-process for the response check, with the parameter
# sets each is called with (RegionId is added, once per catalog region, where declared).
CATALOG_CALLS: dict[str, tuple[dict[str, str], ...]] = {
    "DescribeRegions": ({}, {"AcceptLanguage": "en-US"}),
    "DescribeZones": ({}, {"Verbose": "false"}, {"AcceptLanguage": "en-US"}),
    "DescribeInstanceTypes": ({},),
    "DescribeInstanceTypeFamilies": ({},),
}

_SPECS: list[ActionSpec] = sorted(
    (spec for spec in Registry(ACTION_GROUPS).all() if spec.product.version in META_FILES),
    key=lambda spec: (spec.product.code, spec.name),
)
_PARAMS: list[tuple[ActionSpec, Param]] = [
    (spec, param) for spec in _SPECS for param in spec.params
]
_INTEGER_FORMATS: dict[Kind, tuple[str | None, ...]] = {
    Kind.INTEGER: (None, "int32"),
    Kind.LONG: (None, "int64"),
}


def _action_id(spec: ActionSpec) -> str:
    return f"{spec.product.code}.{spec.name}"


def _meta_api(meta_dir: Path, spec: ActionSpec) -> MetaApi:
    api = load_apis(meta_dir, spec.product.version).get(spec.name)
    if api is None:
        pytest.fail(f"{_action_id(spec)} is not an action in the metadata")
    return api


@pytest.mark.parametrize("spec", _SPECS, ids=_action_id)
def test_declared_action_exists_in_metadata(api_meta_dir: Path, spec: ActionSpec) -> None:
    assert spec.name in load_apis(api_meta_dir, spec.product.version), (
        f"{_action_id(spec)} is declared but the {spec.product.code} metadata has no such action"
    )


@pytest.mark.parametrize("spec", _SPECS, ids=_action_id)
def test_declared_parameter_names_are_unique(spec: ActionSpec) -> None:
    names = [param.name for param in spec.params]
    assert len(names) == len(set(names)), f"{_action_id(spec)} declares a parameter twice"


@pytest.mark.parametrize(
    ("spec", "param"),
    _PARAMS,
    ids=[f"{_action_id(spec)}.{param.name}" for spec, param in _PARAMS],
)
def test_declared_parameter_matches_metadata(
    api_meta_dir: Path, spec: ActionSpec, param: Param
) -> None:
    api = _meta_api(api_meta_dir, spec)
    problems = _compare(spec.name, param, api.params.get(param.name), param.name)
    assert not problems, f"{_action_id(spec)}:\n  " + "\n  ".join(problems)


def test_allowed_differences_name_declared_parameters() -> None:
    declared = {(spec.name, path) for spec in _SPECS for path in _paths(spec.params)}
    stale = [key for key in ALLOWED_DIFFERENCES if key[:2] not in declared]
    assert not stale, f"ALLOWED_DIFFERENCES names undeclared parameters: {stale}"


# -- parameters --------------------------------------------------------------------------------


def _compare(action: str, ours: Param, meta: MetaParam | None, path: str) -> list[str]:
    if meta is None:
        return [f"{path}: not a parameter in the metadata"]
    problems: list[str] = []

    def report(aspect: str, text: str) -> None:
        if (action, path, aspect) not in ALLOWED_DIFFERENCES:
            problems.append(f"{path}: {text}")

    kind_problem = _kind_problem(ours, meta)
    if kind_problem:
        report("kind", kind_problem)
    if ours.required not in meta.required:
        report("required", f"declared required={ours.required}, metadata says {meta.required}")
    for aspect, mine, theirs in (
        ("minimum", ours.minimum, meta.minimum),
        ("maximum", ours.maximum, meta.maximum),
    ):
        if mine is not None and theirs is not None and float(mine) != theirs:
            report(aspect, f"declared {aspect}={mine:g}, metadata says {theirs:g}")
    if ours.enum is not None and meta.enum is not None:
        unknown = sorted(set(ours.enum) - set(meta.enum))
        if unknown:
            report("enum", f"enum values {unknown} are not in the metadata's {list(meta.enum)}")
    if (
        ours.max_items is not None
        and meta.max_items is not None
        and ours.max_items > meta.max_items
    ):
        report(
            "max_items", f"declared max_items={ours.max_items}, metadata allows {meta.max_items}"
        )
    if kind_problem:
        return problems
    if ours.kind is Kind.OBJECT and meta.fields:
        # (an object the metadata leaves free-form has no fields to check against)
        for sub in ours.fields:
            problems += _compare(action, sub, meta.fields.get(sub.name), f"{path}.{sub.name}")
    elif ours.kind is Kind.REPEAT_LIST and ours.fields and meta.item is not None:
        for sub in ours.fields:
            problems += _compare(
                action, sub, meta.item.fields.get(sub.name), f"{path}.N.{sub.name}"
            )
    return problems


def _kind_problem(ours: Param, meta: MetaParam) -> str | None:
    """Why ``ours`` cannot carry what ``meta`` describes, or None where it can."""
    what = f"metadata type {meta.type}" + (f" ({meta.style})" if meta.style else "")
    if ours.kind is Kind.OBJECT:
        if meta.type != "object":
            return f"declared Object, {what}"
        return None
    if ours.kind is Kind.REPEAT_LIST:
        if meta.type != "array" or meta.style in ("simple", "json") or meta.item is None:
            return f"declared RepeatList, {what}"
        if ours.fields:
            return None if meta.item.type == "object" else f"declared list of objects, {what}"
        if meta.item.type == "object":
            return f"declared list of values, metadata items are objects ({what})"
        problem = _scalar_problem(ours.item, meta.item)
        return f"items: {problem}" if problem else None
    if ours.kind is Kind.JSON_LIST:
        if meta.looks_like_json_array:
            return None
        if meta.type == "array" and meta.style == "json" and meta.item is not None:
            problem = _scalar_problem(ours.item, meta.item)
            return f"items: {problem}" if problem else None
        return f"declared JsonList, {what} without a JSON-array example"
    return _scalar_problem(ours.kind, meta)


def _scalar_problem(kind: Kind, meta: MetaParam) -> str | None:
    declared = f"declared {kind.name.title()}"
    if meta.type == "array" and meta.style == "simple":
        # a comma-separated list in one string
        return None if kind is Kind.STRING else f"{declared}, metadata: comma-separated array"
    if kind is Kind.STRING:
        return None if meta.type == "string" else f"{declared}, metadata type {meta.type}"
    if meta.type == "string":
        # The metadata types some numbers and flags as strings (RunInstances
        # SystemDisk.Size "40", Permissions.N.Priority "1"): a typed declaration fits where
        # the documented example is a value of that type.
        if _example_fits(kind, meta.example):
            return None
        return f"{declared}, metadata type string with example {meta.example!r}"
    if kind in _INTEGER_FORMATS:
        if meta.type == "integer" and meta.format in _INTEGER_FORMATS[kind]:
            return None
        return f"{declared}, metadata type {meta.type} ({meta.format})"
    if kind is Kind.BOOLEAN:
        return None if meta.type == "boolean" else f"{declared}, metadata type {meta.type}"
    if kind is Kind.FLOAT:
        return None if meta.type == "number" else f"{declared}, metadata type {meta.type}"
    return f"{declared}: not a scalar kind"


def _example_fits(kind: Kind, example: str | None) -> bool:
    text = (example or "").strip()
    if kind in (Kind.INTEGER, Kind.LONG):
        return text.lstrip("+-").isdigit()
    if kind is Kind.BOOLEAN:
        return text.lower() in ("true", "false")
    if kind is Kind.FLOAT:
        try:
            float(text)
        except ValueError:
            return False
        return True
    return False


def _paths(params: tuple[Param, ...], prefix: str = "") -> Iterator[str]:
    for param in params:
        path = f"{prefix}{param.name}"
        yield path
        if param.kind is Kind.OBJECT:
            yield from _paths(param.fields, f"{path}.")
        elif param.kind is Kind.REPEAT_LIST:
            yield from _paths(param.fields, f"{path}.N.")


# -- responses ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def application() -> Iterator[Application]:
    app = build_app(Settings(in_memory=True, verify_signatures=False))
    try:
        yield app
    finally:
        app.close()


@pytest.mark.parametrize("action", sorted(CATALOG_CALLS))
def test_catalog_response_keys_are_documented(
    api_meta_dir: Path, application: Application, action: str
) -> None:
    spec = next((s for s in _SPECS if s.name == action), None)
    if spec is None:
        pytest.skip(f"{action} is not declared yet")
    schema = _meta_api(api_meta_dir, spec).response
    assert schema, f"{action}: the metadata has no 200 response schema"
    declared = {param.name for param in spec.params}
    regions: list[str | None] = [None]
    if "RegionId" in declared:
        regions = [region.region_id for region in application.services.catalog.regions()]
    calls = [
        {key: value for key, value in extra.items() if key in declared}
        | ({"RegionId": region} if region else {})
        for extra in CATALOG_CALLS[action]
        for region in regions
    ]
    bodies = asyncio.run(_call_all(application, spec, calls))
    problems: set[str] = set()
    for body in bodies:
        problems.update(_undocumented(body, schema, ""))
    assert not problems, f"{action} returns keys the metadata does not document:\n  " + (
        "\n  ".join(sorted(problems))
    )


async def _call_all(
    application: Application, spec: ActionSpec, calls: list[dict[str, str]]
) -> list[dict[str, Any]]:
    transport = httpx.ASGITransport(app=application.asgi)
    bodies: list[dict[str, Any]] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://ecsim.test") as client:
        for params in calls:
            query = {"Action": spec.name, "Version": spec.product.version, "Format": "JSON"}
            response = await client.get("/", params=query | params)
            assert response.status_code == 200, f"{spec.name} {params}: {response.text}"
            bodies.append(response.json())
    return bodies


def _undocumented(value: Any, schema: Mapping[str, Any], path: str) -> Iterator[str]:
    """Where ``value`` has a key, or a shape, that ``schema`` does not document."""
    kind = schema.get("type")
    if isinstance(value, dict):
        if kind not in (None, "object"):
            yield f"{path or '<body>'}: an object where the metadata has {kind}"
            return
        properties = schema.get("properties")
        if properties is None:
            # a free-form object (``"type": "object"`` and nothing more)
            return
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in properties:
                yield f"{where}: not in the metadata"
            else:
                yield from _undocumented(item, properties[key], where)
    elif isinstance(value, list):
        if kind != "array":
            yield f"{path}: a list where the metadata has {kind}"
            return
        for item in value:
            yield from _undocumented(item, schema.get("items") or {}, f"{path}[]")
    elif kind in ("object", "array"):
        yield f"{path}: a {type(value).__name__} where the metadata has {kind}"

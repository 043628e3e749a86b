"""Parameter declarations and the generic parser that applies them.

Every action declares its parameters as data (``String("VpcName", max_length=128)``,
``RepeatList("Tag", fields=(...), max_items=20)``). ``parse_params`` turns the flat wire
parameters into Python values (str, int, bool, float, list, dict) or raises the documented
error: ``MissingParameter`` naming the parameter, or ``InvalidParameter`` (or the action's own
code given in the declaration) for a value that does not fit.

Wire shapes handled here, once:
- ``.N`` lists, 1-based: ``InstanceId.1``, ``Tag.2.Key``, ``Permissions.3.PortRange``, nested
  (``NetworkInterface.1.SecurityGroupIds.2``);
- flat objects: ``SystemDisk.Category`` (or the whole object as a JSON string, as V3 clients
  send ``style=json`` parameters);
- JSON-array strings: ``InstanceIds=["i-1","i-2"]``;
- booleans in any case (``True`` from the Python SDK, ``true`` from Go);
- unknown parameters are ignored (the V1 SDK adds ``RegionId`` everywhere, footmark ``on=``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ecsim.errors import InvalidParameter, MissingParameter

__all__ = [
    "Boolean",
    "Float",
    "Integer",
    "JsonList",
    "Kind",
    "Long",
    "Object",
    "Param",
    "RepeatList",
    "String",
    "parse_params",
]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# ASCII digits only (``\d`` would take any Unicode digit) and matched with ``fullmatch`` (``$``
# would let a trailing newline through).
_INTEGER = re.compile(r"[+-]?[0-9]+")
_INDEX = re.compile(r"[1-9][0-9]{0,5}")
# More digits than this is out of range for any declaration; ``int()`` never sees them.
_MAX_DIGITS = 24
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MAX_FLOAT_CHARS = 64
# A list longer than this is refused whatever its declaration says: it bounds the work a
# single request can ask of the parser.
_HARD_MAX_ITEMS = 1000


class Kind(Enum):
    STRING = "string"
    INTEGER = "integer"
    LONG = "long"
    BOOLEAN = "boolean"
    FLOAT = "float"
    REPEAT_LIST = "repeatList"
    OBJECT = "object"
    JSON_LIST = "jsonList"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind = Kind.STRING
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    # a regular expression the whole string value must match
    pattern: str | None = None
    # items of a list of scalars
    item: Kind = Kind.STRING
    # fields of an object, or of each item of a list of objects
    fields: tuple[Param, ...] = ()
    max_items: int | None = None
    # the action's own code for a value that does not fit (default InvalidParameter)
    code: str | None = None
    http_status: int = 400
    # the default value when the parameter is absent
    default: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def invalid(self, detail: str | None = None, *, name: str | None = None) -> InvalidParameter:
        return InvalidParameter(
            name or self.name, detail, code=self.code, http_status=self.http_status
        )


def String(name: str, **kw: Any) -> Param:
    return Param(name, Kind.STRING, **kw)


def Integer(name: str, **kw: Any) -> Param:
    return Param(name, Kind.INTEGER, **kw)


def Long(name: str, **kw: Any) -> Param:
    return Param(name, Kind.LONG, **kw)


def Boolean(name: str, **kw: Any) -> Param:
    return Param(name, Kind.BOOLEAN, **kw)


def Float(name: str, **kw: Any) -> Param:
    return Param(name, Kind.FLOAT, **kw)


def RepeatList(name: str, **kw: Any) -> Param:
    return Param(name, Kind.REPEAT_LIST, **kw)


def Object(name: str, **kw: Any) -> Param:
    return Param(name, Kind.OBJECT, **kw)


def JsonList(name: str, **kw: Any) -> Param:
    return Param(name, Kind.JSON_LIST, **kw)


def parse_params(declared: tuple[Param, ...], raw: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``declared`` to the flat ``raw`` parameters; absent optional ones are left out
    (or given their default)."""
    tree = _Tree.build(raw)
    out: dict[str, Any] = {}
    for param in declared:
        value = _parse(param, tree.child(param.name), param.name)
        if value is not None:
            out[param.name] = value
        elif param.default is not None:
            out[param.name] = param.default
    return out


class _Tree:
    """Flat ``A.1.B`` keys as a tree, so nested lists and objects parse recursively."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Tree] = {}

    @classmethod
    def build(cls, raw: Mapping[str, str]) -> _Tree:
        root = cls()
        for key, value in raw.items():
            node = root
            for part in key.split("."):
                node = node.children.setdefault(part, cls())
            node.value = value
        return root

    def child(self, name: str) -> _Tree | None:
        return self.children.get(name)


def _parse(param: Param, node: _Tree | None, path: str) -> Any:
    if param.kind is Kind.REPEAT_LIST:
        return _parse_repeat_list(param, node, path)
    if param.kind is Kind.OBJECT:
        return _parse_object(param, node, path)
    text = node.value if node is not None else None
    if text is None or text == "":
        if param.required:
            raise MissingParameter(path)
        return None
    if param.kind is Kind.JSON_LIST:
        return _parse_json_list(param, text, path)
    return _parse_scalar(param, param.kind, text, path)


def _parse_scalar(param: Param, kind: Kind, text: str, path: str) -> Any:
    if kind is Kind.STRING:
        if param.max_length is not None and len(text) > param.max_length:
            raise param.invalid(f"It must be at most {param.max_length} characters.", name=path)
        if param.enum is not None and text not in param.enum:
            raise param.invalid(f"Valid values: {', '.join(param.enum)}.", name=path)
        if param.pattern is not None and re.fullmatch(param.pattern, text) is None:
            raise param.invalid(name=path)
        return text
    if kind is Kind.BOOLEAN:
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise param.invalid("It must be true or false.", name=path)
        return lowered == "true"
    if kind in (Kind.INTEGER, Kind.LONG):
        if not _INTEGER.fullmatch(text):
            raise param.invalid("It must be an integer.", name=path)
        low, high = INT32 if kind is Kind.INTEGER else INT64
        number = int(text) if len(text) <= _MAX_DIGITS else high + 1
        if not low <= number <= high:
            raise param.invalid("It is out of range.", name=path)
        _check_range(param, number, path)
        return number
    if kind is Kind.FLOAT:
        # ``float()`` alone would also take " 1", "1_0", "nan" and Unicode digits.
        if len(text) > _MAX_FLOAT_CHARS or not _FLOAT.fullmatch(text):
            raise param.invalid("It must be a number.", name=path)
        real = float(text)
        if real in (float("inf"), float("-inf")):
            raise param.invalid("It must be a finite number.", name=path)
        _check_range(param, real, path)
        return real
    raise AssertionError(f"not a scalar kind: {kind}")


def _check_range(param: Param, number: float, path: str) -> None:
    if param.minimum is not None and number < param.minimum:
        raise param.invalid(f"It must be at least {param.minimum:g}.", name=path)
    if param.maximum is not None and number > param.maximum:
        raise param.invalid(f"It must be at most {param.maximum:g}.", name=path)


def _parse_repeat_list(param: Param, node: _Tree | None, path: str) -> list[Any] | None:
    if node is not None and node.value and not node.children:
        # V3 clients send some lists (style=json) as one JSON array; anything else here is
        # ``Tag=x`` where ``Tag.1.Key=x`` is expected.
        if not node.value.lstrip().startswith("["):
            raise param.invalid("It must be sent as a list (Name.1, Name.2, ...).", name=path)
        node = _json_tree(param, node.value, path, list, "It must be a list.")
    if node is None or not node.children:
        if param.required:
            raise MissingParameter(f"{path}.1")
        return None
    indexed: list[tuple[int, _Tree]] = []
    for index_text, child in node.children.items():
        if not _INDEX.fullmatch(index_text):
            raise param.invalid("List indices start at 1.", name=f"{path}.{index_text}")
        indexed.append((int(index_text), child))
    limit = min(param.max_items or _HARD_MAX_ITEMS, _HARD_MAX_ITEMS)
    if len(indexed) > limit:
        raise param.invalid(f"It accepts at most {limit} items.", name=path)
    indexed.sort(key=lambda pair: pair[0])
    items: list[Any] = []
    for index, child in indexed:
        item_path = f"{path}.{index}"
        if param.fields:
            value: Any = _parse_fields(param, child, item_path)
        else:
            if child.children:
                raise param.invalid("It must be a list of values.", name=item_path)
            if child.value is None or child.value == "":
                continue
            value = _parse_scalar(param, param.item, child.value, item_path)
        items.append(value)
    if param.required and not items:
        raise MissingParameter(f"{path}.1")
    return items


def _parse_object(param: Param, node: _Tree | None, path: str) -> dict[str, Any] | None:
    if node is None:
        if param.required:
            raise MissingParameter(path)
        return None
    if node.value and not node.children:
        # V3 clients send style=json objects as one JSON string.
        node = _json_tree(param, node.value, path, dict, "It must be an object.") or _Tree()
    return _parse_fields(param, node, path)


def _parse_fields(param: Param, node: _Tree, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sub in param.fields:
        value = _parse(sub, node.child(sub.name), f"{path}.{sub.name}")
        if value is not None:
            out[sub.name] = value
        elif sub.default is not None:
            out[sub.name] = sub.default
    return out


def _flatten(value: Mapping[str, Any]) -> dict[str, str]:
    """Decoded JSON back to the flat wire form; ``null`` is an absent value."""
    flat: dict[str, str] = {}
    for key, item in value.items():
        _flatten_into(str(key), item, flat)
    return flat


def _flatten_into(name: str, item: Any, flat: dict[str, str]) -> None:
    if isinstance(item, Mapping):
        for key, sub in item.items():
            _flatten_into(f"{name}.{key}", sub, flat)
    elif isinstance(item, list):
        for index, element in enumerate(item, start=1):
            _flatten_into(f"{name}.{index}", element, flat)
    elif item is not None:
        flat[name] = _scalar_text(item)


def _load_json(param: Param, text: str, path: str, shape: type, detail: str) -> Any:
    try:
        decoded = json.loads(text)
    # RecursionError: "[[[[...", nesting deeper than the decoder's stack.
    except (ValueError, RecursionError):
        raise param.invalid(detail, name=path) from None
    if not isinstance(decoded, shape):
        raise param.invalid(detail, name=path)
    return decoded


def _json_tree(param: Param, text: str, path: str, shape: type, detail: str) -> _Tree | None:
    """A JSON list or object sent as one value, as the tree its flat form would give."""
    decoded = _load_json(param, text, path, shape, detail)
    try:
        # Under one root name, so a list and an object flatten alike.
        return _Tree.build(_flatten({"": decoded})).child("")
    except RecursionError:
        raise param.invalid(detail, name=path) from None


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_json_list(param: Param, text: str, path: str) -> list[Any]:
    decoded = _load_json(param, text, path, list, 'It must be a JSON array such as ["a","b"].')
    limit = min(param.max_items or _HARD_MAX_ITEMS, _HARD_MAX_ITEMS)
    if len(decoded) > limit:
        raise param.invalid(f"It accepts at most {limit} items.", name=path)
    items: list[Any] = []
    for element in decoded:
        if isinstance(element, (dict, list)) or element is None:
            raise param.invalid("Its items must be plain values.", name=path)
        items.append(_parse_scalar(param, param.item, _scalar_text(element), path))
    return items

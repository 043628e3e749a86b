"""Every error code ecsim can raise is one Alibaba documents, with the same HTTP status.

Codes are collected statically from src/ecsim, so a code on a path no test reaches is still
checked:

- ``code="..."`` keyword arguments (``EcsError(..., code=..., http_status=...)``, a parameter
  declaration's own code, ``InvalidParameter(..., code=...)``), with the ``http_status`` given
  next to it or, where it is left out, the default of the class or function called;
- ``code = "..."`` in class bodies (the ``EcsError`` subclasses), with ``http_status`` from the
  class or its bases;
- ``{"Code": "..."}`` bodies written by hand (status not known statically);
- and, at run time, every ``EcsError`` subclass reachable from ``ecsim.app``.

A code passes when the metadata documents it for any ECS or VPC action with that status, when
the gateway table of ../shared/reference/ecs-api-semantics.md §1.4 lists it with that status,
or when it is one of the emulator's own codes in ``EXTENSIONS``.

Products with no error metadata in the reference are checked against their own sources:
FaaS codes against the error table of GUIDE-DIGEST.md §8 (the guide's table), RAM and OSS
codes against the tables below (Alibaba's RAM and OSS error-code pages).
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import ecsim
from ecsim.api.params import Param
from ecsim.errors import EcsError
from tests.contract.meta import error_code_statuses

SRC = Path(ecsim.__file__).resolve().parent

# Codes that exist only in ecsim (Alibaba documents no equivalent), with their HTTP status.
EXTENSIONS: dict[str, int] = {
    # asgi.py: a verb other than GET/POST (CONNECT from clients behind a proxy); the real
    # gateway is never reached this way.
    "UnsupportedHTTPMethod": 405,
    # asgi.py: a query string or body over Limits.max_body_bytes; the real gateway's answer
    # to an oversized request is not documented.
    "RequestTooLarge": 413,
    # ecsim's own administration API (CreateAccount): a malformed or taken account name.
    "InvalidAccountName.Malformed": 400,
    "InvalidAccountName.Duplicate": 400,
}

# RAM (2015-05-01) error codes as Alibaba's RAM documentation lists them.
RAM_CODES: dict[str, int] = {
    "MalformedPolicyDocument": 400,
    "InvalidParameter.RoleName.InvalidChars": 400,
    "InvalidParameter.PolicyName.InvalidChars": 400,
    "InvalidParameter.PolicyType.InvalidValue": 400,
    "InvalidParameter.Description.Length": 400,
    "InvalidParameter.AssumeRolePolicyDocument.Length": 400,
    "InvalidParameter.PolicyDocument.Length": 400,
    "EntityNotExist.Role": 404,
    "EntityNotExist.Policy": 404,
    "EntityNotExist.Role.Policy": 404,
    "EntityNotExist.Policy.Version": 404,
    "EntityAlreadyExists.Role": 409,
    "EntityAlreadyExists.Policy": 409,
    "EntityAlreadyExists.Role.Policy": 409,
    "DeleteConflict.Policy.Role": 409,
    "DeleteConflict.Role.Policy": 409,
}

# OSS error codes as Alibaba's OSS documentation lists them (the OSS metadata has none).
OSS_CODES: dict[str, int] = {
    "AccessDenied": 403,
    "BucketAlreadyExists": 409,
    "BucketNotEmpty": 409,
    "EntityTooLarge": 400,
    "EntityTooSmall": 400,
    "InvalidAccessKeyId": 403,
    "InvalidArgument": 400,
    "InvalidBucketName": 400,
    "InvalidDigest": 400,
    "InvalidObjectName": 400,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "InvalidRange": 416,
    "MalformedXML": 400,
    "MethodNotAllowed": 405,
    "MissingContentLength": 411,
    "MissingArgument": 400,
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NoSuchUpload": 404,
    "NotImplemented": 501,
    "PreconditionFailed": 412,
    "RequestTimeTooSkewed": 403,
    "SignatureDoesNotMatch": 403,
    "TooManyBuckets": 400,
    "InvalidEncodingType": 400,
    "InvalidMaxKeys": 400,
    "InvalidObjectState": 403,
    "FileAlreadyExists": 409,
    "TooManyParts": 400,
    "InvalidTargetBucketForLogging": 400,
    "InternalError": 500,
    "InvalidRequest": 400,
}

_FAMILIES = (
    ("oss", re.compile(r"(oss|object_storage)")),
    ("faas", re.compile(r"(fpga|faas)")),
    ("ram", re.compile(r"(^|[/._])ram([/._]|$)")),
)


def family_of(where: str) -> str:
    """Which product's codes a module raises, from its path."""
    for family, pattern in _FAMILIES:
        if pattern.search(where.split(":")[0]):
            return family
    return "ecs"


def faas_codes(digest: Path) -> dict[str, frozenset[int]]:
    """The guide's FaaS error table (GUIDE-DIGEST.md §8): ``CODE STATUS[/STATUS]`` items."""
    text = digest.read_text(encoding="utf-8")
    section = text[text.index("## 8.") :]
    table = section[section.index("Limits and errors") :]
    found: dict[str, set[int]] = {}
    for item in re.split(r";|\n-", table):
        item = " ".join(item.split())
        match = re.search(r'"?([A-Za-z][A-Za-z .]*[A-Za-z])"?\s+(\d{3}(?:/\d{3})*)', item)
        if match:
            code = match.group(1).strip()
            code = re.sub(r"^.*\):\s*", "", code)
            statuses = {int(s) for s in match.group(2).split("/")}
            found.setdefault(code, set()).update(statuses)
        elif item.strip().rstrip(".") in ("AccessDeniedError",):
            found.setdefault(item.strip().rstrip("."), set())
    return {code: frozenset(s) for code, s in found.items()}


# Functions that build a ``Param`` (String, Integer, RepeatList, ...): a ``code=`` given to
# them travels with ``Param.http_status`` unless ``http_status=`` is given too.
_PARAM_BUILDERS = frozenset(
    {"Param", "String", "Integer", "Long", "Boolean", "Float", "RepeatList", "Object", "JsonList"}
)
_PARAM_STATUS = Param("any").http_status


@dataclass(frozen=True)
class Raised:
    code: str
    # None where it cannot be told statically (a hand-written body)
    status: int | None
    where: str


# -- collecting --------------------------------------------------------------------------------


@dataclass
class _ClassInfo:
    bases: list[str]
    code: str | None
    status: int | None


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(SRC.parent)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SRC.rglob("*.py"))
    ]


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _class_table(modules: list[tuple[str, ast.Module]]) -> dict[str, _ClassInfo]:
    table: dict[str, _ClassInfo] = {}
    for _, tree in modules:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            info = _ClassInfo(
                [b.id if isinstance(b, ast.Name) else "" for b in node.bases], None, None
            )
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target, value = statement.targets[0], statement.value
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    target, value = statement.target, statement.value
                else:
                    continue
                if isinstance(target, ast.Name) and target.id == "code":
                    code = _literal(value)
                    info.code = code if isinstance(code, str) else None
                if isinstance(target, ast.Name) and target.id == "http_status":
                    status = _literal(value)
                    info.status = status if isinstance(status, int) else None
            table[node.name] = info
    return table


def _class_status(table: dict[str, _ClassInfo], name: str) -> int | None:
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop(0)
        info = table.get(current)
        if info is None or current in seen:
            continue
        seen.add(current)
        if info.status is not None:
            return info.status
        pending.extend(info.bases)
    return None


def _is_error_class(table: dict[str, _ClassInfo], name: str) -> bool:
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current == "EcsError":
            return True
        if current in seen or current not in table:
            continue
        seen.add(current)
        pending.extend(table[current].bases)
    return False


@cache
def raised_codes() -> tuple[Raised, ...]:
    modules = _modules()
    table = _class_table(modules)
    found: list[Raised] = []
    for where, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                keywords = {k.arg: k.value for k in node.keywords if k.arg}
                code = _literal(keywords.get("code"))
                if not isinstance(code, str):
                    continue
                status = _literal(keywords.get("http_status"))
                callee = _callee(node)
                if not isinstance(status, int):
                    if callee in _PARAM_BUILDERS:
                        status = _PARAM_STATUS
                    elif callee is not None and _is_error_class(table, callee):
                        status = _class_status(table, callee)
                    else:
                        status = None
                found.append(Raised(code, status, f"{where}:{node.lineno}"))
            elif isinstance(node, ast.ClassDef) and _is_error_class(table, node.name):
                info = table[node.name]
                if info.code is not None:
                    status = _class_status(table, node.name)
                    found.append(Raised(info.code, status, f"{where}:{node.lineno}"))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    code = _literal(value)
                    if _literal(key) == "Code" and isinstance(code, str):
                        found.append(Raised(code, None, f"{where}:{node.lineno}"))
    for cls in _error_classes():
        where = f"{cls.__module__}.{cls.__qualname__}"
        found.append(Raised(cls.code, cls.http_status, where))
    return tuple(found)


def _error_classes() -> list[type[EcsError]]:
    # Importing the composition root imports every wired module, and so defines their
    # EcsError subclasses.
    importlib.import_module("ecsim.app")
    out: list[type[EcsError]] = []
    pending: list[type[EcsError]] = [EcsError]
    while pending:
        cls = pending.pop()
        out.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in out if cls.__module__.startswith("ecsim")]


def _by_code() -> dict[str, list[Raised]]:
    grouped: dict[str, list[Raised]] = {}
    for raised in raised_codes():
        grouped.setdefault(raised.code, []).append(raised)
    return dict(sorted(grouped.items()))


_CODES = _by_code()


# -- the gateway table -------------------------------------------------------------------------

_TEMPLATE = re.compile(r"<[^>]+>")


def gateway_codes(semantics: Path) -> dict[str, frozenset[int]]:
    """The §1.4 table of ecs-api-semantics.md: code -> HTTP statuses.

    A cell such as ``InvalidAction / InvalidAction.NotFound`` names several codes; one such
    as ``Invalid\\<Res\\>Id.NotFound`` is a pattern, standing for the codes the row names in
    backquotes that fit it.
    """
    lines = semantics.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### 1.4"))
    table: dict[str, set[int]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[1] or not re.search(r"\d{3}", cells[1]):
            continue
        statuses = {int(s) for s in re.findall(r"\b[1-5]\d\d\b", cells[1])}
        for name in cells[0].replace("\\", "").split("/"):
            name = name.strip().strip("`")
            if _TEMPLATE.search(name):
                pattern = re.compile("^" + _TEMPLATE.sub(r"\\w+", re.escape(name)) + "$")
                names = [n for n in re.findall(r"`([^`]+)`", line) if pattern.match(n)]
            else:
                names = [name]
            for code in names:
                table.setdefault(code, set()).update(statuses)
    return {code: frozenset(found) for code, found in table.items()}


@pytest.fixture(scope="module")
def gateway(api_meta_dir: Path) -> dict[str, frozenset[int]]:
    semantics = api_meta_dir.parent / "ecs-api-semantics.md"
    if not semantics.is_file():
        pytest.skip("../shared/reference/ecs-api-semantics.md is not present")
    return gateway_codes(semantics)


# -- tests -------------------------------------------------------------------------------------


def test_codes_are_found() -> None:
    # The scan itself works: the base class and a parameter-level code are seen.
    assert "InternalError" in _CODES
    assert "MissingParameter" in _CODES


@pytest.mark.parametrize("code", list(_CODES), ids=list(_CODES))
def test_raised_code_is_documented_with_its_status(
    api_meta_dir: Path, gateway: dict[str, frozenset[int]], code: str
) -> None:
    families = {family_of(r.where) for r in _CODES[code]}
    if families != {"ecs"}:
        _check_product_code(api_meta_dir, gateway, code)
        return
    documented = error_code_statuses(api_meta_dir).get(code, frozenset()) | gateway.get(
        code, frozenset()
    )
    if code in EXTENSIONS:
        allowed = frozenset({EXTENSIONS[code]})
    elif documented:
        allowed = documented
    else:
        places = ", ".join(r.where for r in _CODES[code])
        pytest.fail(f"{code} (raised at {places}) is in neither the metadata nor §1.4")
    wrong = [r for r in _CODES[code] if r.status is not None and r.status not in allowed]
    assert not wrong, f"{code}: documented with HTTP {sorted(allowed)}, raised with " + ", ".join(
        f"{r.status} at {r.where}" for r in wrong
    )


def _check_product_code(api_meta_dir: Path, gateway: dict[str, frozenset[int]], code: str) -> None:
    """A code raised by the FaaS, RAM or OSS modules, checked against that product."""
    for raised in _CODES[code]:
        family = family_of(raised.where)
        if family == "faas":
            table = faas_codes(api_meta_dir.parent / "GUIDE-DIGEST.md")
            allowed = table.get(code) or RAM_FAAS_SHARED.get(code)
        elif family == "ram":
            allowed = _one(RAM_CODES.get(code)) or RAM_FAAS_SHARED.get(code)
        elif family == "oss":
            allowed = _one(OSS_CODES.get(code))
        else:
            allowed = (
                error_code_statuses(api_meta_dir).get(code)
                or gateway.get(code)
                or _one(EXTENSIONS.get(code))
            )
        assert allowed is not None, f"{code} ({family}, at {raised.where}) is not documented"
        if allowed and raised.status is not None:
            assert raised.status in allowed, (
                f"{code}: documented with HTTP {sorted(allowed)}, raised with {raised.status} "
                f"at {raised.where}"
            )


def _one(status: int | None) -> frozenset[int] | None:
    return frozenset({status}) if status is not None else None


# FaaS errors that RAM's bucket check raises on the FaaS service's behalf (guide §8's table).
RAM_FAAS_SHARED: dict[str, frozenset[int]] = {
    "EntityNotExist.RoleError": frozenset({404}),
    "RoleAccessError": frozenset({403}),
    # The guide's table lists AccessDeniedError without a status; 403 is ours.
    "AccessDeniedError": frozenset({403}),
}


def test_faas_table_is_parsed(api_meta_dir: Path) -> None:
    table = faas_codes(api_meta_dir.parent / "GUIDE-DIGEST.md")
    assert table["IMAGE NUMBER EXCEED"] == {401}
    assert table["FREQUENCY ERROR"] == {503}
    assert table["IMAGE NOT FOUND"] == {400, 404}
    assert table["EntityNotExist.RoleError"] == {404}


@pytest.mark.parametrize("code", sorted(EXTENSIONS))
def test_extension_is_needed(
    api_meta_dir: Path, gateway: dict[str, frozenset[int]], code: str
) -> None:
    assert code in _CODES, f"EXTENSIONS lists {code}, which ecsim no longer raises"
    assert code not in error_code_statuses(api_meta_dir), f"{code} is in the metadata"
    assert code not in gateway, f"{code} is in the §1.4 gateway table"


def test_gateway_table_is_parsed(gateway: dict[str, frozenset[int]]) -> None:
    assert gateway["SignatureDoesNotMatch"] == {400}
    assert gateway["InvalidAction.NotFound"] == {403, 404}
    assert 404 in gateway["InvalidSecurityGroupId.NotFound"]

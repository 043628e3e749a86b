"""``__all__`` is exact: every module that declares it exports only names it defines or imports.

Checked with ast over src/ecsim, so no module needs importing. A name counts as bound when a
module-level statement binds it at run time: ``def``, ``class``, assignment, ``import``, also
inside a top-level ``if``/``try``/``with``/``for``, but not under ``if TYPE_CHECKING:`` (those
names do not exist at run time). A package may also export its own submodules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import ecsim

SRC = Path(ecsim.__file__).resolve().parent


def _declares_all(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        _targets_all(target)
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def bound_names(body: list[ast.stmt]) -> Iterator[str]:
    """Names the module-level statements ``body`` bind at run time (``*`` for a star import)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _targets(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if not isinstance(node, ast.AnnAssign) or node.value is not None:
                yield from _targets(node.target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield alias.asname or alias.name
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from bound_names(node.body)
            yield from bound_names(node.orelse)
        elif isinstance(node, ast.Try):
            yield from bound_names(node.body)
            for handler in node.handlers:
                yield from bound_names(handler.body)
            yield from bound_names(node.orelse)
            yield from bound_names(node.finalbody)
        elif isinstance(node, (ast.With, ast.For)):
            if isinstance(node, ast.For):
                yield from _targets(node.target)
            yield from bound_names(node.body)


def exported(tree: ast.Module) -> list[str] | None:
    """The names in ``__all__`` (with ``+=`` extensions), or None where it is not literal."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value: ast.expr | None = node.value
            names = []
        elif isinstance(node, ast.AnnAssign) and _targets_all(node.target):
            value = node.value
            names = []
        elif isinstance(node, ast.AugAssign) and _targets_all(node.target):
            value = node.value
        else:
            continue
        if not isinstance(value, (ast.List, ast.Tuple)):
            return None
        for element in value.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            names.append(element.value)
    return names


def _targets_all(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and target.id == "__all__"


_MODULES: list[Path] = [path for path in sorted(SRC.rglob("*.py")) if _declares_all(path)]


def _submodules(path: Path) -> set[str]:
    if path.name != "__init__.py":
        return set()
    folder = path.parent
    return {p.stem for p in folder.glob("*.py") if p.name != "__init__.py"} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").is_file()
    }


@pytest.mark.parametrize("path", _MODULES, ids=lambda p: str(p.relative_to(SRC.parent)))
def test_all_names_exist(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = exported(tree)
    assert names is not None, "__all__ must be a literal list or tuple of strings"
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"__all__ lists {duplicates} more than once"
    bound = set(bound_names(tree.body))
    if "*" in bound:
        pytest.skip("a star import hides what the module binds")
    missing = [name for name in names if name not in bound | _submodules(path)]
    assert not missing, f"__all__ names {missing}, which the module neither defines nor imports"


def test_modules_are_found() -> None:
    # The scan itself works: errors.py declares __all__.
    assert SRC / "errors.py" in _MODULES


def test_the_checker_catches_a_missing_name() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from x import Hidden\n"
        "import a.b\n"
        "from c import d as e\n"
        "f: int\n"
        "g: int = 1\n"
        "__all__ = ['a', 'e', 'g', 'Hidden', 'f']\n"
    )
    names = exported(tree)
    assert names is not None
    bound = set(bound_names(tree.body))
    assert [name for name in names if name not in bound] == ["Hidden", "f"]

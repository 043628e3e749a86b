"""The layering of STYLE-ANCHORS §6.3, checked over src/ecsim with ast.

Every import counts, wherever it sits: at module level, inside a function, or under
``if TYPE_CHECKING:`` (a type-only import still ties the layers together). Relative imports
are resolved, and ``from ecsim import signing`` counts as importing ``ecsim.signing``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ecsim

SRC = Path(ecsim.__file__).resolve().parent
# The hard cap of STYLE-ANCHORS §6.1 (files aim for 400 lines).
MAX_LINES = 800


@dataclass(frozen=True)
class Rule:
    """Modules in ``layer`` may import, from ecsim, only what ``allowed`` names (each a
    package or module prefix) and nothing that ``forbidden`` names."""

    name: str
    layer: str
    allowed: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    # also refuse third-party (non-stdlib) imports
    stdlib_only: bool = False


RULES: tuple[Rule, ...] = (
    Rule("model is the domain", "ecsim.model", allowed=("ecsim.model", "ecsim.errors")),
    Rule("control does not know the wire", "ecsim.control", forbidden=("ecsim.api", "ecsim.cli")),
    Rule(
        "cli is a client of the HTTP API",
        "ecsim.cli",
        forbidden=("ecsim.control", "ecsim.model", "ecsim.store"),
    ),
    Rule(
        "faascmd is a client of the HTTP API",
        "ecsim.faascmd",
        forbidden=("ecsim.control", "ecsim.model", "ecsim.store", "ecsim.api", "ecsim.engine"),
    ),
    Rule(
        "the storage engine stands alone (the control plane drives it)",
        "ecsim.storage",
        allowed=("ecsim.storage", "ecsim.errors"),
    ),
    Rule("signing stands alone", "ecsim.signing", allowed=()),
    Rule("errors stand alone", "ecsim.errors", allowed=()),
    # the store encodes domain values (store/codecs), and knows nothing above the domain
    Rule(
        "store knows only the domain",
        "ecsim.store",
        allowed=("ecsim.store", "ecsim.model"),
        stdlib_only=True,
    ),
    # Layers of §6.3 not written yet; the rules hold from their first module.
    Rule("engine is pure", "ecsim.engine", allowed=("ecsim.engine", "ecsim.model", "ecsim.errors")),
    # the data plane knows the domain and the engine's decisions, never the API or the store
    Rule(
        "dataplane sits under the control plane",
        "ecsim.dataplane",
        allowed=("ecsim.dataplane", "ecsim.engine", "ecsim.model", "ecsim.errors"),
    ),
)

# Only the Linux driver touches the kernel (netlink, nftables, namespaces, raw syscalls).
KERNEL_MODULES = ("pyroute2", "ctypes")
KERNEL_LAYER = "ecsim.dataplane.linux"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _exists(module: str) -> bool:
    relative = Path(*module.split("."))
    return (SRC.parent / relative).with_suffix(".py").is_file() or (
        SRC.parent / relative / "__init__.py"
    ).is_file()


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in ``path``, relative ones resolved."""
    module = _module_name(path)
    package = module if _is_package(path) else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yielded = False
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if base.split(".")[0] == "ecsim" and _exists(candidate):
                    yield candidate, node.lineno
                    yielded = True
            if not yielded:
                yield base, node.lineno


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return top == "__future__" or top in sys.stdlib_module_names


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def violations(rule: Rule) -> list[str]:
    found: list[str] = []
    for path in _sources():
        module = _module_name(path)
        if not _within(module, (rule.layer,)):
            continue
        where = path.relative_to(SRC.parent)
        for imported, line in imports_of(path):
            if _within(imported, ("ecsim",)):
                if imported == "ecsim":
                    # ``from ecsim import __version__``: the package itself, no layer
                    continue
                refused = _within(imported, rule.forbidden) or (
                    rule.allowed is not None and not _within(imported, rule.allowed)
                )
                if refused:
                    found.append(f"{where}:{line} imports {imported}")
            elif rule.stdlib_only and not _is_stdlib(imported):
                found.append(f"{where}:{line} imports third-party {imported}")
    return found


@pytest.mark.parametrize("rule", RULES, ids=[rule.layer for rule in RULES])
def test_import_rule(rule: Rule) -> None:
    found = violations(rule)
    assert not found, f"{rule.name}:\n  " + "\n  ".join(found)


def test_only_the_linux_driver_touches_the_kernel() -> None:
    found = [
        f"{path.relative_to(SRC.parent)}:{line} imports {imported}"
        for path in _sources()
        if not _within(_module_name(path), (KERNEL_LAYER,))
        for imported, line in imports_of(path)
        if _within(imported, KERNEL_MODULES)
    ]
    assert not found, "kernel access outside the Linux driver:\n  " + "\n  ".join(found)


def test_import_scan_sees_imports() -> None:
    # The scan itself works: app.py wires the layers together, so it must see them.
    imported = {name for name, _ in imports_of(SRC / "app.py")}
    assert {"ecsim.api.registry", "ecsim.control.accounts", "ecsim.store.sqlite"} <= imported


def test_relative_imports_resolve() -> None:
    # Every ecsim import the scan reports names a module or package that exists (or the
    # package ``ecsim`` itself), so a rule never misses an import through a bad resolution.
    unresolved = [
        f"{path.relative_to(SRC.parent)}:{line} {name}"
        for path in _sources()
        for name, line in imports_of(path)
        if _within(name, ("ecsim",)) and name != "ecsim" and not _exists(name)
    ]
    assert not unresolved, "\n".join(unresolved)


def _capped_files() -> Iterator[Path]:
    """Every file under src/ but package data (.json), byte code and build metadata."""
    for path in sorted(SRC.parent.rglob("*")):
        parts = path.relative_to(SRC.parent).parts
        if not path.is_file() or path.suffix in (".json", ".pyc"):
            continue
        if "__pycache__" in parts or any(part.endswith(".egg-info") for part in parts):
            continue
        yield path


def test_files_are_within_the_line_cap() -> None:
    too_long: list[str] = []
    for path in _capped_files():
        with path.open("rb") as handle:
            lines = sum(1 for _ in handle)
        if lines > MAX_LINES:
            too_long.append(f"{path.relative_to(SRC.parent.parent)}: {lines} lines")
    assert not too_long, f"over the {MAX_LINES}-line cap:\n  " + "\n  ".join(too_long)

"""The import rules of docs/ARCHITECTURE.md, checked by walking the ast of every workbench module.

Every import counts: top level, inside functions (lazy), under `if TYPE_CHECKING:`, relative, and
`importlib.import_module("...")` / `__import__("...")` with a literal name. Packages not written
yet are simply not walked; a new top-level package must be added to `ALLOWED` before it passes.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOT = REPO / "workbench"

# Which workbench packages each package may import (its own package is always allowed).
LAYERS = (
    "protocol",
    "audio",
    "session",
    "client",
    "recognition",
    "server",
    "controller",
    "lab",
    "ui",
    "app",
)
ALLOWED: dict[str, frozenset[str]] = {
    "protocol": frozenset(),
    "audio": frozenset(),
    "session": frozenset({"protocol"}),
    "client": frozenset({"protocol"}),
    "recognition": frozenset({"protocol", "audio"}),
    "server": frozenset({"protocol", "recognition", "audio"}),
    "controller": frozenset({"client", "audio", "session", "protocol"}),
    "lab": frozenset({"client", "session", "audio", "protocol"}),
    "ui": frozenset(LAYERS) - {"ui", "app"},
    "app": frozenset(LAYERS) - {"app"},
}
# Modules directly in workbench/ and the package whose rules they follow. The root __init__ is
# imported with every subpackage, so it must stay as pure as the protocol core.
ROOT_MODULES = {"__init__": "protocol", "__main__": "app"}
# Packages that may import only the standard library (and themselves).
STDLIB_ONLY = frozenset({"protocol"})
GUI_LIBRARIES = frozenset({"PySide6", "shiboken6", "pyqtgraph", "qasync"})
GUI_LAYERS = frozenset({"ui", "app"})
UI_IMPORTERS = frozenset({"ui", "app"})


@dataclass(frozen=True)
class Imported:
    """One import found in a module: the absolute dotted name and its line."""

    name: str
    line: int


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    parts = _package_of(module, is_package).split(".")
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


def _literal_import_call(node: ast.Call) -> str | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in {"import_module", "__import__"} or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def imports_of(module: str, is_package: bool, source: str) -> list[Imported]:
    """Every module that `source` (the text of `module`) imports, as absolute dotted names."""
    found: list[Imported] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Imported(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(node, module, is_package)
            if base == "workbench":
                # `from workbench import ui` imports the package workbench.ui.
                for alias in node.names:
                    sub = alias.name if alias.name in ALLOWED else None
                    found.append(Imported(f"workbench.{sub}" if sub else base, node.lineno))
            else:
                found.append(Imported(base, node.lineno))
        elif isinstance(node, ast.Call) and (name := _literal_import_call(node)):
            found.append(Imported(name, node.lineno))
    return found


def layer_of(module: str) -> str:
    """The package of the architecture table that a workbench module belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return ROOT_MODULES["__init__"]
    if len(parts) == 2 and parts[1] in ROOT_MODULES:
        return ROOT_MODULES[parts[1]]
    return parts[1]


def violations(module: str, is_package: bool, source: str) -> list[str]:
    """Every import of `source` (the text of `module`) that the architecture forbids."""
    layer = layer_of(module)
    if layer not in ALLOWED:
        return [f"{module}: package workbench.{layer} is not in the architecture table"]
    problems: list[str] = []
    for imported in imports_of(module, is_package, source):
        where = f"{module}:{imported.line} imports {imported.name}"
        top, _, rest = imported.name.partition(".")
        if top != "workbench":
            if layer in STDLIB_ONLY and top not in sys.stdlib_module_names:
                problems.append(f"{where}: workbench.{layer} may import only the standard library")
            if top in GUI_LIBRARIES and layer not in GUI_LAYERS:
                problems.append(f"{where}: only workbench.ui and workbench.app may import {top}")
            continue
        if not rest:
            continue  # the root package holds only __version__
        target = rest.partition(".")[0]
        if target == layer:
            continue
        if target == "ui" and layer not in UI_IMPORTERS:
            problems.append(f"{where}: nothing but workbench.app imports workbench.ui")
        elif target not in ALLOWED.get(layer, frozenset()):
            problems.append(f"{where}: workbench.{layer} may not import workbench.{target}")
    return problems


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _source_files() -> list[Path]:
    return sorted(p for p in SOURCE_ROOT.rglob("*.py") if "__pycache__" not in p.parts)


# --- the code base ------------------------------------------------------------------------------


def test_the_walk_finds_the_code() -> None:
    names = {_module_name(path)[0] for path in _source_files()}
    assert {"workbench", "workbench.protocol", "workbench.app.cli"} <= names


def test_every_top_level_package_and_module_is_in_the_table() -> None:
    unknown = [
        child.name
        for child in SOURCE_ROOT.iterdir()
        if (child.is_dir() and child.name != "__pycache__" and child.name not in ALLOWED)
        or (child.suffix == ".py" and child.stem not in ROOT_MODULES)
    ]
    assert not unknown, f"add these to the architecture table first: {unknown}"


def test_the_code_base_respects_the_layering() -> None:
    problems: list[str] = []
    for path in _source_files():
        module, is_package = _module_name(path)
        problems.extend(violations(module, is_package, path.read_text(encoding="utf-8")))
    assert not problems, "layering violations:\n" + "\n".join(problems)


def test_the_table_is_acyclic_and_names_only_known_packages() -> None:
    for layer, allowed in ALLOWED.items():
        assert allowed <= set(LAYERS), layer
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(layer: str) -> None:
        assert layer not in visiting, f"import cycle through workbench.{layer}"
        if layer in done:
            return
        visiting.add(layer)
        for dependency in ALLOWED[layer]:
            visit(dependency)
        visiting.remove(layer)
        done.add(layer)

    for layer in LAYERS:
        visit(layer)


# --- the checker itself: it must be able to fail ----------------------------------------------

FLAGGED = [
    ("workbench.protocol.codec", False, "import numpy", "only the standard library"),
    ("workbench.protocol.codec", False, "import aiohttp.web", "only the standard library"),
    ("workbench.protocol.codec", False, "from workbench.session import x", "workbench.session"),
    ("workbench.protocol.codec", False, "from ..session import timeline", "workbench.session"),
    ("workbench", True, "import numpy", "only the standard library"),
    ("workbench.session.model", False, "from PySide6.QtCore import QObject", "PySide6"),
    ("workbench.audio.capture", False, "def f():\n    import pyqtgraph\n", "pyqtgraph"),
    ("workbench.controller", True, "import qasync", "qasync"),
    ("workbench.controller.run", False, "from workbench.ui import panels", "workbench.ui"),
    ("workbench.controller.run", False, "from workbench import ui", "workbench.ui"),
    ("workbench.controller.run", False, "from ..ui.panels import Panel", "workbench.ui"),
    ("workbench.session.bundle", False, "from workbench.client import ws", "workbench.client"),
    ("workbench.lab.batch", False, "import workbench.server.app", "workbench.server"),
    ("workbench.server.app", False, "from workbench.controller import x", "workbench.controller"),
    ("workbench.ui.main", False, "from workbench.app import settings", "workbench.app"),
    ("workbench.client.ws", False, "if TYPE_CHECKING:\n    import workbench.audio\n", "audio"),
    ("workbench.audio.io", False, "importlib.import_module('workbench.session')", "session"),
    ("workbench.widgets.x", False, "import json", "not in the architecture table"),
]

ACCEPTED = [
    ("workbench.protocol.codec", False, "from __future__ import annotations\nimport json, enum"),
    ("workbench.protocol.codec", False, "from . import messages\nfrom .states import State"),
    ("workbench.protocol", True, "from .codec import encode\nfrom workbench.protocol import pair"),
    ("workbench.session.bundle", False, "from workbench.protocol.messages import Recognize"),
    ("workbench.server.app", False, "import aiohttp\nfrom ..recognition import vad"),
    ("workbench.controller.run", False, "from workbench import audio, client, session"),
    ("workbench.ui.main", False, "from PySide6 import QtWidgets\nfrom ..controller import run"),
    ("workbench.app.cli", False, "import workbench\nfrom workbench.ui import main"),
    ("workbench.__main__", False, "from workbench.app.cli import main"),
    ("workbench.audio.capture", False, "import numpy\nimport sounddevice"),
]


@pytest.mark.parametrize(("module", "is_package", "source", "expected"), FLAGGED)
def test_the_checker_flags_a_violation(
    module: str, is_package: bool, source: str, expected: str
) -> None:
    problems = violations(module, is_package, source)
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize(("module", "is_package", "source"), ACCEPTED)
def test_the_checker_accepts_allowed_imports(module: str, is_package: bool, source: str) -> None:
    assert violations(module, is_package, source) == []

"""The shape of the code: no import cycles, no god files, and imports only in the allowed direction.

Imports are read from the source (AST), including imports inside functions (they
hide a cycle, they do not remove it); only ``if TYPE_CHECKING:`` blocks are left
out. docs/architecture.md explains the layers these rules encode.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "recommender")
MAX_MODULE_LINES = 500


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``bot`` and ``recommender``."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            parts = list(file.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = file
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(name: str, file: Path) -> Iterator[str]:
    """Every dotted name an import statement in ``file`` mentions (TYPE_CHECKING left out)."""
    is_package = file.name == "__init__.py"
    pending: list[ast.AST] = [ast.parse(file.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                pending.extend(child.orelse)
                continue
            if isinstance(child, ast.Import):
                yield from (alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                yield target
                yield from (f"{target}.{alias.name}" for alias in child.names)
            pending.append(child)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports (a name resolves to its longest module prefix)."""
    modules = module_files()
    graph: dict[str, frozenset[str]] = {}
    for name, file in modules.items():
        targets = set()
        for imported in _imported_names(name, file):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = frozenset(targets)
    return graph


def import_cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_imports_inside_functions_count_and_type_checking_ones_do_not(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.hidden import Thing\n"
        "def f():\n    from bot.lazy import other\n"
    )
    names = set(_imported_names("bot.m", source))
    assert "bot.lazy.other" in names
    assert not any(n.startswith("bot.hidden") for n in names)


def test_no_import_cycles_in_bot_or_recommender() -> None:
    cycles = import_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("name", sorted(module_files()))
def test_no_module_is_a_god_file(name: str) -> None:
    lines = len(module_files()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines (split it along its seams)"


#: What each layer must not import (a prefix names a package and everything under it).
#: docs/architecture.md draws the same picture.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "recommender": ("bot",),
    "bot.lists": ("bot.",),
    "bot.errors": ("bot.",),
    "bot.texts": ("bot.",),
    "bot.config": ("bot.",),
    "bot.token_bucket": ("bot.",),
    "bot.heap": ("bot.",),
    "bot.model_slot": ("bot.",),
    "bot.storage": (
        "bot.service.recommendation",
        "bot.frontends",
        "bot.sources",
        "bot.errors",
        "bot.retrain",
        "bot.serving",
        "bot.runtime",
        "bot.cli",
    ),
    "bot.sources": (
        "bot.storage",
        "bot.service",
        "bot.frontends",
        "bot.retrain",
        "bot.serving",
        "bot.runtime",
        "bot.cli",
    ),
    "bot.service": (
        "bot.storage",
        "bot.frontends",
        "bot.retrain",
        "bot.serving",
        "bot.runtime",
        "bot.cli",
        "bot.config",
    ),
    "bot.retrain": (
        "bot.storage",
        "bot.service.recommendation",
        "bot.frontends",
        "bot.serving",
        "bot.runtime",
        "bot.cli",
    ),
    "bot.frontends": (
        "bot.storage",
        "bot.sources",
        "bot.retrain",
        "bot.serving",
        "bot.runtime",
        "bot.cli",
    ),
    "bot.serving": ("bot.storage", "bot.sources", "bot.runtime", "bot.cli"),
    "bot.runtime": ("bot.cli",),
}
#: The exceptions to FORBIDDEN: what a layer may import all the same.
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.model_slot": ("bot.heap",),  # a leaf that tells the heap of swapped-out models
}
#: Third-party libraries that belong to one layer only.
LIBRARY_HOMES: dict[str, tuple[str, ...]] = {
    "aiosqlite": ("bot.storage",),
    "asyncpg": ("bot.storage",),
    "sqlite3": ("bot.storage", "recommender"),
    "httpx": ("bot.sources", "bot.runtime"),
    "discord": ("bot.frontends.discord",),
    "telegram": ("bot.frontends.telegram",),
    "aiohttp": ("bot.frontends.discord",),
    "argparse": ("bot.cli",),
    "pyspark": ("recommender.spark",),
    "py4j": ("recommender.spark",),
}


def _under(name: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


def test_each_layer_imports_only_downward() -> None:
    broken = []
    for module, targets in import_graph().items():
        for layer, forbidden in FORBIDDEN.items():
            if _under(module, layer):
                allowed = ALLOWED.get(layer, ())
                broken += [
                    f"{module} -> {t}"
                    for t in targets
                    if any(_under(t, f) for f in forbidden)
                    and not any(_under(t, a) for a in allowed)
                ]
    assert broken == [], "\n".join(broken)


def test_only_the_command_line_builds_the_runtime() -> None:
    importers = [m for m, targets in import_graph().items() if "bot.runtime" in targets]
    assert importers and all(_under(m, "bot.cli") for m in importers)


def test_libraries_stay_in_their_layer() -> None:
    modules = module_files()
    misplaced = []
    for name, file in modules.items():
        imported = {n.split(".")[0] for n in _imported_names(name, file)}
        for library, homes in LIBRARY_HOMES.items():
            if library in imported and not any(_under(name, home) for home in homes):
                misplaced.append(f"{name} imports {library}")
    assert misplaced == [], "\n".join(misplaced)

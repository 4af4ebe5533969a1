"""The house rules a newcomer relies on (DESIGN.md style, docs/architecture.md), checked on the
source itself: the library never imports the flows, modules import each other in one direction,
and a function over 60 lines says why just above it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from conftest import ROOT

PACKAGE = ROOT / "src" / "journeys"
LONGEST = 60
PENDING: set[tuple[str, str]] = set()
"""Long functions waiting for a split (file, name): none."""


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("journeys", *path.relative_to(PACKAGE).with_suffix("").parts))
        yield name.removesuffix(".__init__"), path, ast.parse(path.read_text(encoding="utf-8"))


def imports(tree: ast.Module) -> Iterator[str]:
    """Every module an import statement names, at any depth, except under TYPE_CHECKING."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_library_never_imports_the_flows():
    """DESIGN.md: only the CLI's demo, run and serve commands import ``pipelines``."""
    importers = {
        name
        for name, _, tree in modules()
        if any(n == "pipelines" or n.startswith("pipelines.") for n in imports(tree))
    }
    assert importers == {"journeys.cli"}


def test_modules_import_each_other_in_one_direction():
    """No import cycle, lazy imports inside functions included (they only hide a cycle)."""
    found = {name: tree for name, _, tree in modules()}
    graph = nx.DiGraph()
    graph.add_nodes_from(found)
    for name, tree in found.items():
        graph.add_edges_from((name, other) for other in imports(tree) if other in found)
    graph.remove_edges_from(nx.selfloop_edges(graph))
    assert graph.number_of_edges() > 50
    assert list(nx.simple_cycles(graph)) == []


def long_functions() -> Iterator[tuple[str, str, int, str]]:
    """(file, function, lines, the line just above it) of every function over LONGEST lines."""
    for _, path, tree in modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                length = (node.end_lineno or first) - first + 1
                if length > LONGEST:
                    above = lines[first - 2].strip() if first > 1 else ""
                    yield path.relative_to(PACKAGE).as_posix(), node.name, length, above


def test_a_function_over_60_lines_says_why_just_above_it():
    unexplained = [
        f"{file}:{name} ({length} lines)"
        for file, name, length, above in long_functions()
        if not above.startswith("#") and (file, name) not in PENDING
    ]
    assert unexplained == [], "split them, or write the reason in a comment line above the def"

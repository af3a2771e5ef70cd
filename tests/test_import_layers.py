"""No import circles among the modules of ``sim``, and no layer imports a higher one.

Every ``import`` statement counts, at module level or inside a function: a
function-level import hides a circle from Python's loader but not from a
reader, who still cannot understand one module without the other. Imports
under ``if TYPE_CHECKING:`` are left out: they name the collaborators the
Model wires together (the market and its vendors, buyer segments and import
channels) for annotations only, and nothing runs through them.

The layers, lowest first, are the folders of ``sim/`` (``LAYERS``); modules at
the top of the package (``sim/__init__.py``, ``sim/__main__.py``) belong to the
interfaces. The graph is read from the source with ``ast`` (nothing is
imported). Run this file as a script to print the circles and the upward
imports (``python3 tests/test_import_layers.py``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"


def module_name(path: Path) -> str:
    """``sim/report/data.py`` -> ``sim.report.data``; packages by their ``__init__``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


LAYERS = ("core", "scenario", "model", "results", "experiments", "report", "interfaces")


TYPE_CHECKING = ("TYPE_CHECKING", "typing.TYPE_CHECKING")  # the tests of a type-only block


def type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and ast.unparse(test or node) in TYPE_CHECKING:
            hidden.update(id(inner) for branch in node.body for inner in ast.walk(branch))
    return hidden


def targets(current: str, path: Path, known: set[str]) -> set[str]:
    """The ``sim`` modules that ``current`` imports anywhere in its source (not type-only)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = type_only(tree)
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(current, path.name == "__init__.py", node)
            names = {f"{base}.{alias.name}" for alias in node.names}
            found.update(names & known)
            if names - known:  # a name defined in ``base`` itself
                found.add(base)
    return {name for name in found if name in known and name != current}


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (module- and function-level)."""
    table = modules()
    known = set(table)
    return {name: targets(name, path, known) for name, path in table.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def layer(module: str) -> int:
    """The layer of ``module``: the index of its folder in LAYERS (top-level: interfaces)."""
    parts = module.split(".")
    if len(parts) < 3 and (len(parts) == 1 or parts[1] not in LAYERS):
        return len(LAYERS) - 1
    return LAYERS.index(parts[1])


def upward(edges: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for each import of a higher layer's module."""
    return [f"{a} -> {b}" for a in sorted(edges) for b in sorted(edges[a]) if layer(b) > layer(a)]


def test_every_folder_of_sim_is_a_layer():
    folders = {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and not path.name.startswith("__")
    }
    assert folders == set(LAYERS)
    assert {path.stem for path in PACKAGE.glob("*.py")} == {"__init__", "__main__"}


def test_no_layer_imports_a_higher_one():
    found = upward(graph())
    assert not found, "upward imports: " + "; ".join(found)


def test_the_layer_check_sees_an_upward_import():
    edges = {"sim.core.calendar": {"sim.model.rng"}, "sim.model.rng": {"sim.core.calendar"}}
    assert upward(edges) == ["sim.core.calendar -> sim.model.rng"]
    assert layer("sim") == layer("sim.__main__") == LAYERS.index("interfaces")


def test_type_only_imports_are_left_out():
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n"
        "if not TYPE_CHECKING:\n    import c\nimport b\n"
    )
    tree = ast.parse(source)
    hidden = type_only(tree)
    names = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import) and id(node) not in hidden
        for alias in node.names
    ]
    assert sorted(names) == ["b", "c"]  # "if not TYPE_CHECKING" runs: its imports count


def test_no_module_of_sim_imports_itself_through_others():
    found = circles(graph())
    assert not found, "import circles (function-level imports count): " + "; ".join(
        " <-> ".join(component) for component in found
    )


def test_the_reader_sees_function_level_imports():
    # diff_doc imports the atomic writer only inside the function that writes the document
    source = (PACKAGE / "report" / "diff_doc.py").read_text(encoding="utf-8")
    top = [n for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not any("atomic" in ast.unparse(node) for node in top)
    assert "sim.results.atomic" in graph()["sim.report.diff_doc"]


if __name__ == "__main__":
    for component in circles(graph()):
        print(" <-> ".join(component))
    print("\n".join(upward(graph())))

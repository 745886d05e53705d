"""The package graph: each layer imports only those below it, and no modules import in a circle.

Layers, lowest first: models < config < notifications < services < flows < web < cli. Every
import counts, also one inside a function: a deferred import still ties the modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["models", "config", "notifications", "services", "flows", "web", "cli"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every module named by an import anywhere in the tree (with `from a import b`: `a` and,
    if that is a module, `a.b`), with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Edges between our modules, and the upward imports (as readable lines)."""
    modules = our_modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    upward = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        layer = LAYERS.index(name.split(".")[0])
        for target, line in imported_names(tree, name, path.name == "__init__.py"):
            top = target.split(".")[0]
            if top not in LAYERS:
                continue
            if LAYERS.index(top) > layer:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
            if target in modules and target != name:
                edges[name].add(target)
    return edges, sorted(set(upward))


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_package_imports_a_layer_above_it() -> None:
    _, upward = import_graph()
    assert upward == []


def test_web_never_imports_the_cli() -> None:
    _, upward = import_graph()
    assert [line for line in upward if line.startswith("web/") and " imports cli" in line] == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    edges, _ = import_graph()
    assert circles(edges) == []


def test_the_checks_see_what_they_should() -> None:
    """The checks themselves: a circle is found, a function-local import is an edge."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from models.german import plural\n")
    assert ("models.german.plural", 2) in imported_names(tree, "cli.x", is_package=False)
    tree = ast.parse("from .spec import PhaseKind\n")
    names = imported_names(tree, "models.calendar_rules.rules", is_package=False)
    assert ("models.calendar_rules.spec", 1) in names

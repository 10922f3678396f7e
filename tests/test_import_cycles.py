"""No import cycle among the project's own modules, except the few listed below with their reason.

The graph is read from the source with ``ast``: every ``import`` and ``from … import`` of a project module,
wherever it stands (a function-level import closes a cycle as surely as a top-level one, only later, and a
``TYPE_CHECKING`` import is a dependency all the same). ``from pkg import name`` points at ``pkg.name`` when that
is a module, else at ``pkg``. A cycle is a strongly connected component of more than one module.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("admin", "app", "dataverse", "devstack", "messaging", "solution", "twilio_bridge")
TOP_LEVEL_MODULES = ("function_app",)

def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {name: ROOT / f"{name}.py" for name in TOP_LEVEL_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "node_modules" not in path.parts:
                modules[module_name(path)] = path
    return modules


def imported_modules(path: Path, module: str, modules: Collection[str]) -> Iterator[str]:
    """The project modules the import statements of ``path`` name, as absolute names."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            for alias in node.names:
                # ``from pkg import name``: the module pkg.name when there is one, else a name defined in pkg.
                submodule = f"{origin}.{alias.name}"
                if submodule in modules:
                    yield submodule
                elif origin in modules:
                    yield origin


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: set(imported_modules(path, name, modules)) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_graph_sees_imports_of_every_kind() -> None:
    graph = import_graph()
    assert "devstack.shutdown" in graph["devstack.stack"]  # top-level absolute import
    assert "devstack.dataverse_emulator.service" in graph["devstack.dataverse_emulator.server"]  # relative import
    assert "devstack.host" in graph["devstack.__main__"]  # imported inside a function


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def test_no_import_cycle() -> None:
    found = [sorted(c) for c in cycles(import_graph())]
    assert found == [], "modules that import each other (directly or around a loop): " + "; ".join(
        " ↔ ".join(c) for c in found)

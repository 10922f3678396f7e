"""The runtime never imports `solution/`, the packaging tool (DESIGN.md section 3, "Second wave"): the product's own
tables reach it as generated names (`schema/names.py`, through `messaging/names.py`), and customer tables (contact,
account, lead, any OOB or custom table) as Dataverse's table definitions, read at run time (`messaging/tables.py`).

Imports are read from the source with `ast`, as the import graph test reads them: a function-level or
`TYPE_CHECKING` import counts as much as a top-level one."""

from __future__ import annotations

from tests.test_import_cycles import import_graph

RUNTIME = ("app", "messaging", "dataverse", "twilio_bridge")
PACKAGER = "solution"


def _runtime_module(name: str) -> bool:
    return name.partition(".")[0] in RUNTIME or name == "function_app"


def test_no_runtime_module_imports_the_solution_package() -> None:
    graph = import_graph()
    offending = {module: sorted(imported for imported in imports
                                if imported == PACKAGER or imported.startswith(PACKAGER + "."))
                 for module, imports in graph.items() if _runtime_module(module)}
    assert {module: names for module, names in offending.items() if names} == {}


def test_the_check_sees_the_runtime_and_the_packager() -> None:
    graph = import_graph()
    assert "messaging.customers" in graph
    assert "app.runtime" in graph
    # The packager does import its own schema loader: the check would see a runtime module doing so.
    assert any(imported.startswith(PACKAGER + ".") for imported in graph["solution.names"])

"""The messaging domain keeps its layers (DESIGN.md section 3, STYLE.md "Decisions apart from I/O"): decisions are
pure — no decision reaches the Dataverse client, the store or a Twilio call, however indirectly —, every package
shows a small public face, no module grows past the size one reads in a sitting, and the domain imports nothing
above it."""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

import pytest

from tests.test_import_cycles import ROOT
from tests.test_import_cycles import import_graph as read_graph

MESSAGING = ROOT / "messaging"
# The modules that decide: they take plain values and return plain values (plans, verdicts, stops).
DECISIONS = (
    "messaging.status.rules",
    "messaging.inbound.rules", "messaging.inbound.matching", "messaging.inbound.consent",
    "messaging.inbound.notifications", "messaging.inbound.pictures",
    "messaging.outbound.rules", "messaging.outbound.gates", "messaging.outbound.results",
    "messaging.outbound.render_rights", "messaging.outbound.templates", "messaging.outbound.recipients",
    "messaging.outbound.reads", "messaging.customers",
    "messaging.configuration.sealing", "messaging.configuration.validation",
    "messaging.configuration.record_type_rules",
    "messaging.sweep.rules", "messaging.reconcile.rules", "messaging.intake.dataverse", "messaging.ownership.rules",
    "messaging.rows", "messaging.plans", "messaging.names",
)
# What sends a request: the Dataverse client and its transport, the store, and every Twilio call.
INPUT_OUTPUT = (
    "dataverse", "dataverse.client", "dataverse.batch", "dataverse.transport", "dataverse.auth", "dataverse.files",
    "messaging.store", "messaging.directory", "messaging.tables",
    "twilio_bridge", "twilio_bridge.client", "twilio_bridge.sender", "twilio_bridge.account", "twilio_bridge.media",
    "twilio_bridge.history",
)
LINE_LIMIT = 400


@cache
def import_graph() -> dict[str, set[str]]:
    return read_graph()


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, pending = set(), [start]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        pending.extend(graph.get(module, ()))
    return seen - {start}


@pytest.mark.parametrize("module", DECISIONS)
def test_a_decision_never_reaches_a_request(module: str) -> None:
    graph = import_graph()
    assert module in graph
    assert sorted(reachable(graph, module) & set(INPUT_OUTPUT)) == []


def test_the_checker_sees_a_shell_reach_the_client() -> None:
    graph = import_graph()
    assert "dataverse.client" in reachable(graph, "messaging.outbound.processor")
    assert "twilio_bridge.sender" in reachable(graph, "messaging.outbound.processor")


def test_no_module_of_the_domain_is_longer_than_one_reads_in_a_sitting() -> None:
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in MESSAGING.rglob("*.py")}
    assert {path: lines for path, lines in lengths.items() if lines > LINE_LIMIT} == {}


@pytest.mark.parametrize("package", sorted(str(p.parent.relative_to(ROOT)).replace("/", ".")
                                           for p in MESSAGING.rglob("__init__.py") if p.parent != MESSAGING))
def test_every_package_names_its_public_face(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert exported, f"{package} has no __all__"
    assert all(hasattr(module, name) for name in exported)


def test_the_domain_imports_nothing_above_it() -> None:
    graph = import_graph()
    above = {name for name in graph if name.split(".")[0] in ("app", "admin", "devstack", "function_app")}
    assert {module: sorted(imports & above) for module, imports in graph.items()
            if module.startswith("messaging") and imports & above} == {}


def test_the_domain_is_one_package_with_one_module_per_concern_at_its_top() -> None:
    top = sorted(path.stem for path in MESSAGING.glob("*.py") if path.stem != "__init__")
    assert "utils" not in top
    assert all(Path(MESSAGING / name).is_dir() for name in ("inbound", "outbound", "status", "configuration", "sweep",
                                                            "reconcile", "intake", "rows", "envelopes"))

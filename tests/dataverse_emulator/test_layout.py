"""The emulator's layout: modules small enough to read at once, and request handlers that are given what they need
(``ports.py``) instead of reaching for the emulator that composes them."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_cycles import import_graph

PACKAGE = "devstack.dataverse_emulator"
SOURCE = Path(__file__).resolve().parents[2] / "devstack" / "dataverse_emulator"
MAX_LINES = 400
# the emulator's composition and its entry points: the only modules that know DataverseEmulator
COMPOSITION = {PACKAGE, f"{PACKAGE}.cli", f"{PACKAGE}.server"}


def test_no_module_of_the_emulator_is_over_400_lines() -> None:
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in SOURCE.glob("*.py")}

    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_only_the_entry_points_import_the_service() -> None:
    graph = import_graph()
    importers = {module for module, imported in graph.items() if f"{PACKAGE}.service" in imported}

    assert importers
    assert importers <= COMPOSITION, sorted(importers - COMPOSITION)

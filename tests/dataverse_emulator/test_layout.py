"""The emulator's layout: request handlers are given what they need (``ports.py``) instead of reaching for the
emulator that composes them. (Module sizes are held by ``tests/test_module_sizes.py``.)"""

from __future__ import annotations

from tests.test_import_cycles import import_graph

PACKAGE = "devstack.dataverse_emulator"
# the emulator's composition and its entry points: the only modules that know DataverseEmulator
COMPOSITION = {PACKAGE, f"{PACKAGE}.cli", f"{PACKAGE}.server"}


def test_only_the_entry_points_import_the_service() -> None:
    graph = import_graph()
    importers = {module for module, imported in graph.items() if f"{PACKAGE}.service" in imported}

    assert importers
    assert importers <= COMPOSITION, sorted(importers - COMPOSITION)

"""The package keeps to its place in the dependency rule (DESIGN.md section 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import twilio_bridge

FORBIDDEN = ("app", "messaging", "dataverse", "devstack", "solution")


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_twilio_bridge_imports_no_other_project_package() -> None:
    package = Path(twilio_bridge.__file__).parent
    offenders = {path.name: sorted(imported_roots(path) & set(FORBIDDEN)) for path in package.glob("*.py")}
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_every_public_name_is_exported() -> None:
    assert all(hasattr(twilio_bridge, name) for name in twilio_bridge.__all__)
    assert {"verify", "sign", "segment_info", "MessageSender", "MediaDownloader"} <= set(twilio_bridge.__all__)

"""Small modules named for what they own: every module of the packages below stays under the line limit and opens
with a docstring saying what it owns. A module that grows past the limit is split along what it owns, keeping the
import paths other code uses (a package whose ``__init__`` re-exports the same names)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dataverse", "solution")
MAX_LINES = 400


def modules() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if "node_modules" not in path.parts]


def test_the_packages_hold_modules() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in modules()}
    assert {"dataverse/client.py", "solution/schema/__init__.py"} <= names


def test_no_module_is_over_the_line_limit() -> None:
    long = {path.relative_to(ROOT).as_posix(): n for path in modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_every_module_says_what_it_owns() -> None:
    silent = [path.relative_to(ROOT).as_posix() for path in modules()
              if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"), str(path)))]
    assert silent == [], f"modules without a docstring: {silent}"

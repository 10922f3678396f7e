"""The product version, kept in the top-level VERSION file so the app, the package and the solution agree."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["version"]

_VERSION_FILE = Path(__file__).resolve().parent.parent / "VERSION"


@cache
def version() -> str:
    try:
        return _VERSION_FILE.read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"

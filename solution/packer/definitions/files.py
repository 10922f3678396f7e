"""Where the definition files live, reading one, and the error every definition problem raises."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SOLUTION_DIR = Path(__file__).resolve().parents[2]
FORMS_DIR = SOLUTION_DIR / "forms"
APP_DIR = SOLUTION_DIR / "app"


class DefinitionError(ValueError):
    """A form, view, app or role definition is malformed or names something that does not exist."""


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path}: {exc}") from exc


def required_str(path: Path, doc: dict[str, Any], key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value:
        raise DefinitionError(f"{path.name}: {key!r} must be a non-empty string")
    return value

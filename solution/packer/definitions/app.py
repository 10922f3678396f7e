"""The model-driven app and its site map, from ``solution/app/app.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solution.schema import Schema

from .files import DefinitionError
from .files import required_str as _str


@dataclass(frozen=True)
class SubArea:
    id: str
    title: str
    table: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    subareas: tuple[SubArea, ...]


@dataclass(frozen=True)
class App:
    unique_name: str
    display_name: str
    description: str
    area_title: str
    groups: tuple[Group, ...]
    tables: tuple[str, ...]  # every table the app shows


def read_app(path: Path, doc: dict[str, Any]) -> App:
    a = doc.get("app", {})
    groups = []
    for g in doc.get("groups", []):
        subs = []
        for s in g.get("subareas", []):
            if ("table" in s) == ("url" in s):
                raise DefinitionError(f"{path.name}: subarea {s.get('id')!r} needs exactly one of table and url")
            subs.append(SubArea(_str(path, s, "id"), _str(path, s, "title"), s.get("table"), s.get("url")))
        groups.append(Group(_str(path, g, "id"), _str(path, g, "title"), tuple(subs)))
    return App(
        unique_name=_str(path, a, "unique_name"),
        display_name=_str(path, a, "display_name"),
        description=str(a.get("description", "")),
        area_title=_str(path, a, "area_title"),
        groups=tuple(groups),
        tables=tuple(a.get("tables", [])),
    )


def check_app(schema: Schema, app: App) -> None:
    for table_name in app.tables:
        schema.table(table_name)
    for group in app.groups:
        for sub in group.subareas:
            if sub.table is not None and sub.table not in app.tables:
                raise DefinitionError(f"site map {sub.id!r}: table {sub.table!r} is not one of the app's tables")

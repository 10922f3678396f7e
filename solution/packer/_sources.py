"""What one build reads (:class:`Sources`: the schema, the definitions, the version, the built front end) and
what of it the package carries: the custom tables, and the front-end wiring its packed web resources allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from solution.schema import Schema, Table, load_schema

from ._assets import AssetError, CustomControl, WebResource, find_controls, find_webresources, merge_webresources
from ._frontend import FrontEnd, check_frontend, load_frontend
from ._help import user_guide
from .definitions import SOLUTION_DIR, Definitions, load_definitions


@dataclass(frozen=True)
class Sources:
    """Everything one build reads; tests pass their own."""

    schema: Schema
    definitions: Definitions
    version: str
    webresources: tuple[WebResource, ...] = ()
    controls: tuple[CustomControl, ...] = ()
    frontend: FrontEnd = field(default_factory=FrontEnd)  # frontend/webresources/packaging.json: the wiring
    extra: dict[str, bytes] = field(default_factory=dict)


def read_version(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def default_sources() -> Sources:
    schema = load_schema()
    return Sources(
        schema=schema,
        definitions=load_definitions(schema),
        version=read_version(SOLUTION_DIR.parent / "VERSION"),
        webresources=merge_webresources(find_webresources(), user_guide()),
        controls=find_controls(),
        frontend=load_frontend(),
    )


def custom_tables(schema: Schema) -> tuple[Table, ...]:
    return tuple(sorted((t for t in schema.tables if t.is_custom), key=lambda t: t.logical_name))


def standard_tables_with_forms(src: Sources) -> list[str]:
    """Standard tables the package carries forms of: its additional forms, and the chat tab on their own forms."""
    d = src.definitions
    custom = {t.logical_name for t in custom_tables(src.schema)}
    return sorted(({f.table for f in d.forms} | {c.table for c in d.chat_tabs}) - custom)


def wiring(src: Sources) -> FrontEnd:
    """The front-end wiring this package carries: checked, and only what its packed web resources allow.

    The web resources ``packaging.json`` lists are built together: when some are packed, all must be (and of
    the listed type), so that a partial build fails instead of silently losing form scripts or buttons.
    """
    fe = src.frontend
    check_frontend(src.schema, src.definitions, fe, {t.logical_name for t in custom_tables(src.schema)})
    packed = {w.name: w for w in src.webresources}
    listed = [w for w in fe.webresources if w.name in packed]
    if listed and len(listed) != len(fe.webresources):
        missing = sorted(w.name for w in fe.webresources if w.name not in packed)
        raise AssetError(f"packaging.json lists web resources the build lacks: {missing} (npm run build"
                         " --workspace @smsb/webresources)")
    for info in listed:
        if packed[info.name].type != info.type:
            raise AssetError(f"{info.name}: packaging.json says type {info.type}, the file is {packed[info.name].type}")
    return fe.packable(set(packed))

"""The columns and relationships Dataverse makes for every new table, read from ``platform.toml``.

Exports declare them for each table they carry (a custom activity: its 62 activity columns; a user- or team-owned
table: creator, owner, state, ... columns), so the package does too, with the values exports give them. Only the
table-specific parts are filled in here: option set names, versions and the table's names in descriptions.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._columns import DEFAULT_MASK, AttributeSpec, OptionSetSpec, OptionSpec

PLATFORM_FILE = Path(__file__).resolve().parent / "platform.toml"
ACTIVITY_INTRODUCED = "5.0.0.0"  # activity columns keep the platform's versions


@dataclass(frozen=True)
class PlatformColumn:
    template: AttributeSpec  # optionset name, versions and "{table}" still to fill in
    owner_only: bool  # only user- or team-owned tables have it


@dataclass(frozen=True)
class SystemRelationship:
    name: str  # "{table}" = the referencing table's schema name
    referenced: str  # schema name of the referenced table
    attribute: str  # schema name of the referencing column
    cascade: tuple[str, str, str, str, str, str]  # Assign, Delete, Archive, Reparent, Share, Unshare
    rollup: str | None  # CascadeRollupView, when exports write one
    description: str
    owner_only: bool
    roles: tuple[tuple[int, str], ...] = ()  # (RelationshipRoleType, NavigationPropertyName template)
    nav_pane_order: int | None = None


@dataclass(frozen=True)
class Platform:
    activity_columns: tuple[PlatformColumn, ...]
    standard_columns: tuple[PlatformColumn, ...]
    activity_relationships: tuple[SystemRelationship, ...]
    standard_relationships: tuple[SystemRelationship, ...]

    def columns(self, *, activity: bool, user_owned: bool, table: str, display: str,
                introduced: str) -> tuple[AttributeSpec, ...]:
        """The platform's columns of one table (``table`` its logical name, ``introduced`` its version)."""
        found = self.activity_columns if activity else self.standard_columns
        return tuple(_instance(c.template, table, display, introduced, activity)
                     for c in found if user_owned or not c.owner_only)

    def relationships(self, *, activity: bool, user_owned: bool) -> tuple[SystemRelationship, ...]:
        found = self.activity_relationships if activity else self.standard_relationships
        return tuple(r for r in found if user_owned or not r.owner_only)


@functools.cache
def load_platform(path: Path = PLATFORM_FILE) -> Platform:
    with path.open("rb") as handle:
        doc = tomllib.load(handle)
    return Platform(
        activity_columns=tuple(_column(c) for c in doc["activity"]),
        standard_columns=tuple(_column(c) for c in doc["standard"]),
        activity_relationships=tuple(_relationship(r) for r in doc["activity_relationship"]),
        standard_relationships=tuple(_relationship(r) for r in doc["standard_relationship"]),
    )


def _column(doc: dict[str, Any]) -> PlatformColumn:
    optionset = None
    if "optionset" in doc:
        box = doc["optionset"]
        optionset = OptionSetSpec(
            name="", kind=box["type"], introduced="", label=box["label"], description=box["description"],
            options=tuple(_option(box["type"], o) for o in box["options"]),
        )
    spec = AttributeSpec(
        physical=doc["physical"], crm_type=doc["type"], label=doc["label"], description=doc["description"],
        required=doc.get("required", "none"), mask=doc.get("mask", DEFAULT_MASK), ime=doc.get("ime", "auto"),
        update=doc.get("update", True), create=doc.get("create", True), audit=doc.get("audit", True),
        logical=doc.get("logical", False), introduced=doc.get("introduced", ""),
        can_modify_search=doc.get("can_modify_search", True),
        can_modify_requirement=doc.get("can_modify_requirement", True),
        can_modify_sortable=doc.get("can_modify_sortable", True), external_name=doc.get("external_name", False),
        searchable=doc.get("searchable", False), filterable=doc.get("filterable", False),
        retrievable=doc.get("retrievable", False),
        details=tuple((str(tag), str(text)) for tag, text in doc.get("details", [])),
        lookup_types=tuple(doc["lookup_types"]) if "lookup_types" in doc else None,
        optionset=optionset,
    )
    return PlatformColumn(spec, bool(doc.get("owner", False)))


def _option(kind: str, raw: list[Any]) -> OptionSpec:
    if kind == "state":
        value, label, default_status, invariant = raw
        return OptionSpec(int(value), str(label), default_status=int(default_status), invariant=str(invariant))
    if kind == "status":
        value, label, state = raw
        return OptionSpec(int(value), str(label), state=int(state))
    value, label = raw
    return OptionSpec(int(value), str(label), hidden=False)


def _relationship(doc: dict[str, Any]) -> SystemRelationship:
    cascade = tuple(str(c) for c in doc["cascade"])
    if len(cascade) != 6:
        raise ValueError(f"{PLATFORM_FILE.name}: {doc['name']}: cascade needs six values")
    roles = tuple((t, str(doc[f"role_{t}"])) for t in (1, 0) if f"role_{t}" in doc)
    return SystemRelationship(
        name=str(doc["name"]), referenced=str(doc["referenced"]), attribute=str(doc["attribute"]),
        cascade=(cascade[0], cascade[1], cascade[2], cascade[3], cascade[4], cascade[5]),
        rollup=doc.get("rollup"), description=str(doc["description"]), owner_only=bool(doc.get("owner", False)),
        roles=roles, nav_pane_order=doc.get("nav_pane_order"),
    )


def _instance(spec: AttributeSpec, table: str, display: str, introduced: str, activity: bool) -> AttributeSpec:
    optionset = spec.optionset
    if optionset is not None:
        optionset = dataclasses.replace(
            optionset, name=f"{table}_{spec.name}", introduced=introduced,
            description=optionset.description.replace("{table}", display),
        )
    return dataclasses.replace(
        spec,
        introduced=spec.introduced or (ACTIVITY_INTRODUCED if activity else introduced),
        description=spec.description.replace("{table}", display),
        optionset=optionset,
    )


__all__ = ["Platform", "PlatformColumn", "SystemRelationship", "load_platform"]

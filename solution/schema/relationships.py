"""The one-to-many relationships of a schema: one per (reference column, target), named and navigated as
Dataverse names them, refined by a table file's ``[[relationships]]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fields import parse_enum, reject_unknown
from .model import Cascade, Column, ColumnType, Relationship, SchemaError, Table

_RELATIONSHIP_KEYS = {
    "name",
    "referencing_attribute",
    "referenced_table",
    "referencing_navigation",
    "referenced_navigation",
    "cascade",
    "navigation_aliases",
    "cascade_configuration",
}
# CascadeConfiguration (https://learn.microsoft.com/power-apps/developer/data-platform/configure-entity-relationship-cascading-behavior)
_CASCADE_ACTIONS = ("Archive", "Assign", "Delete", "Merge", "Reparent", "RollupView", "Share", "Unshare")
_CASCADE_TYPES = frozenset({"Active", "Cascade", "NoCascade", "RemoveLink", "Restrict", "UserOwned"})


def build_relationships(specs: dict[str, tuple[Path, dict[str, Any]]], tables: dict[str, Table]) -> list[Relationship]:
    """One relationship per (reference column, target); the file's [[relationships]] refine the defaults."""
    result: list[Relationship] = []
    names: set[str] = set()
    for table in tables.values():
        file = specs[table.logical_name][0].name
        declared = specs[table.logical_name][1].get("relationships", [])
        overrides: dict[tuple[str, str], dict[str, Any]] = {}
        for i, rel in enumerate(declared):
            if not isinstance(rel, dict) or not rel.get("referencing_attribute") or not rel.get("referenced_table"):
                raise SchemaError(f"{file}: relationships[{i}] needs referencing_attribute and referenced_table")
            reject_unknown(file, f"relationships[{i}]", rel, _RELATIONSHIP_KEYS)
            col = table.find_column(rel["referencing_attribute"])
            if col is None or not col.type.is_reference:
                raise SchemaError(
                    f"{file}: relationship {rel.get('name', i)!r} references {rel['referencing_attribute']!r},"
                    f" which is not a lookup column of {table.logical_name!r}"
                )
            if rel["referenced_table"] not in col.targets:
                raise SchemaError(
                    f"{file}: relationship {rel.get('name', i)!r}: {rel['referenced_table']!r} is not a target"
                    f" of {table.logical_name}.{col.name}"
                )
            overrides[(col.name, rel["referenced_table"])] = rel
        for col in table.columns:
            if not col.type.is_reference:
                continue
            for target in _expand_targets(col, tables):
                if target not in tables:
                    if _from_generated(table, col, tables):
                        continue  # Microsoft's lookup to a table this schema leaves out: no relationship here
                    raise SchemaError(f"{file}: {table.logical_name}.{col.name} targets missing table {target!r}")
                rel = _default_relationship(table, col, target)
                o = overrides.get((col.name, target), {})
                rel = Relationship(
                    name=str(o.get("name", rel.name)),
                    referenced_table=target,
                    referencing_table=table.logical_name,
                    referencing_attribute=col.name,
                    referencing_navigation=str(o.get("referencing_navigation", rel.referencing_navigation)),
                    referenced_navigation=str(o.get("referenced_navigation", o.get("name", rel.referenced_navigation))),
                    cascade=parse_enum(file, "cascade", Cascade, o.get("cascade", rel.cascade)),
                    navigation_aliases=tuple(o.get("navigation_aliases", rel.navigation_aliases)),
                    cascade_configuration=_cascade_configuration(file, o.get("cascade_configuration", {})),
                )
                if rel.name in names:
                    raise SchemaError(f"{file}: relationship name {rel.name!r} is used twice")
                names.add(rel.name)
                result.append(rel)
    return result


def _cascade_configuration(file: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{file}: cascade_configuration must be a table of action = value")
    for action, value in raw.items():
        if action not in _CASCADE_ACTIONS or value not in _CASCADE_TYPES:
            raise SchemaError(f"{file}: cascade_configuration {action} = {value!r} is not a cascade Dataverse knows")
    return tuple((action, str(raw[action])) for action in _CASCADE_ACTIONS if action in raw)


def _from_generated(table: Table, col: Column, tables: dict[str, Table]) -> bool:
    """Whether the column is Microsoft's: on a generated table, or inherited by an activity from one."""
    if table.generated:
        return True
    pointer = tables.get("activitypointer")
    return table.is_activity and pointer is not None and pointer.generated and pointer.find_column(col.name) == col


def _expand_targets(col: Column, tables: dict[str, Table]) -> tuple[str, ...]:
    # activityparty.activityid points at whichever activity owns the party: one relationship per activity.
    if col.name == "activityid" and col.targets == ("activitypointer",):
        return ("activitypointer", *(t.logical_name for t in tables.values() if t.is_activity))
    return col.targets


# The relationships Dataverse makes for the system columns of a new custom table, named as real exports name them
# (solution/packer/platform.toml, which tests/packer/test_real_exports.py checks against exports); "{table}" is the
# table's schema name, which is its logical name for the product's tables. The owner is left out: Dataverse's
# owner_<table> points at the owner table, which this schema models as its two targets, systemuser and team.
_SYSTEM_RELATIONSHIP_NAMES = {
    ("createdby", "systemuser"): "lk_{table}_createdby",
    ("modifiedby", "systemuser"): "lk_{table}_modifiedby",
    ("owninguser", "systemuser"): "user_{table}",
    ("owningteam", "team"): "team_{table}",
    ("owningbusinessunit", "businessunit"): "business_unit_{table}",
}
_ACTIVITY_SYSTEM_RELATIONSHIP_NAMES = {
    ("createdby", "systemuser"): "{table}_systemuser_createdby",
    ("modifiedby", "systemuser"): "{table}_systemuser_modifiedby",
    ("owninguser", "systemuser"): "{table}_systemuser_owninguser",
    ("owningteam", "team"): "{table}_team_owningteam",
    ("owningbusinessunit", "businessunit"): "{table}_businessunit_owningbusinessunit",
}


def _relationship_name(table: Table, col: Column, target: str) -> str:
    if table.is_custom:
        names = _ACTIVITY_SYSTEM_RELATIONSHIP_NAMES if table.is_activity else _SYSTEM_RELATIONSHIP_NAMES
        pattern = names.get((col.name, target))
        if pattern is not None:
            return pattern.replace("{table}", table.logical_name)
    return f"{target}_{table.logical_name}_{col.name}"


def _default_relationship(table: Table, col: Column, target: str) -> Relationship:
    name = _relationship_name(table, col, target)
    aliases: tuple[str, ...] = ()
    cascade = Cascade.REFERENTIAL
    if col.type is ColumnType.OWNER:
        nav = col.name  # ownerid binds to /systemusers(..) or /teams(..) through the one property
    elif col.name == "regardingobjectid" and table.is_activity:
        # Dataverse names it regardingobjectid_<target>_<activity>; the short form is widely used too.
        nav = f"regardingobjectid_{target}_{table.logical_name}"
        aliases = (f"regardingobjectid_{target}",)
    elif col.name == "activityid" and table.logical_name == "activityparty":
        nav = f"activityid_{target}"
        name = f"{target}_activity_parties"
        cascade = Cascade.PARENTAL
    elif len(col.targets) > 1 or col.type is ColumnType.CUSTOMER:
        nav = f"{col.name}_{target}"
    else:
        nav = col.name
    return Relationship(
        name=name,
        referenced_table=target,
        referencing_table=table.logical_name,
        referencing_attribute=col.name,
        referencing_navigation=nav,
        referenced_navigation=name,
        cascade=cascade,
        navigation_aliases=aliases,
    )

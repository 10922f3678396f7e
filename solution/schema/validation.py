"""Rules a whole schema must keep: primary id and name columns, activity tables, alternate key columns, and one
navigation property of a name per table."""

from __future__ import annotations

from collections.abc import Iterable

from .model import ColumnType, Ownership, Relationship, SchemaError, Table


def validate(tables: Iterable[Table], by_name: dict[str, Table], relationships: list[Relationship]) -> None:
    for t in tables:
        _validate_table(t)
    # a navigation property name may appear once per table (the owner's one property serves two targets)
    navs: dict[tuple[str, str], tuple[str, str]] = {}
    for rel in relationships:
        sides = (
            (rel.referencing_table, rel.referencing_navigation, ("single", rel.referencing_attribute)),
            (rel.referenced_table, rel.referenced_navigation, ("collection", rel.name)),
        )
        for table, nav, identity in sides:
            if navs.setdefault((table, nav), identity) != identity:
                raise SchemaError(f"{table}: navigation property {nav!r} is declared twice ({rel.name!r})")
            if by_name[table].has_column(nav) and identity != ("single", nav):
                raise SchemaError(f"{table}: navigation property {nav!r} clashes with a column")


def _validate_table(t: Table) -> None:
    pid = t.find_column(t.primary_id)
    if pid is None or pid.type is not ColumnType.UNIQUEIDENTIFIER:
        raise SchemaError(f"{t.logical_name}: primary id {t.primary_id!r} must be a uniqueidentifier column")
    if t.primary_name is not None:
        pn = t.find_column(t.primary_name)
        if pn is None or pn.type is not ColumnType.STRING:
            raise SchemaError(f"{t.logical_name}: primary name {t.primary_name!r} must be a string column")
    if t.is_activity and t.ownership is not Ownership.USER:
        raise SchemaError(f"{t.logical_name}: an activity table must be user/team owned")
    if t.is_activity and t.primary_name != "subject":
        raise SchemaError(f"{t.logical_name}: an activity table's primary name is 'subject'")
    for key in t.keys:
        for col_name in key.columns:
            col = t.find_column(col_name)
            if col is None:
                raise SchemaError(f"{t.logical_name}: key {key.name!r} names missing column {col_name!r}")
            if col.type not in _KEY_TYPES:
                raise SchemaError(f"{t.logical_name}: key {key.name!r}: {col.type} columns cannot be keys")
            if col.secured:
                raise SchemaError(f"{t.logical_name}: key {key.name!r}: secured column {col_name!r}")


# Dataverse: decimal, whole number, single line of text, date time, lookup and choice columns can be keys
# (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity).
_KEY_TYPES = frozenset(
    {
        ColumnType.DECIMAL,
        ColumnType.INTEGER,
        ColumnType.STRING,
        ColumnType.DATETIME,
        ColumnType.LOOKUP,
        ColumnType.CHOICE,
    }
)

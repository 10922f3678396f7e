"""New schemas from old ones: the table definitions after a table, column, key or relationship is created or deleted.

Pure functions over ``solution.schema`` values. A new table gets what Dataverse adds to every table ("Create and
update table definitions using the Web API": the primary key, the audit columns, ``statecode``/``statuscode``,
and for user- or team-owned tables ``ownerid`` with ``owninguser``/``owningteam``/``owningbusinessunit``) and,
as an activity, every ``activitypointer`` column with Regarding and the activity parties. Its system lookups get
relationships named as ``solution/`` names them (``<target>_<table>_<column>``), so a created table behaves like
one defined in a file: ``@odata.bind`` through the same navigation properties, the same cascades.
"""

from __future__ import annotations

from dataclasses import replace

from solution.schema import Cascade, Choice, Column, ColumnType, Ownership, Relationship, RequiredLevel, Schema, Table

__all__ = ["activity_parties", "activity_regarding", "add_relationships", "add_table", "lookup_relationships",
           "remove_relationship", "remove_table", "replace_table", "system_columns", "with_column", "without_column"]

_STATE = (Choice(0, "Active"), Choice(1, "Inactive"))
_STATUS = (Choice(1, "Active", state=0), Choice(2, "Inactive", state=1))


def system_columns(table: str, primary_id: str, ownership: Ownership, known: set[str]) -> list[Column]:
    """The columns Dataverse adds to a new table (system lookups only where their target table exists)."""
    columns = [
        Column(primary_id, ColumnType.UNIQUEIDENTIFIER, table, description=f"Unique identifier for {table} instances.",
               required=RequiredLevel.SYSTEM),
        Column("createdon", ColumnType.DATETIME, "Created On"),
        Column("modifiedon", ColumnType.DATETIME, "Modified On"),
        Column("createdby", ColumnType.LOOKUP, "Created By", targets=("systemuser",)),
        Column("modifiedby", ColumnType.LOOKUP, "Modified By", targets=("systemuser",)),
        Column("versionnumber", ColumnType.BIGINT, "Version Number"),
    ]
    if ownership is not Ownership.NONE:
        columns += [Column("statecode", ColumnType.STATE, "Status", choices=_STATE, default=0,
                           required=RequiredLevel.SYSTEM),
                    Column("statuscode", ColumnType.STATUS, "Status Reason", choices=_STATUS, default=1)]
    if ownership is Ownership.USER:
        columns += [Column("ownerid", ColumnType.OWNER, "Owner", targets=("systemuser", "team"),
                           required=RequiredLevel.SYSTEM),
                    Column("owninguser", ColumnType.LOOKUP, "Owning User", targets=("systemuser",)),
                    Column("owningteam", ColumnType.LOOKUP, "Owning Team", targets=("team",)),
                    Column("owningbusinessunit", ColumnType.LOOKUP, "Owning Business Unit", targets=("businessunit",))]
    return [c for c in columns if set(c.targets) <= known]


def lookup_relationships(table: Table, columns: tuple[Column, ...] | None = None) -> list[Relationship]:
    """The relationships of the lookup columns of ``table`` (all of them, or ``columns``), one per target."""
    result = []
    for column in columns if columns is not None else table.columns:
        if not column.type.is_reference:
            continue
        for target in column.targets:
            name = f"{target}_{table.logical_name}_{column.name}"
            aliases: tuple[str, ...] = ()
            if column.type is ColumnType.OWNER:
                navigation = column.name  # ownerid binds to /systemusers(..) or /teams(..) through one property
            elif column.name == "regardingobjectid" and table.is_activity:
                navigation = f"regardingobjectid_{target}_{table.logical_name}"
                aliases = (f"regardingobjectid_{target}",)
            elif len(column.targets) > 1 or column.type is ColumnType.CUSTOMER:
                navigation = f"{column.name}_{target}"
            else:
                navigation = column.name
            result.append(Relationship(name, target, table.logical_name, column.name, navigation, name,
                                       navigation_aliases=aliases))
    return result


def activity_parties(activity: str) -> Relationship:
    """An activity's parties: ``activityparty.activityid`` points at it, deleted with it."""
    name = f"{activity}_activity_parties"
    return Relationship(name, activity, "activityparty", "activityid", f"activityid_{activity}", name,
                        cascade=Cascade.PARENTAL)


def activity_regarding(schema: Schema, target: str) -> Schema:
    """``target`` becomes a table an activity can be Regarding (a table created with HasActivities)."""
    tables = []
    relationships = list(schema.relationships)
    for table in schema.tables:
        column = table.find_column("regardingobjectid")
        if (table.is_activity or table.logical_name == "activitypointer") and column is not None:
            widened = replace(column, targets=(*column.targets, target))
            changed = with_column(without_column(table, column.name), widened, position=table.columns.index(column))
            relationships += lookup_relationships(changed, (replace(widened, targets=(target,)),))
            tables.append(changed)
        else:
            tables.append(table)
    return Schema(tables=tuple(tables), relationships=tuple(relationships))


def add_table(schema: Schema, table: Table, relationships: list[Relationship]) -> Schema:
    return Schema(tables=(*schema.tables, table), relationships=(*schema.relationships, *relationships))


def replace_table(schema: Schema, table: Table) -> Schema:
    tables = tuple(table if t.logical_name == table.logical_name else t for t in schema.tables)
    return Schema(tables=tables, relationships=schema.relationships)


def remove_table(schema: Schema, name: str) -> Schema:
    """Without the table and every relationship it takes part in (Regarding targets are narrowed)."""
    tables = [_narrowed(table, name) for table in schema.tables if table.logical_name != name]
    relationships = tuple(r for r in schema.relationships if name not in (r.referenced_table, r.referencing_table))
    return Schema(tables=tuple(tables), relationships=relationships)


def _narrowed(table: Table, gone: str) -> Table:
    """``table`` with lookups to ``gone`` no longer targeting it (and dropped when it was their only target)."""
    for column in [c for c in table.columns if c.type.is_reference and gone in c.targets]:
        narrowed = replace(column, targets=tuple(t for t in column.targets if t != gone))
        position = table.columns.index(column)
        table = without_column(table, column.name)
        if narrowed.targets:
            table = with_column(table, narrowed, position=position)
    return table


def add_relationships(schema: Schema, relationships: list[Relationship]) -> Schema:
    return Schema(tables=schema.tables, relationships=(*schema.relationships, *relationships))


def remove_relationship(schema: Schema, name: str) -> Schema:
    return Schema(tables=schema.tables, relationships=tuple(r for r in schema.relationships if r.name != name))


def with_column(table: Table, column: Column, *, position: int | None = None) -> Table:
    columns = list(table.columns)
    columns.insert(len(columns) if position is None else position, column)
    return replace(table, columns=tuple(columns))


def without_column(table: Table, name: str) -> Table:
    return replace(table, columns=tuple(c for c in table.columns if c.name != name))

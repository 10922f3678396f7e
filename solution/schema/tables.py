"""One table file read into a :class:`Table`: its ``[table]`` section, its columns and alternate keys, the
activity columns it inherits and the system columns Dataverse adds to every table."""

from __future__ import annotations

from typing import Any

from .fields import parse_enum, reject_unknown
from .model import AlternateKey, Choice, Column, ColumnType, Ownership, RequiredLevel, SchemaError, Table

_TABLE_KEYS = {
    "logical_name",
    "entity_set",
    "display_name",
    "display_plural",
    "description",
    "ownership",
    "primary_id",
    "primary_name",
    "is_activity",
    "is_custom",
    "supports_upsert",
    "generated",
}
_COLUMN_KEYS = {
    "name",
    "type",
    "display_name",
    "description",
    "required",
    "max_length",
    "min_value",
    "max_value",
    "precision",
    "default",
    "choices",
    "targets",
    "secured",
    "audited",
    "max_size_kb",
    "format",
    "read_only",
}
_STATE_DEFAULT = (Choice(0, "Active"), Choice(1, "Inactive"))
_STATUS_DEFAULT = (Choice(1, "Active", state=0), Choice(2, "Inactive", state=1))


def read_table(
    file: str, name: str, doc: dict[str, Any], activity_base: tuple[Column, ...], known: frozenset[str]
) -> Table:
    t = doc["table"]
    reject_unknown(file, "[table]", t, _TABLE_KEYS)
    for required in ("entity_set", "display_name", "display_plural", "primary_id"):
        if not isinstance(t.get(required), str) or not t[required]:
            raise SchemaError(f"{file}: [table] needs {required}")
    ownership = parse_enum(file, "ownership", Ownership, t.get("ownership", "none"))
    is_activity = bool(t.get("is_activity", False))

    generated = is_generated(doc)
    own = read_columns(file, name, doc, generated)
    columns: list[Column] = []
    own_names = {c.name for c in own}
    if is_activity:
        # A custom activity inherits every activitypointer column; its own file may refine one.
        columns.extend(c for c in activity_base if c.name not in own_names)
    columns.extend(own)
    columns = _add_system_columns(t["primary_id"], ownership, columns, known)

    keys = []
    for i, key in enumerate(doc.get("keys", [])):
        if not isinstance(key, dict) or not key.get("name") or not key.get("columns"):
            raise SchemaError(f"{file}: keys[{i}] needs name and columns")
        keys.append(AlternateKey(name=str(key["name"]), columns=tuple(str(c) for c in key["columns"])))

    return Table(
        logical_name=name,
        entity_set=t["entity_set"],
        display_name=t["display_name"],
        display_plural=t["display_plural"],
        description=str(t.get("description", "")),
        ownership=ownership,
        primary_id=t["primary_id"],
        primary_name=t.get("primary_name"),
        columns=tuple(columns),
        keys=tuple(keys),
        is_activity=is_activity,
        is_custom=bool(t.get("is_custom", name.startswith("smsb_"))),
        supports_upsert=bool(t.get("supports_upsert", True)),
        generated=generated,
    )


def is_generated(doc: dict[str, Any]) -> bool:
    table = doc.get("table")
    return isinstance(table, dict) and bool(table.get("generated", False))


def read_columns(file: str, table: str, doc: dict[str, Any], generated: bool = False) -> tuple[Column, ...]:
    columns: list[Column] = []
    seen: set[str] = set()
    for i, c in enumerate(doc.get("columns", [])):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise SchemaError(f"{file}: columns[{i}] needs a name")
        where = f"{file}: column {table}.{c['name']}"
        reject_unknown(file, f"column {c['name']}", c, _COLUMN_KEYS)
        if c["name"] in seen:
            raise SchemaError(f"{where} is defined twice")
        seen.add(c["name"])
        columns.append(_column(where, c, generated))
    return tuple(columns)


def _column(where: str, c: dict[str, Any], generated: bool = False) -> Column:
    ctype = parse_enum(where, "type", ColumnType, c.get("type"))
    # Microsoft's definitions name some choices without their values; such a column takes any whole number
    choices = _choices(where, ctype, c.get("choices", []), allow_empty=generated)
    targets = tuple(str(x) for x in c.get("targets", []))
    if ctype.is_reference and not targets:
        raise SchemaError(f"{where}: a {ctype} column needs targets")
    if targets and not ctype.is_reference:
        raise SchemaError(f"{where}: only lookup, customer and owner columns take targets")
    if ctype is ColumnType.CUSTOMER and set(targets) - {"account", "contact"}:
        raise SchemaError(f"{where}: a customer column targets account and/or contact only")
    default = c.get("default")
    values = {ch.value for ch in choices}
    if default is not None and ctype.has_choices and ctype is not ColumnType.BOOLEAN and default not in values:
        raise SchemaError(f"{where}: default {default!r} is not one of its choices")
    if not isinstance(c.get("max_length", 0), int):
        raise SchemaError(f"{where}: max_length must be an integer")
    return Column(
        name=c["name"],
        type=ctype,
        display_name=str(c.get("display_name", c["name"])),
        description=str(c.get("description", "")),
        required=parse_enum(where, "required", RequiredLevel, c.get("required", "none")),
        max_length=c.get("max_length", None if generated else _default_length(ctype)),
        min_value=c.get("min_value"),
        max_value=c.get("max_value"),
        precision=c.get("precision"),
        default=default,
        choices=choices,
        targets=targets,
        secured=bool(c.get("secured", False)),
        audited=bool(c.get("audited", True)),
        max_size_kb=c.get("max_size_kb", 32768 if ctype is ColumnType.FILE else None),
        format=c.get("format"),
        read_only=bool(c.get("read_only", False)),
    )


_IMPLIED_CHOICES = {
    ColumnType.BOOLEAN: (Choice(1, "Yes"), Choice(0, "No")),
    ColumnType.STATE: _STATE_DEFAULT,
    ColumnType.STATUS: _STATUS_DEFAULT,
}


def _choices(where: str, ctype: ColumnType, raw: list[Any], *, allow_empty: bool = False) -> tuple[Choice, ...]:
    choices = tuple(_choice(where, ch) for ch in raw) or _IMPLIED_CHOICES.get(ctype, ())
    if ctype in (ColumnType.CHOICE, ColumnType.MULTISELECT) and not choices and not allow_empty:
        raise SchemaError(f"{where}: a choice column needs choices")
    if choices and not ctype.has_choices:
        raise SchemaError(f"{where}: only choice, multiselect, state, status and boolean columns take choices")
    values = [ch.value for ch in choices]
    if len(values) != len(set(values)):
        raise SchemaError(f"{where}: duplicate choice value")
    return choices


def _default_length(ctype: ColumnType) -> int | None:
    return {ColumnType.STRING: 100, ColumnType.MEMO: 2000}.get(ctype)


def _choice(where: str, raw: Any) -> Choice:
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), int) or not isinstance(raw.get("label"), str):
        raise SchemaError(f"{where}: each choice needs an integer value and a label")
    return Choice(value=raw["value"], label=raw["label"], state=raw.get("state"))


def _add_system_columns(
    primary_id: str, ownership: Ownership, columns: list[Column], known: frozenset[str]
) -> list[Column]:
    """Columns Dataverse adds to every table; a definition may declare any of them to refine it."""
    have = {c.name for c in columns}
    extra = [
        Column(primary_id, ColumnType.UNIQUEIDENTIFIER, "Id", required=RequiredLevel.SYSTEM),
        Column("createdon", ColumnType.DATETIME, "Created On"),
        Column("modifiedon", ColumnType.DATETIME, "Modified On"),
        Column("createdby", ColumnType.LOOKUP, "Created By", targets=("systemuser",)),
        Column("modifiedby", ColumnType.LOOKUP, "Modified By", targets=("systemuser",)),
        Column("versionnumber", ColumnType.BIGINT, "Version Number"),
    ]
    if ownership is not Ownership.NONE:
        extra += [
            Column("statecode", ColumnType.STATE, "Status", choices=_STATE_DEFAULT, default=0),
            Column("statuscode", ColumnType.STATUS, "Status Reason", choices=_STATUS_DEFAULT, default=1),
        ]
    if ownership is Ownership.USER:
        extra += [
            Column("ownerid", ColumnType.OWNER, "Owner", targets=("systemuser", "team"), required=RequiredLevel.SYSTEM),
            Column("owninguser", ColumnType.LOOKUP, "Owning User", targets=("systemuser",)),
            Column("owningteam", ColumnType.LOOKUP, "Owning Team", targets=("team",)),
            Column("owningbusinessunit", ColumnType.LOOKUP, "Owning Business Unit", targets=("businessunit",)),
        ]
    if ownership is Ownership.BUSINESS_UNIT and "businessunitid" not in have:
        extra.append(Column("businessunitid", ColumnType.LOOKUP, "Business Unit", targets=("businessunit",)))
    # system lookups exist only where their target table is defined (a partial schema in tests)
    extra = [c for c in extra if c.name not in have and set(c.targets) <= known]
    return extra + columns

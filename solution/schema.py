"""The Dataverse table definitions of SMS Bridge, read from ``solution/tables/**/*.toml``.

The TOML files are the single source of truth for tables, columns, alternate keys and
relationships; the packer, the emulator and the tests read them through :func:`load_schema`.
The file format is described in ``solution/README.md``.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

TABLES_DIR = Path(__file__).resolve().parent / "tables"


StrEnumT = TypeVar("StrEnumT", bound=StrEnum)


class SchemaError(ValueError):
    """A table definition is malformed or inconsistent."""


class ColumnType(StrEnum):
    STRING = "string"
    MEMO = "memo"
    INTEGER = "integer"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    CHOICE = "choice"
    LOOKUP = "lookup"
    CUSTOMER = "customer"
    OWNER = "owner"
    FILE = "file"
    UNIQUEIDENTIFIER = "uniqueidentifier"
    STATE = "state"
    STATUS = "status"
    MONEY = "money"
    DOUBLE = "double"
    IMAGE = "image"
    MULTISELECT = "multiselect"  # MultiSelectPicklist
    ENTITYNAME = "entityname"  # the table name behind a polymorphic lookup (owneridtype, ...)
    PARTYLIST = "partylist"  # an activity's parties, written through <activity>_activity_parties
    MANAGEDPROPERTY = "managedproperty"

    @property
    def is_reference(self) -> bool:
        return self in (ColumnType.LOOKUP, ColumnType.CUSTOMER, ColumnType.OWNER)

    @property
    def has_choices(self) -> bool:
        return self in (
            ColumnType.CHOICE, ColumnType.STATE, ColumnType.STATUS, ColumnType.BOOLEAN, ColumnType.MULTISELECT
        )

    @property
    def is_text(self) -> bool:
        return self in (ColumnType.STRING, ColumnType.MEMO)


class RequiredLevel(StrEnum):
    NONE = "none"
    RECOMMENDED = "recommended"
    REQUIRED = "required"
    SYSTEM = "system"


class Ownership(StrEnum):
    USER = "user"  # user or team owned: has ownerid
    ORGANIZATION = "organization"
    BUSINESS_UNIT = "business_unit"
    NONE = "none"


class Cascade(StrEnum):
    PARENTAL = "parental"  # deleting the parent deletes the children
    REFERENTIAL = "referential"  # deleting the parent clears the lookup (RemoveLink)
    RESTRICT = "restrict"  # a parent with children cannot be deleted


@dataclass(frozen=True)
class Choice:
    value: int
    label: str
    state: int | None = None  # for status reasons: the state this status belongs to


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    display_name: str
    description: str = ""
    required: RequiredLevel = RequiredLevel.NONE
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    precision: int | None = None
    default: Any = None
    choices: tuple[Choice, ...] = ()
    targets: tuple[str, ...] = ()
    secured: bool = False
    audited: bool = True
    max_size_kb: int | None = None
    format: str | None = None
    read_only: bool = False  # Dataverse computes or stamps it (fullname, *_base, owneridtype, ...)

    @property
    def value_name(self) -> str:
        """The read-side property of a lookup (``_x_value``), or the column name itself."""
        return f"_{self.name}_value" if self.type.is_reference else self.name

    def choice_label(self, value: Any) -> str | None:
        if self.type is ColumnType.MULTISELECT and isinstance(value, tuple | list):
            # Dataverse joins the labels of a multi-select value with "; "
            labels = [self.choice_label(v) for v in value]
            return "; ".join(label for label in labels if label is not None)
        for choice in self.choices:
            if choice.value == value or (self.type is ColumnType.BOOLEAN and bool(choice.value) == value):
                return choice.label
        return None


@dataclass(frozen=True)
class AlternateKey:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Relationship:
    """A one-to-many relationship: ``referencing_table.referencing_attribute`` points at ``referenced_table``."""

    name: str
    referenced_table: str
    referencing_table: str
    referencing_attribute: str
    referencing_navigation: str  # single-valued, used in "<nav>@odata.bind" on the child
    referenced_navigation: str  # collection-valued, on the parent
    cascade: Cascade = Cascade.REFERENTIAL
    navigation_aliases: tuple[str, ...] = ()
    # CascadeConfiguration as Microsoft's table reference gives it ((action, value), ...); empty: the rule implies it
    cascade_configuration: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Table:
    logical_name: str
    entity_set: str
    display_name: str
    display_plural: str
    description: str
    ownership: Ownership
    primary_id: str
    primary_name: str | None
    columns: tuple[Column, ...]
    keys: tuple[AlternateKey, ...] = ()
    is_activity: bool = False
    is_custom: bool = False
    supports_upsert: bool = True
    generated: bool = False  # a standard table generated from Microsoft's definitions (solution/standard_tables.py)
    _by_name: Mapping[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise SchemaError(f"table {self.logical_name!r} has no column {name!r}") from None

    def has_column(self, name: str) -> bool:
        return name in self._by_name

    def find_column(self, name: str) -> Column | None:
        return self._by_name.get(name)


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]
    relationships: tuple[Relationship, ...]
    _by_name: Mapping[str, Table] = field(default_factory=dict, compare=False, repr=False)
    _by_set: Mapping[str, Table] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {t.logical_name: t for t in self.tables})
        object.__setattr__(self, "_by_set", {t.entity_set: t for t in self.tables})

    def table(self, logical_name: str) -> Table:
        try:
            return self._by_name[logical_name]
        except KeyError:
            raise SchemaError(f"no table {logical_name!r}") from None

    def has_table(self, logical_name: str) -> bool:
        return logical_name in self._by_name

    def by_entity_set(self, entity_set: str) -> Table:
        try:
            return self._by_set[entity_set]
        except KeyError:
            raise SchemaError(f"no entity set {entity_set!r}") from None

    def find_entity_set(self, entity_set: str) -> Table | None:
        return self._by_set.get(entity_set)

    def single_navigation(self, table: str, navigation: str) -> Relationship | None:
        """The relationship whose single-valued navigation property on ``table`` is ``navigation``."""
        for rel in self.relationships:
            if rel.referencing_table == table and (
                rel.referencing_navigation == navigation or navigation in rel.navigation_aliases
            ):
                return rel
        return None

    def collection_navigation(self, table: str, navigation: str) -> Relationship | None:
        for rel in self.relationships:
            if rel.referenced_table == table and rel.referenced_navigation == navigation:
                return rel
        return None

    def relationships_to(self, table: str) -> tuple[Relationship, ...]:
        return tuple(r for r in self.relationships if r.referenced_table == table)

    def relationships_from(self, table: str, attribute: str | None = None) -> tuple[Relationship, ...]:
        return tuple(
            r
            for r in self.relationships
            if r.referencing_table == table and (attribute is None or r.referencing_attribute == attribute)
        )


@functools.cache
def load_schema() -> Schema:
    """The product's schema, read once from ``solution/tables``."""
    return parse_schema(TABLES_DIR)


def parse_schema(directory: Path) -> Schema:
    """Read and validate every ``*.toml`` under ``directory`` (recursively)."""
    raw: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(directory.rglob("*.toml")):
        try:
            with path.open("rb") as handle:
                raw.append((path, tomllib.load(handle)))
        except tomllib.TOMLDecodeError as exc:
            raise SchemaError(f"{path.name}: not valid TOML: {exc}") from exc
    if not raw:
        raise SchemaError(f"no table definitions under {directory}")
    return _build(raw)


# --- building -----------------------------------------------------------------------------------------

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

_STATE_DEFAULT = (Choice(0, "Active"), Choice(1, "Inactive"))
_STATUS_DEFAULT = (Choice(1, "Active", state=0), Choice(2, "Inactive", state=1))


def _build(raw: list[tuple[Path, dict[str, Any]]]) -> Schema:
    specs: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, doc in raw:
        table_doc = doc.get("table")
        if not isinstance(table_doc, dict):
            raise SchemaError(f"{path.name}: missing [table] section")
        name = table_doc.get("logical_name")
        if not isinstance(name, str) or not name:
            raise SchemaError(f"{path.name}: [table] needs a logical_name")
        if name in specs:
            raise SchemaError(f"{path.name}: table {name!r} is also defined in {specs[name][0].name}")
        specs[name] = (path, doc)

    activity_base: tuple[Column, ...] = ()
    if "activitypointer" in specs:
        pointer = specs["activitypointer"][1]
        activity_base = _columns(specs["activitypointer"][0].name, "activitypointer", pointer, _generated(pointer))

    tables: list[Table] = []
    for name, (path, doc) in specs.items():
        tables.append(_table(path.name, name, doc, activity_base, frozenset(specs)))

    by_name = {t.logical_name: t for t in tables}
    seen_sets: dict[str, str] = {}
    for t in tables:
        if t.entity_set in seen_sets:
            raise SchemaError(
                f"entity set {t.entity_set!r} is used by {seen_sets[t.entity_set]!r} and {t.logical_name!r}"
            )
        seen_sets[t.entity_set] = t.logical_name

    relationships = _relationships(specs, by_name)
    _validate(tables, by_name, relationships)
    return Schema(tables=tuple(tables), relationships=tuple(relationships))


def _table(
    file: str, name: str, doc: dict[str, Any], activity_base: tuple[Column, ...], known: frozenset[str]
) -> Table:
    t = doc["table"]
    _reject_unknown(file, "[table]", t, _TABLE_KEYS)
    for required in ("entity_set", "display_name", "display_plural", "primary_id"):
        if not isinstance(t.get(required), str) or not t[required]:
            raise SchemaError(f"{file}: [table] needs {required}")
    ownership = _enum(file, "ownership", Ownership, t.get("ownership", "none"))
    is_activity = bool(t.get("is_activity", False))

    generated = _generated(doc)
    own = _columns(file, name, doc, generated)
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


def _generated(doc: dict[str, Any]) -> bool:
    table = doc.get("table")
    return isinstance(table, dict) and bool(table.get("generated", False))


def _columns(file: str, table: str, doc: dict[str, Any], generated: bool = False) -> tuple[Column, ...]:
    columns: list[Column] = []
    seen: set[str] = set()
    for i, c in enumerate(doc.get("columns", [])):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise SchemaError(f"{file}: columns[{i}] needs a name")
        where = f"{file}: column {table}.{c['name']}"
        _reject_unknown(file, f"column {c['name']}", c, _COLUMN_KEYS)
        if c["name"] in seen:
            raise SchemaError(f"{where} is defined twice")
        seen.add(c["name"])
        columns.append(_column(where, c, generated))
    return tuple(columns)


def _column(where: str, c: dict[str, Any], generated: bool = False) -> Column:
    ctype = _enum(where, "type", ColumnType, c.get("type"))
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
        required=_enum(where, "required", RequiredLevel, c.get("required", "none")),
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


def _relationships(specs: dict[str, tuple[Path, dict[str, Any]]], tables: dict[str, Table]) -> list[Relationship]:
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
            _reject_unknown(file, f"relationships[{i}]", rel, _RELATIONSHIP_KEYS)
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
                    cascade=_enum(file, "cascade", Cascade, o.get("cascade", rel.cascade)),
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


def _validate(tables: Iterable[Table], by_name: dict[str, Table], relationships: list[Relationship]) -> None:
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


def _enum(where: str, what: str, enum: type[StrEnumT], value: Any) -> StrEnumT:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise SchemaError(f"{where}: unknown {what} {value!r} (one of: {allowed})") from None


def _reject_unknown(file: str, where: str, doc: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise SchemaError(f"{file}: {where}: unknown field(s) {', '.join(unknown)}")

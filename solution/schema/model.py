"""The values of the schema: tables, columns, choices, alternate keys, relationships and ``SchemaError``.

Frozen dataclasses and the enums of their fields, with the look-ups the packer, the emulator and the product use
(a table by logical name or entity set, a relationship by navigation property). Reading them from TOML is
:mod:`solution.schema.loader`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "AlternateKey",
    "Cascade",
    "Choice",
    "Column",
    "ColumnType",
    "Ownership",
    "Relationship",
    "RequiredLevel",
    "Schema",
    "SchemaError",
    "Table",
]


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

"""The org's table definitions as they change at run time, and what Dataverse's metadata holds beyond ``solution/``.

Rows are stored under the org's schema (a frozen :class:`solution.schema.Schema`); the metadata API builds a
new schema and hands it to :meth:`Catalog.apply`, which has the schema holder (the emulator) swap it in under the
store lock. This module
keeps the rest of a definition that ``solution.schema`` has no field for: the SchemaName as it was written
(``new_BankAccount``; the logical name is its lowercase form), the N:N relationships (``platform.py``'s and those
created through ``RelationshipDefinitions``), ObjectTypeCodes, the HasActivities/HasNotes flags a table was
created with, key display names, and which solution each created component was added to
(``MSCRM.SolutionUniqueName``). ``reset()`` forgets everything created at run time.

ObjectTypeCodes of standard tables come from Microsoft's table reference (the ``TargetEntity`` choices of
``importmap``, MicrosoftDocs/powerapps-docs ``powerapps-docs/developer/data-platform/reference/entities/importmap.md``,
CC BY 4.0); custom tables get codes from 10000 up, as Dataverse gives them (``ObjectTypeCode`` 10009 in
"Create and update table definitions using the Web API").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solution.schema import AlternateKey, Schema

from .platform import MANY_TO_MANY, ManyToMany
from .ports import Clock, SchemaHolder
from .solution_package import PRODUCT_PREFIX

__all__ = ["STANDARD_TYPE_CODES", "Catalog", "Component"]

STANDARD_TYPE_CODES: dict[str, int] = {
    "account": 1, "contact": 2, "opportunity": 3, "lead": 4, "systemuser": 8, "team": 9, "businessunit": 10,
    "incident": 112, "activityparty": 135, "role": 1036, "activitypointer": 4200, "sdkmessage": 4606,
    "sdkmessagefilter": 4607, "sdkmessageprocessingstep": 4608, "sdkmessageprocessingstepimage": 4615,
    "serviceendpoint": 4618, "asyncoperation": 4700, "solution": 7100, "importjob": 9107,
}
FIRST_CUSTOM_TYPE_CODE = 10000


@dataclass(frozen=True)
class Component:
    """A solution component created through the metadata API: ``kind`` is Entity, Attribute, Relationship or
    EntityKey, ``name`` the logical name (``table.column`` for a column)."""

    kind: str
    name: str


@dataclass
class _State:
    schema_names: dict[str, str] = field(default_factory=dict)  # "table", "table.column", "table:key" -> SchemaName
    many_to_many: tuple[ManyToMany, ...] = MANY_TO_MANY
    type_codes: dict[str, int] = field(default_factory=dict)
    flags: dict[str, dict[str, bool]] = field(default_factory=dict)  # table -> HasActivities/HasNotes as created
    key_labels: dict[str, str] = field(default_factory=dict)  # "table:key" -> display name
    cascades: dict[str, dict[str, str]] = field(default_factory=dict)  # relationship -> CascadeConfiguration
    failed_keys: dict[str, list[AlternateKey]] = field(default_factory=dict)  # table -> keys whose index failed
    prefixes: set[str] = field(default_factory=set)  # customization prefixes of created components
    components: dict[str, list[Component]] = field(default_factory=dict)  # solution (lowercase) -> components
    version: int = 1  # counts definition changes, for RetrieveMetadataChanges' ServerVersionStamp


class Catalog:
    """Run-time table definitions of one emulated org; every change happens with the store lock held."""

    def __init__(self, holder: SchemaHolder, clock: Clock) -> None:
        self.holder = holder
        self.clock = clock
        self._state = _State()

    def reset(self) -> None:
        self._state = _State()

    # --- the schema ---

    def apply(self, schema: Schema) -> None:
        """Store and serve rows under ``schema`` from now on."""
        self.holder.replace_schema(schema)
        self._state.version += 1

    def version_stamp(self) -> str:
        """Changes whenever a definition changes (Dataverse's stamps are opaque strings too)."""
        return f"{self._state.version}!{self.clock().strftime('%m/%d/%Y %H:%M:%S')}"

    # --- names ---

    def schema_name(self, table: str, column: str | None = None) -> str:
        """The SchemaName as created, else the logical name (``solution/`` definitions carry only that)."""
        key = table if column is None else f"{table}.{column}"
        return self._state.schema_names.get(key, column or table)

    def key_schema_name(self, table: str, key: str) -> str:
        return self._state.schema_names.get(f"{table}:{key}", key)

    def key_label(self, table: str, key: str) -> str:
        return self._state.key_labels.get(f"{table}:{key}", key)

    def name_table(self, table: str, schema_name: str, *, has_activities: bool, has_notes: bool) -> None:
        self._state.schema_names[table] = schema_name
        self._state.flags[table] = {"HasActivities": has_activities, "HasNotes": has_notes}
        self._state.prefixes.add(schema_name.split("_", 1)[0].lower())
        self.number_table(table)

    def number_table(self, table: str) -> None:
        """Give a table created at run time the next ObjectTypeCode after those of ``solution/``'s custom tables."""
        used = set(self._state.type_codes.values())
        code = FIRST_CUSTOM_TYPE_CODE + len(self._custom_from_files(self.holder.schema)) + len(used)
        while code in used:
            code += 1
        self._state.type_codes[table] = code

    def name_column(self, table: str, column: str, schema_name: str) -> None:
        self._state.schema_names[f"{table}.{column}"] = schema_name
        self._state.prefixes.add(schema_name.split("_", 1)[0].lower())

    def name_key(self, table: str, key: str, schema_name: str, label: str) -> None:
        self._state.schema_names[f"{table}:{key}"] = schema_name
        self._state.key_labels[f"{table}:{key}"] = label

    def add_failed_key(self, table: str, key: AlternateKey) -> None:
        self._state.failed_keys.setdefault(table, []).append(key)

    def failed_keys(self, table: str) -> tuple[AlternateKey, ...]:
        return tuple(self._state.failed_keys.get(table, ()))

    def forget_key(self, table: str, key: str) -> None:
        self._state.schema_names.pop(f"{table}:{key}", None)
        self._state.key_labels.pop(f"{table}:{key}", None)
        kept = [k for k in self._state.failed_keys.get(table, []) if k.name != key]
        self._state.failed_keys[table] = kept

    def forget(self, table: str, column: str | None = None) -> None:
        """Drop what was recorded for a deleted table (with its columns and keys) or column."""
        if column is not None:
            self._state.schema_names.pop(f"{table}.{column}", None)
            return
        for key in [k for k in self._state.schema_names if k == table or k.startswith((f"{table}.", f"{table}:"))]:
            del self._state.schema_names[key]
        self._state.type_codes.pop(table, None)
        self._state.flags.pop(table, None)
        self._state.failed_keys.pop(table, None)

    def flag(self, table: str, name: str) -> bool | None:
        """HasActivities/HasNotes as the table was created, or None for tables from ``solution/``."""
        return self._state.flags.get(table, {}).get(name)

    def type_code(self, table: str, schema: Schema) -> int | None:
        if table in self._state.type_codes:
            return self._state.type_codes[table]
        if table in STANDARD_TYPE_CODES:
            return STANDARD_TYPE_CODES[table]
        custom = self._custom_from_files(schema)
        return FIRST_CUSTOM_TYPE_CODE + custom.index(table) if table in custom else None

    def _custom_from_files(self, schema: Schema) -> list[str]:
        created = set(self._state.type_codes) | set(self._state.schema_names)
        return sorted(t.logical_name for t in schema.tables if t.is_custom and t.logical_name not in created)

    def is_custom_name(self, name: str) -> bool:
        """A column or relationship named with a publisher's prefix (``smsb_``, or one used through the API)."""
        prefix, underscore, _ = name.partition("_")
        return bool(underscore) and prefix.lower() in {PRODUCT_PREFIX, *self._state.prefixes}

    # --- relationships ---

    def set_cascade(self, relationship: str, configuration: dict[str, str]) -> None:
        self._state.cascades[relationship] = dict(configuration)

    def cascade(self, relationship: str) -> dict[str, str] | None:
        """The CascadeConfiguration a relationship was created with (None for those from ``solution/``)."""
        found = self._state.cascades.get(relationship)
        return dict(found) if found is not None else None

    def forget_relationship(self, relationship: str) -> None:
        self._state.cascades.pop(relationship, None)

    @property
    def many_to_many(self) -> tuple[ManyToMany, ...]:
        return self._state.many_to_many

    def add_many_to_many(self, relation: ManyToMany) -> None:
        self._state.many_to_many = (*self._state.many_to_many, relation)

    def remove_many_to_many(self, name: str) -> None:
        self._state.many_to_many = tuple(r for r in self._state.many_to_many if r.name != name)

    # --- solutions ---

    def add_component(self, solution: str | None, component: Component) -> None:
        if solution:
            self._state.components.setdefault(solution.lower(), []).append(component)

    def components_of(self, solution: str) -> tuple[Component, ...]:
        """What the metadata API added to ``solution`` (named in ``MSCRM.SolutionUniqueName``)."""
        return tuple(self._state.components.get(solution.lower(), ()))

"""The customer tables a conversation can be about (contact, account, lead, any OOB or custom table a Record Type
names), as Dataverse's table definitions describe them. No customer table is written down in the product: one
`EntityDefinitions(LogicalName='<table>')` request (`DEFINITION_SELECT`, `DEFINITION_EXPAND`) answers everything,
and `table_from_definition` reads the answer:

- how to address a record and name it (entity set, primary id and name columns);
- every column with its Dataverse type (a template's placeholders, a Record Type's phone and consent columns; a
  lookup is read as `_x_value`);
- whether the table takes activities, and the navigation properties that bind a session to its records: Regarding
  (`regardingobjectid_<table>_<activity>`), the session's Customer (`smsb_customer_<table>`, account and contact)
  and an activity party (`partyid_<table>`, tables that can be a party);
- its lookups to other tables (how a Related Record Type reaches the customer from, say, a Case).

Pure: `messaging.tables` reads the definitions and keeps them per worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dataverse.rows import Row
from messaging.names import ACTIVITYPARTY, SMSB_MESSAGESESSION, lookup_value

__all__ = [
    "DEFINITIONS",
    "DEFINITION_EXPAND",
    "DEFINITION_SELECT",
    "Customer",
    "CustomerTable",
    "Lookup",
    "RecordRef",
    "table_from_definition",
]

# The Web API's table definitions, by logical name.
DEFINITIONS = "EntityDefinitions"
DEFINITION_SELECT = ("LogicalName", "EntitySetName", "PrimaryIdAttribute", "PrimaryNameAttribute", "DisplayName")
# "Query table definitions using the Web API" filters expanded Attributes (`$expand=Attributes($select=...;$filter=
# ...)`) and says the relationship collections "can be queried just like" them (MicrosoftDocs/powerapps-docs,
# powerapps-docs/developer/data-platform/webapi/query-metadata-web-api.md, commit f3997db4, CC BY 4.0). A table has
# hundreds of one-to-many relationships (one per activity table's Regarding alone); only those that bind a session or
# an activity party to its records are asked for.
DEFINITION_EXPAND = (
    "Attributes($select=LogicalName,AttributeType)",
    "ManyToOneRelationships($select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName)",
    f"OneToManyRelationships($select=ReferencingEntity,ReferencingAttribute,ReferencingEntityNavigationPropertyName;"
    f"$filter=ReferencingEntity eq '{SMSB_MESSAGESESSION.logical_name}' or ReferencingEntity eq "
    f"'{ACTIVITYPARTY.logical_name}')",
)
# AttributeType values of the columns the Web API reads as `_x_value`.
_LOOKUPS = frozenset({"Lookup", "Customer", "Owner"})
_CUSTOMER_TYPE = "Customer"
_STATE = "statecode"
_SESSION = SMSB_MESSAGESESSION.logical_name
_REGARDING = SMSB_MESSAGESESSION.columns.regardingobjectid
_SESSION_CUSTOMER = SMSB_MESSAGESESSION.columns.smsb_customer
_PARTY = ACTIVITYPARTY.logical_name
_PARTY_ID = ACTIVITYPARTY.columns.partyid


@dataclass(frozen=True)
class Lookup:
    """One lookup of a table to another: its column, the table it points at, and the navigation property that
    reads (`$expand`) or binds the record it points at."""

    column: str
    target: str
    navigation: str
    customer: bool = False  # a Customer column (account or contact)


@dataclass(frozen=True)
class CustomerTable:
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # column → AttributeType
    regarding_navigation: str | None = None  # the session's Regarding to this table; None: it takes no activities
    customer_navigation: str | None = None  # the session's Customer lookup to this table (account, contact)
    party_navigation: str | None = None  # an activity party's `partyid_<table>`; None: it cannot be a party
    lookups: tuple[Lookup, ...] = ()
    display_name: str = ""

    @property
    def has_state(self) -> bool:
        return _STATE in self.columns

    @property
    def takes_activities(self) -> bool:
        """Whether a session (an activity) can be Regarding its records ("Enable activities" on the table)."""
        return self.regarding_navigation is not None

    @property
    def label(self) -> str:
        return self.display_name or self.logical_name

    def has_column(self, column: str) -> bool:
        return column in self.columns

    def value_name(self, column: str) -> str:
        """The property a query reads for a column: a lookup's GUID is `_x_value` (its formatted value the name)."""
        return lookup_value(column) if self.columns.get(column) in _LOOKUPS else column

    def lookups_to(self, target: str) -> tuple[Lookup, ...]:
        """This table's lookups to `target`: Customer columns first (a Case's customer), then the others by name."""
        found = [lookup for lookup in self.lookups if lookup.target == target]
        return tuple(sorted(found, key=lambda lookup: (not lookup.customer, lookup.column)))


@dataclass(frozen=True)
class RecordRef:
    """A record of a customer table."""

    table: CustomerTable
    id: uuid.UUID


@dataclass(frozen=True)
class Customer:
    """The record a conversation is about, and how it was found."""

    table: CustomerTable
    id: uuid.UUID
    name: str
    reason: str = ""

    @property
    def entity(self) -> str:
        return self.table.logical_name


def table_from_definition(definition: Row) -> CustomerTable:
    """A table as `EntityDefinitions(LogicalName=...)` with `DEFINITION_SELECT`/`DEFINITION_EXPAND` answers it."""
    name = str(definition["LogicalName"])
    primary_id = str(definition.get("PrimaryIdAttribute") or f"{name}id")
    columns = {str(attribute.get("LogicalName")): str(attribute.get("AttributeType"))
               for attribute in _items(definition, "Attributes")}
    navigations: dict[tuple[str, str], str] = {}
    for relationship in _items(definition, "OneToManyRelationships"):
        key = (str(relationship.get("ReferencingEntity")), str(relationship.get("ReferencingAttribute")))
        navigation = relationship.get("ReferencingEntityNavigationPropertyName")
        if navigation:
            navigations.setdefault(key, str(navigation))
    lookups = tuple(
        Lookup(column, str(relationship.get("ReferencedEntity")),
               str(relationship.get("ReferencingEntityNavigationPropertyName")),
               customer=columns.get(column) == _CUSTOMER_TYPE)
        for relationship in _items(definition, "ManyToOneRelationships")
        if (column := str(relationship.get("ReferencingAttribute") or ""))
        and relationship.get("ReferencingEntityNavigationPropertyName"))
    return CustomerTable(
        logical_name=name,
        entity_set=str(definition["EntitySetName"]),
        primary_id=primary_id,
        primary_name=str(definition.get("PrimaryNameAttribute") or primary_id),
        columns=MappingProxyType(columns),
        regarding_navigation=navigations.get((_SESSION, _REGARDING)),
        customer_navigation=navigations.get((_SESSION, _SESSION_CUSTOMER)),
        party_navigation=navigations.get((_PARTY, _PARTY_ID)),
        lookups=lookups,
        display_name=_label(definition.get("DisplayName")),
    )


def _items(definition: Row, collection: str) -> tuple[Row, ...]:
    return tuple(item for item in definition.get(collection) or () if isinstance(item, Row))


def _label(value: Any) -> str:
    """A Label's text in the user's language (`UserLocalizedLabel`), else empty."""
    if not isinstance(value, Row):
        return ""
    localized = value.get("UserLocalizedLabel")
    return str(localized.get("Label") or "") if isinstance(localized, Row) else ""

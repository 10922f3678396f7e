"""The customer tables a conversation can be about (contact, account, lead, any table a Record Type names), as far
as the product needs them: how to address a record and name it, and how a session points at it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from messaging.names import SMSB_MESSAGESESSION
from solution.schema import Schema

__all__ = ["Customer", "CustomerTable", "customer_table"]

_STATE = "statecode"


@dataclass(frozen=True)
class CustomerTable:
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    has_state: bool
    regarding_navigation: str | None  # the session's Regarding navigation to this table, when there is one


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


def customer_table(entity: str, schema: Schema) -> CustomerTable | None:
    """What the product knows of a table from its definitions, else None."""
    if not schema.has_table(entity):
        return None
    table = schema.table(entity)
    regarding = next((relationship.referencing_navigation for relationship in schema.relationships_from(
        SMSB_MESSAGESESSION.logical_name, SMSB_MESSAGESESSION.columns.regardingobjectid)
        if relationship.referenced_table == entity), None)
    return CustomerTable(entity, table.entity_set, table.primary_id, table.primary_name or table.primary_id,
                         table.has_column(_STATE), regarding)

"""The plain records of the standard-table generator: one table's sources, a column and a relationship as the
generator builds them before writing TOML, and ``SourceError``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableSource:
    """One standard table: its CDM documents (base first) and what the Dataverse table reference adds."""

    logical_name: str
    documents: tuple[str, ...]
    entity_set: str  # EntitySetName
    display_plural: str  # DisplayCollectionName
    primary_name: str | None  # PrimaryNameAttribute
    ownership: str  # OwnershipType: user | business_unit | organization | none
    intersect: bool = False  # an N:N intersect table: its two keys are Uniqueidentifier columns, not lookups


class SourceError(ValueError):
    """A CDM document does not have the shape this generator reads."""


@dataclass
class Column:
    name: str
    type: str
    display_name: str
    description: str = ""
    required: str = "none"
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    format: str | None = None
    read_only: bool = False
    default: int | None = None


@dataclass(frozen=True)
class RelationshipSpec:
    """A ``[[relationships]]`` entry: what the table reference says of one (lookup column, target)."""

    referencing_attribute: str
    referenced_table: str
    name: str
    referenced_navigation: str | None  # written only where it is not the relationship's name
    referencing_navigation: str | None
    cascade: str | None
    cascade_configuration: tuple[tuple[str, str], ...]


def primary_id(source: TableSource) -> str:
    return "activityid" if source.logical_name == "activitypointer" else f"{source.logical_name}id"

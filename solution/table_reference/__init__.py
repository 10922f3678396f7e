"""Facts copied from Microsoft's table reference pages, read from ``tables/standard/sources/table-reference``.

The Dataverse table reference (MicrosoftDocs/powerapps-docs ``powerapps-docs/developer/data-platform/reference/
entities/<table>.md``) and the Dynamics 365 one (MicrosoftDocs/dynamics-365-customer-engagement
``ce/developer/entities/<table>.md``) are generated from live metadata. ``relationships.md`` and ``columns.md`` keep
the rows of those pages the generator needs, verbatim, under one ``## <table>`` block per page that names the page's
repository, path and commit. This package parses them into plain facts (``excerpts`` reads the files, ``facts`` holds
what they say and merges the two sides of each relationship); ``solution.standard.reference`` merges them into what
the Common Data Model gives.
"""

from __future__ import annotations

from pathlib import Path

from .excerpts import parse
from .facts import (
    CASCADE_ACTIONS,
    ColumnFact,
    ManyToOneName,
    Page,
    Relationship,
    RelationshipBlock,
    TableReference,
    TableReferenceError,
)

SOURCES_DIR = Path(__file__).resolve().parents[1] / "tables" / "standard" / "sources" / "table-reference"
RELATIONSHIPS_FILE = SOURCES_DIR / "relationships.md"
COLUMNS_FILE = SOURCES_DIR / "columns.md"


def load(relationships: Path = RELATIONSHIPS_FILE, columns: Path = COLUMNS_FILE) -> TableReference:
    return parse(relationships.read_text(encoding="utf-8"), columns.read_text(encoding="utf-8"))


__all__ = ["CASCADE_ACTIONS", "COLUMNS_FILE", "RELATIONSHIPS_FILE", "ColumnFact", "ManyToOneName", "Page",
           "Relationship", "RelationshipBlock", "TableReference", "TableReferenceError", "load", "parse"]

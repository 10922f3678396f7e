"""Generate ``solution/tables/standard/<table>.toml`` from Microsoft's Common Data Model documents.

The standard tables (contact, account, lead, incident, opportunity, salesorder, systemuser, team, teammembership,
businessunit, transactioncurrency, activitypointer, activityparty) are Microsoft's, not ours: their columns, types,
lengths, choices, status-to-state mapping and required levels are read from the CDM entity documents committed
under ``solution/tables/standard/sources/cdm`` (microsoft/CDM, CC-BY-4.0; see ``sources/SOURCES.md``), never typed
by hand. ``python -m solution.standard_tables`` rewrites the TOML files; ``--check`` fails when a committed file
differs from what the sources give (``tests/solution/test_standard_tables.py`` runs the same comparison).

What the CDM documents do not carry, and where it comes from instead, is listed in ``TABLES`` (entity set and
primary name, from the Dataverse table reference pages) and ``REGARDING_TABLES`` (see there), both in
``solution.standard.tables``. Relationship names, navigation property names and cascades, the labels of Yes/No
columns and which text columns are Memo come from Microsoft's table reference pages, copied under
``sources/table-reference`` and read by ``solution.table_reference``; where a page and the CDM disagree on a fact
both give, the page wins and ``main`` prints what it overrode.

This module is the command; the generator's parts are the modules of ``solution.standard``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from solution import table_reference
from solution.standard.cdm import Corpus, main_entity, table_columns
from solution.standard.model import SourceError, TableSource
from solution.standard.reference import apply_column_facts, table_relationships
from solution.standard.tables import TABLES
from solution.standard.toml_text import render
from solution.table_reference import TableReference

__all__ = ["SOURCES_DIR", "STANDARD_DIR", "TABLES", "SourceError", "TableSource", "generate", "generate_with_notes",
           "main"]

STANDARD_DIR = Path(__file__).resolve().parent / "tables" / "standard"
SOURCES_DIR = STANDARD_DIR / "sources" / "cdm"


def generate(root: Path = SOURCES_DIR, reference: TableReference | None = None) -> dict[str, str]:
    """File name -> TOML text for every standard table, from the CDM documents under ``root``."""
    return generate_with_notes(root, reference)[0]


def generate_with_notes(root: Path = SOURCES_DIR,
                        reference: TableReference | None = None) -> tuple[dict[str, str], list[str]]:
    """The files, and what the table reference overrode in the CDM (one line each)."""
    corpus = Corpus(root)
    reference = reference if reference is not None else table_reference.load()
    tables = frozenset(source.logical_name for source in TABLES)
    documented = {fact.table for fact in reference.columns} | {page.table for page in reference.pages}
    unknown = documented - tables
    if unknown:
        raise SourceError(f"the table reference excerpts name tables this generator does not make: {sorted(unknown)}")
    out: dict[str, str] = {}
    notes: list[str] = []
    for source in TABLES:
        entity = main_entity(source, corpus)
        display = str(entity.get("displayName", source.logical_name))
        description = str(entity.get("description", ""))
        columns = table_columns(source, corpus)
        apply_column_facts(source.logical_name, columns, reference, notes)
        relationships = table_relationships(source.logical_name, columns, reference, tables, notes)
        out[f"{source.logical_name}.toml"] = render(source, columns, display, description, relationships)
    return out, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs from the sources")
    args = parser.parse_args(argv)
    stale = []
    files, notes = generate_with_notes()
    for note in notes:
        sys.stdout.write(note + "\n")
    for name, text in files.items():
        path = STANDARD_DIR / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

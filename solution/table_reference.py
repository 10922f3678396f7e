"""Facts copied from Microsoft's table reference pages, read from ``tables/standard/sources/table-reference``.

The Dataverse table reference (MicrosoftDocs/powerapps-docs ``powerapps-docs/developer/data-platform/reference/
entities/<table>.md``) and the Dynamics 365 one (MicrosoftDocs/dynamics-365-customer-engagement
``ce/developer/entities/<table>.md``) are generated from live metadata. ``relationships.md`` and ``columns.md`` keep
the rows of those pages the generator needs, verbatim, under one ``## <table>`` block per page that names the page's
repository, path and commit. This module parses them into plain facts; ``solution.standard_tables`` merges them into
what the Common Data Model gives.

The pages come in two layouts, both kept as they are written: the 2023 one (``|ReferencingEntity|contact|``, cascades
on the One-To-Many side, a list of names on the Many-To-One side) and the current one (values in backticks, cascades
and the single-valued navigation property on the Many-To-One side, no cascade on the One-To-Many side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent / "tables" / "standard" / "sources" / "table-reference"
RELATIONSHIPS_FILE = SOURCES_DIR / "relationships.md"
COLUMNS_FILE = SOURCES_DIR / "columns.md"

CASCADE_ACTIONS = ("Archive", "Assign", "Delete", "Merge", "Reparent", "RollupView", "Share", "Unshare")


class TableReferenceError(ValueError):
    """A table reference excerpt does not have the shape this module reads."""


@dataclass(frozen=True)
class Page:
    """One table reference page: the table it documents and where it was copied from."""

    table: str
    repository: str
    path: str
    commit: str


@dataclass(frozen=True)
class RelationshipBlock:
    """One relationship as one page shows it.

    ``side`` is ``one_to_many`` on the referenced table's page (it names the referencing table and the collection-valued
    navigation property) or ``many_to_one`` on the referencing table's page (it names the referenced table and the
    single-valued navigation property).
    """

    name: str
    side: str
    page: Page
    referenced_table: str
    referencing_table: str
    referencing_attribute: str
    referenced_navigation: str | None = None
    referencing_navigation: str | None = None
    cascade: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ManyToOneName:
    """A name in a page's Many-To-One list (the 2023 layout lists names only)."""

    name: str
    page: Page


@dataclass(frozen=True)
class ColumnFact:
    table: str
    logical_name: str
    schema_name: str
    type: str  # the page's Type: Boolean, Memo, Lookup, ...
    page: Page
    true_label: str | None = None
    false_label: str | None = None
    max_length: int | None = None
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relationship:
    """What the pages say about one relationship, both sides merged."""

    name: str
    referenced_table: str
    referencing_table: str
    referencing_attribute: str
    referenced_navigation: str | None
    referencing_navigation: str | None
    cascade: tuple[tuple[str, str], ...]
    pages: tuple[Page, ...]

    @property
    def delete(self) -> str | None:
        return dict(self.cascade).get("Delete")


@dataclass
class TableReference:
    pages: list[Page] = field(default_factory=list)
    blocks: list[RelationshipBlock] = field(default_factory=list)
    many_to_one_names: list[ManyToOneName] = field(default_factory=list)
    columns: list[ColumnFact] = field(default_factory=list)

    def relationships(self) -> dict[str, Relationship]:
        """Every relationship by schema name; both sides must agree on every fact they share."""
        merged: dict[str, Relationship] = {}
        for block in self.blocks:
            known = merged.get(block.name)
            if known is None:
                merged[block.name] = Relationship(
                    block.name, block.referenced_table, block.referencing_table, block.referencing_attribute,
                    block.referenced_navigation, block.referencing_navigation, block.cascade, (block.page,))
                continue
            for what, theirs, ours in (
                ("referenced table", known.referenced_table, block.referenced_table),
                ("referencing table", known.referencing_table, block.referencing_table),
                ("referencing attribute", known.referencing_attribute, block.referencing_attribute),
            ):
                if theirs != ours:
                    raise TableReferenceError(
                        f"{block.name}: {what} {theirs!r} on one page, {ours!r} on {block.page.path}")
            merged[block.name] = Relationship(
                block.name, known.referenced_table, known.referencing_table, known.referencing_attribute,
                _agree(block.name, "collection navigation", known.referenced_navigation, block.referenced_navigation),
                _agree(block.name, "single navigation", known.referencing_navigation, block.referencing_navigation),
                _merge_cascade(block.name, known.cascade, block.cascade), (*known.pages, block.page))
        return merged


def _agree(name: str, what: str, first: str | None, second: str | None) -> str | None:
    if first is not None and second is not None and first != second:
        raise TableReferenceError(f"{name}: {what} {first!r} on one page, {second!r} on another")
    return first if first is not None else second


def _merge_cascade(name: str, first: tuple[tuple[str, str], ...],
                   second: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    merged = dict(first)
    for action, value in second:
        if merged.setdefault(action, value) != value:
            raise TableReferenceError(f"{name}: cascade {action} {merged[action]!r} on one page, {value!r} on another")
    return tuple((a, merged[a]) for a in CASCADE_ACTIONS if a in merged)


# --- parsing -----------------------------------------------------------------------------------------------------

_ROW = re.compile(r"^\|([^|]*)\|(.*)\|$")
_LIST_ENTRY = re.compile(r"^- \[([^\]]+)\]\(#BKMK_([^)]+)\)$")
_PAGE_FIELDS = ("Repository", "Path", "Commit")


def _clean(value: str) -> str:
    """A cell as the page shows it, without the code marks of the current layout."""
    return value.strip().replace("`", "")


def _cascade(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in _clean(text).split("<br />"):
        action, sep, value = part.partition(":")
        if not sep or action.strip() not in CASCADE_ACTIONS:
            raise TableReferenceError(f"cannot read cascade entry {part!r}")
        pairs.append((action.strip(), value.strip()))
    return tuple(sorted(pairs, key=lambda p: CASCADE_ACTIONS.index(p[0])))


def parse(relationships: str, columns: str) -> TableReference:
    reference = TableReference()
    _Parser(reference, columns=False).read(relationships)
    _Parser(reference, columns=True).read(columns)
    return reference


def load(relationships: Path = RELATIONSHIPS_FILE, columns: Path = COLUMNS_FILE) -> TableReference:
    return parse(relationships.read_text(encoding="utf-8"), columns.read_text(encoding="utf-8"))


class _Parser:
    """Reads one excerpt file line by line: page blocks, sections, one block per relationship or column."""

    def __init__(self, reference: TableReference, *, columns: bool) -> None:
        self.reference = reference
        self.columns = columns
        self.table: str | None = None
        self.page: Page | None = None
        self.page_fields: dict[str, str] = {}
        self.section: str | None = None  # one_to_many | many_to_one
        self.heading: str | None = None
        self.rows: list[tuple[str, str]] = []
        self.options: dict[str, str] = {}

    def read(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            try:
                self.line(raw.rstrip())
            except TableReferenceError as exc:
                raise TableReferenceError(f"line {number}: {exc}") from None
        self.flush()

    def line(self, line: str) -> None:
        if line.startswith("## "):
            self.flush()
            self.table, self.page, self.page_fields, self.section = line[3:].strip(), None, {}, None
        elif self.page is None and self.table is not None and line.partition(": ")[0] in _PAGE_FIELDS:
            self.page_field(line)
        elif line.startswith("### ") and not self.columns:
            self.flush()
            self.section = _SECTIONS.get(line[4:].strip().lower())
            if self.section is None:
                raise TableReferenceError(f"unknown section {line!r}")
        elif line.startswith("#### " if not self.columns else "### "):
            self.flush()
            self.heading = line.split(" ", 1)[1].strip()
        elif _LIST_ENTRY.match(line) and not self.columns:
            self.list_entry(line)
        elif _ROW.match(line) and self.heading is not None:
            self.row(line)
        elif line.strip() and self.heading is not None:
            raise TableReferenceError(f"cannot read {line!r}")

    def page_field(self, line: str) -> None:
        key, _, value = line.partition(": ")
        self.page_fields[key] = value.strip()
        if len(self.page_fields) == len(_PAGE_FIELDS) and self.table is not None:
            fields = self.page_fields
            self.page = Page(self.table, fields["Repository"], fields["Path"], fields["Commit"])
            self.reference.pages.append(self.page)

    def list_entry(self, line: str) -> None:
        entry = _LIST_ENTRY.match(line)
        if entry is None or self.section != "many_to_one" or self.page is None or entry.group(1) != entry.group(2):
            raise TableReferenceError("a list entry outside a page's Many-To-One list")
        self.reference.many_to_one_names.append(ManyToOneName(entry.group(1), self.page))

    def row(self, line: str) -> None:
        cells = line.strip("|").split("|")
        if cells[0] in ("Property", "Value") or set(cells[0]) <= {"-"}:
            return  # a table's header or rule
        if self.columns and cells[0].strip().lstrip("-").isdigit():
            self.options[cells[0].strip()] = cells[1].strip()  # |1|Yes|| in the 2023 layout
            return
        match = _ROW.match(line)
        if match is not None:
            self.rows.append((match.group(1).strip(), match.group(2)))

    def flush(self) -> None:
        if self.heading is None:
            return
        if self.page is None:
            raise TableReferenceError(f"{self.heading}: a block before its page's Repository, Path and Commit")
        if self.columns:
            self.reference.columns.append(_column(self.page, self.heading, self.rows, self.options))
        else:
            self.reference.blocks.append(_relationship(self.page, self.section, self.heading, self.rows))
        self.heading, self.rows, self.options = None, [], {}


_SECTIONS = {"one-to-many relationships": "one_to_many", "many-to-one relationships": "many_to_one"}


def _rows(heading: str, rows: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in rows:
        if key in found:
            raise TableReferenceError(f"{heading}: {key} given twice")
        found[key] = value
    return found


def _relationship(page: Page, section: str | None, name: str, rows: list[tuple[str, str]]) -> RelationshipBlock:
    values = _rows(name, rows)
    cascade = _cascade(values["CascadeConfiguration"]) if "CascadeConfiguration" in values else ()
    try:
        if section == "one_to_many":
            return RelationshipBlock(
                name, section, page, referenced_table=page.table,
                referencing_table=_clean(values["ReferencingEntity"]),
                referencing_attribute=_clean(values["ReferencingAttribute"]),
                referenced_navigation=_clean(values["ReferencedEntityNavigationPropertyName"]), cascade=cascade)
        if section == "many_to_one":
            return RelationshipBlock(
                name, section, page, referenced_table=_clean(values["ReferencedEntity"]),
                referencing_table=page.table, referencing_attribute=_clean(values["ReferencingAttribute"]),
                referencing_navigation=_clean(values["ReferencingEntityNavigationPropertyName"]), cascade=cascade)
    except KeyError as missing:
        raise TableReferenceError(f"{page.path}: {name} has no {missing.args[0]} row") from None
    raise TableReferenceError(f"{page.path}: {name} is outside a One-To-Many or Many-To-One section")


def _column(page: Page, schema_name: str, rows: list[tuple[str, str]], options: dict[str, str]) -> ColumnFact:
    values = {k: _clean(v) for k, v in _rows(schema_name, rows).items()}
    if "Type" not in values or "LogicalName" not in values:
        raise TableReferenceError(f"{page.path}: column {schema_name} needs its LogicalName and Type rows")
    true_label = values.get("True Label", options.get("1"))
    false_label = values.get("False Label", options.get("0"))
    ctype = values["Type"]
    if ctype == "Boolean" and (true_label is None or false_label is None):
        raise TableReferenceError(f"{page.path}: Boolean column {schema_name} needs both labels")
    targets = tuple(t.strip() for t in values["Targets"].split(",")) if "Targets" in values else ()
    return ColumnFact(page.table, values["LogicalName"], schema_name, ctype, page, true_label=true_label,
                      false_label=false_label,
                      max_length=int(values["MaxLength"]) if "MaxLength" in values else None, targets=targets)


__all__ = ["CASCADE_ACTIONS", "COLUMNS_FILE", "RELATIONSHIPS_FILE", "ColumnFact", "ManyToOneName", "Page",
           "Relationship", "RelationshipBlock", "TableReference", "TableReferenceError", "load", "parse"]

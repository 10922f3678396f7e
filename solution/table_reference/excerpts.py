"""Reading the excerpt files (``relationships.md``, ``columns.md``) line by line into a :class:`TableReference`.

The pages come in two layouts, both kept as they are written: the 2023 one (``|ReferencingEntity|contact|``, cascades
on the One-To-Many side, a list of names on the Many-To-One side) and the current one (values in backticks, cascades
and the single-valued navigation property on the Many-To-One side, no cascade on the One-To-Many side).
"""

from __future__ import annotations

import re

from .facts import (
    CASCADE_ACTIONS,
    ColumnFact,
    ManyToOneName,
    Page,
    RelationshipBlock,
    TableReference,
    TableReferenceError,
)

__all__ = ["parse"]

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


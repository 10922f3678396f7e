"""Merging the facts of Microsoft's table reference pages (``solution.table_reference``) into the columns the CDM
gives: Yes/No labels, Memo types, lookup targets, and the relationships with their names, navigation properties and
cascades. Where a page and the CDM disagree, the page wins and a note says what it overrode."""

from __future__ import annotations

from typing import Any

from solution.table_reference import TableReference

from .model import Column, RelationshipSpec, SourceError

# CascadeConfiguration.Delete -> the schema's cascade rule. NoCascade is what the platform's own bookkeeping
# relationships (creator, owning user, activity party) say: the child keeps its lookup in Dataverse, which an emulator
# whose rows are deleted outright cannot hold, so the link is removed as RemoveLink does; the metadata still shows it.
_DELETE_RULES = {"Cascade": "parental", "RemoveLink": "referential", "Restrict": "restrict", "NoCascade": "referential"}
_REFERENCE_TYPES = {"Lookup": "lookup", "Customer": "customer", "Owner": "owner"}


def apply_column_facts(table: str, columns: list[Column], reference: TableReference, notes: list[str]) -> None:
    """Yes/No labels, Memo types and lookup targets from the table reference; a page wins over the CDM."""
    by_name = {c.name: c for c in columns}
    for fact in reference.columns:
        if fact.table != table:
            continue
        column = by_name.get(fact.logical_name)
        if column is None:
            raise SourceError(f"{fact.page.path}: {table} has no column {fact.logical_name!r} in the CDM")
        where = f"{table}.{column.name}"
        if fact.type == "Boolean":
            _override(notes, where, "type", column.type, "boolean")
            column.type = "boolean"
            column.choices = [{"value": 1, "label": fact.true_label}, {"value": 0, "label": fact.false_label}]
        elif fact.type == "Memo":
            _override(notes, where, "type", column.type, "memo")
            column.type = "memo"
            if fact.max_length is not None:
                _override(notes, where, "max_length", column.max_length, fact.max_length)
                column.max_length = fact.max_length
        elif fact.type in _REFERENCE_TYPES:
            _override(notes, where, "targets", column.targets, list(fact.targets))
            column.targets = list(fact.targets)
        else:
            raise SourceError(f"{fact.page.path}: {where}: no use for a {fact.type} column fact")


def _override(notes: list[str], where: str, what: str, cdm: Any, page: Any) -> None:
    if cdm is not None and cdm != page:
        notes.append(f"{where}: {what} {cdm!r} in the CDM, {page!r} in the table reference (the reference wins)")


def table_relationships(table: str, columns: list[Column], reference: TableReference, tables: frozenset[str],
                        notes: list[str]) -> tuple[RelationshipSpec, ...]:
    """The relationships the table reference names for the lookups of ``table`` to tables of this set."""
    by_name = {c.name: c for c in columns}
    specs: dict[tuple[str, str], RelationshipSpec] = {}
    for rel in sorted(reference.relationships().values(), key=lambda r: r.name.lower()):
        if rel.referencing_table != table or rel.referenced_table not in tables:
            continue
        column = by_name.get(rel.referencing_attribute)
        if column is None or not column.targets:
            raise SourceError(f"{rel.name}: {table}.{rel.referencing_attribute} is not a lookup column in the CDM")
        if rel.referenced_table not in column.targets:
            _override(notes, f"{table}.{column.name}", "targets", list(column.targets),
                      [*column.targets, rel.referenced_table])
            column.targets = [*column.targets, rel.referenced_table]
        key = (column.name, rel.referenced_table)
        if key in specs:
            raise SourceError(
                f"{table}.{column.name} -> {rel.referenced_table}: named {specs[key].name!r} and {rel.name!r}")
        delete = rel.delete
        specs[key] = RelationshipSpec(
            referencing_attribute=column.name, referenced_table=rel.referenced_table, name=rel.name,
            referenced_navigation=None if rel.referenced_navigation in (None, rel.name) else rel.referenced_navigation,
            referencing_navigation=rel.referencing_navigation,
            cascade=_DELETE_RULES[delete] if delete is not None else None,
            cascade_configuration=rel.cascade)
    order = {c.name: i for i, c in enumerate(columns)}
    return tuple(sorted(specs.values(), key=lambda s: (order[s.referencing_attribute],
                                                       by_name[s.referencing_attribute].targets.index(s.referenced_table))))

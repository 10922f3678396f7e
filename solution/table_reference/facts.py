"""What Microsoft's table reference pages say, as plain facts: the pages, one relationship as one page shows it,
a column's type and labels, and :class:`TableReference`, which merges the two sides of each relationship."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CASCADE_ACTIONS", "ColumnFact", "ManyToOneName", "Page", "Relationship", "RelationshipBlock",
           "TableReference", "TableReferenceError"]

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

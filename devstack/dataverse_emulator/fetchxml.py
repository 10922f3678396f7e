"""FetchXML through the Web API: ``GET <entityset>?fetchXml=<url-encoded query>``.

As "Use FetchXml to query data" describes (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/overview,
with the Web API form in https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/retrieve-data):

* ``<fetch>`` with ``top``, ``count`` + ``page`` (+ ``paging-cookie``), ``distinct``, ``returntotalrecordcount``;
  the answer carries ``@Microsoft.Dynamics.CRM.morerecords`` and ``@Microsoft.Dynamics.CRM.fetchxmlpagingcookie``
  when the caller asks for them with ``Prefer: odata.include-annotations`` ("Page results using FetchXml",
  https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results). The paging cookie names
  the page's first and last ids as Dataverse's does; the emulator pages by page number, which lands on the same
  rows;
* ``<entity>`` with ``<attribute>`` (``alias`` too), ``<all-attributes>``, ``<order>``, ``<filter>`` (``and``/``or``,
  nested) of ``<condition>`` (the operators in ``conditions.py``, ``entityname`` to test a linked table's column,
  ``<value>`` lists) and ``<link-entity>`` (inner and outer joins, nested; linked columns come back as
  ``alias.column``).

Aggregation and every other element or attribute answer 501 naming it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from solution.schema import Column, ColumnType, Table

from . import conditions, errors
from .errors import ODataError
from .odata import Ref, normalize_guid
from .ports import ReadModel
from .protocol import FORMATTED, LOOKUP_NAME, MAX_PAGE_SIZE, Call, Outcome, Prefer
from .query_options import sort_key
from .values import formatted, json_value

__all__ = ["run_fetch"]

MORE_RECORDS = "Microsoft.Dynamics.CRM.morerecords"
PAGING_COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
TOTAL_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount"
TOTAL_LIMIT = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"

# element -> attributes the emulator honours; "ui*" attributes are display hints the service does not evaluate
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "fetch": frozenset({"version", "count", "page", "paging-cookie", "top", "distinct", "no-lock", "mapping",
                        "returntotalrecordcount", "output-format", "aggregate"}),
    "entity": frozenset({"name"}),
    "attribute": frozenset({"name", "alias"}),
    "all-attributes": frozenset(),
    "order": frozenset({"attribute", "descending"}),
    "filter": frozenset({"type"}),
    "condition": frozenset({"attribute", "operator", "value", "entityname", "uiname", "uitype", "uihidden"}),
    "value": frozenset({"uiname", "uitype"}),
    "link-entity": frozenset({"name", "from", "to", "alias", "link-type", "visible", "intersect"}),
}
_CHILDREN: dict[str, frozenset[str]] = {
    "fetch": frozenset({"entity"}),
    "entity": frozenset({"attribute", "all-attributes", "order", "filter", "link-entity"}),
    "link-entity": frozenset({"attribute", "all-attributes", "order", "filter", "link-entity"}),
    "filter": frozenset({"condition", "filter"}),
    "condition": frozenset({"value"}),
}

Joined = dict[str, dict[str, Any] | None]  # alias ("" for the root) -> row, or None for an outer join's miss
RowTest = Callable[[Joined], bool]


@dataclass
class _Node:
    """The root entity or a link-entity: which table, under which alias, which columns come back."""

    table: Table
    alias: str
    columns: list[tuple[str, str]] | None = None  # (column, output name); None = every column
    link_from: str = ""
    link_to: str = ""
    parent: str = ""
    outer: bool = False
    filter: RowTest | None = None
    links: list[_Node] = field(default_factory=list)


def run_fetch(view: ReadModel, call: Call, table: Table) -> Outcome:
    text = call.param("fetchXml") or ""
    for name, _ in call.query:
        if name != "fetchXml":
            raise errors.syntax(f"The query option '{name}' cannot be combined with fetchXml.")
    try:
        root = ET.fromstring(text)  # noqa: S314 - ElementTree expands no external entities; a local dev service
    except ET.ParseError as exc:
        raise errors.syntax(f"The fetchXml is not well-formed XML: {exc}.") from None
    plan = _Planner(view, table)
    query = plan.fetch(root)
    prefer = Prefer.parse(call.headers.getlist("Prefer"))
    rows = plan.run(query)
    total = len(rows)
    if query.top is not None:
        page_rows, more = rows[: query.top], False
    else:
        start = (query.page - 1) * query.count
        page_rows, more = rows[start : start + query.count], start + query.count < total
    body: dict[str, Any] = {"@odata.context": f"{call.base_url}$metadata#{table.entity_set}"}
    if query.total_count:
        body[f"@{TOTAL_COUNT}"] = min(total, MAX_PAGE_SIZE)
        body[f"@{TOTAL_LIMIT}"] = total > MAX_PAGE_SIZE
    if prefer.wants(PAGING_COOKIE) and more and page_rows:
        body[f"@{PAGING_COOKIE}"] = _paging_cookie(table, query.page, page_rows)
    if prefer.wants(MORE_RECORDS):
        body[f"@{MORE_RECORDS}"] = more
    body["value"] = [plan.represent(query.entity, joined, prefer) for joined in page_rows]
    return Outcome.json(200, body, view.applied(prefer, annotations=True))


@dataclass
class _Query:
    entity: _Node
    orders: list[tuple[str, str, bool]]  # (alias, column, descending)
    top: int | None
    count: int
    page: int
    distinct: bool
    total_count: bool


class _Planner:
    def __init__(self, view: ReadModel, table: Table) -> None:
        self.view = view
        self.table = table
        self.context = view.query_context()
        self.aliases: dict[str, _Node] = {}
        self.orders: list[tuple[str, str, bool]] = []

    # --- parsing ---

    def fetch(self, element: ET.Element) -> _Query:
        _check(element, "fetch")
        if element.get("aggregate", "false").lower() == "true":
            raise errors.unsupported("FetchXML aggregation (<fetch aggregate='true'>)")
        if element.get("output-format", "xml-platform") != "xml-platform":
            raise errors.unsupported(f"the FetchXML output-format '{element.get('output-format')}'")
        entities = [e for e in element if e.tag == "entity"]
        if len(entities) != 1:
            raise errors.syntax("A fetch element holds exactly one entity element.")
        entity_el = entities[0]
        _check(entity_el, "entity")
        name = entity_el.get("name", "")
        if name != self.table.logical_name:
            raise errors.syntax(
                f"The fetchXml entity '{name}' does not match the entity set '{self.table.entity_set}' of the URL.")
        entity = self._node(entity_el, self.table, "")
        top = _number(element, "top")
        count = _number(element, "count")
        page = _number(element, "page")
        if top is not None and (count is not None or page is not None):
            raise errors.syntax("The fetch attribute 'top' cannot be combined with 'count' or 'page'.")
        if top is not None and top > MAX_PAGE_SIZE:
            raise errors.syntax(f"The fetch attribute 'top' cannot be more than {MAX_PAGE_SIZE}.")
        return _Query(entity=entity, orders=self.orders, top=top,
                      count=min(count or MAX_PAGE_SIZE, MAX_PAGE_SIZE), page=max(page or 1, 1),
                      distinct=element.get("distinct", "false").lower() == "true",
                      total_count=element.get("returntotalrecordcount", "false").lower() == "true")

    def _node(self, element: ET.Element, table: Table, alias: str, parent: _Node | None = None) -> _Node:
        node = _Node(table=table, alias=alias)
        self.aliases[alias] = node
        if parent is not None:
            node.parent = parent.alias
            node.link_from = self._column(table, element.get("from", ""), "link-entity from").name
            node.link_to = self._column(parent.table, element.get("to", ""), "link-entity to").name
            kind = element.get("link-type", "inner")
            if kind not in ("inner", "outer"):
                raise errors.unsupported(f"the link-entity link-type '{kind}'")
            node.outer = kind == "outer"
        columns: list[tuple[str, str]] = []
        every = False
        for child in element:
            tag = child.tag
            if tag not in _CHILDREN[element.tag]:
                raise errors.unsupported(f"the FetchXML element <{tag}> inside <{element.tag}>")
            _check(child, tag)
            if tag == "attribute":
                col = self._column(table, child.get("name", ""), "attribute")
                columns.append((col.name, child.get("alias") or col.name))
            elif tag == "all-attributes":
                every = True
            elif tag == "order":
                col = self._column(table, child.get("attribute", ""), "order")
                self.orders.append((alias, col.name, child.get("descending", "false").lower() == "true"))
            elif tag == "filter":
                node.filter = _and(node.filter, self._filter(child, alias))
            else:  # link-entity
                target = self._table(child.get("name", ""))
                link_alias = child.get("alias") or self._auto_alias(target)
                if link_alias in self.aliases:
                    raise errors.syntax(f"The link-entity alias '{link_alias}' is used twice.")
                node.links.append(self._node(child, target, link_alias, node))
        # without attribute elements Dataverse returns every column, as all-attributes does
        node.columns = None if every or (not columns and parent is None) else columns
        return node

    def _filter(self, element: ET.Element, alias: str) -> RowTest:
        kind = element.get("type", "and")
        if kind not in ("and", "or"):
            raise errors.syntax(f"A filter's type is 'and' or 'or', not '{kind}'.")
        tests: list[RowTest] = []
        for child in element:
            if child.tag not in _CHILDREN["filter"]:
                raise errors.unsupported(f"the FetchXML element <{child.tag}> inside <filter>")
            _check(child, child.tag)
            tests.append(self._filter(child, alias) if child.tag == "filter" else self._condition(child, alias))
        if kind == "and":
            return lambda joined: all(test(joined) for test in tests)
        return lambda joined: any(test(joined) for test in tests)

    def _condition(self, element: ET.Element, alias: str) -> RowTest:
        target_alias = element.get("entityname", alias)
        node = self.aliases.get(target_alias)
        if node is None:
            raise errors.syntax(f"The condition's entityname '{target_alias}' is not a link-entity alias declared"
                                " before it.")
        col = self._column(node.table, element.get("attribute", ""), "condition")
        operator = element.get("operator", "")
        for child in element:
            _check(child, "value")
        values: list[Any] = [v.text or "" for v in element if v.tag == "value"]
        if element.get("value") is not None:
            values.insert(0, element.get("value"))
        condition = conditions.build(operator, col, values, self.context, where="FetchXML")
        name = col.name

        def test(joined: Joined) -> bool:
            row = joined.get(target_alias)
            return condition.test(None if row is None else row.get(name))

        return test

    def _column(self, table: Table, name: str, where: str) -> Column:
        col = table.find_column(name)
        if col is None:
            raise ODataError(400, errors.BAD_PROPERTY,
                             f"'{table.logical_name}' entity doesn't contain attribute with Name = '{name}' ({where}).")
        return col

    def _table(self, name: str) -> Table:
        schema = self.view.schema
        if not schema.has_table(name):
            raise ODataError(400, errors.BAD_PROPERTY, f"The entity with a name = '{name}' was not found.")
        return schema.table(name)

    def _auto_alias(self, table: Table) -> str:
        n = 1
        while f"{table.logical_name}{n}" in self.aliases:
            n += 1
        return f"{table.logical_name}{n}"

    # --- running ---

    def run(self, query: _Query) -> list[Joined]:
        root = query.entity
        rows: list[Joined] = [{"": r} for r in self.view.visible_rows(root.table)]
        for link in root.links:
            rows = self._join(rows, link)
        if root.filter is not None:
            rows = [joined for joined in rows if root.filter(joined)]
        for alias, column, descending in reversed(query.orders):
            rows = sorted(rows, key=_order_key(alias, column), reverse=descending)
        if query.distinct:
            seen: set[str] = set()
            unique = []
            for joined in rows:
                marker = repr(self.represent(root, joined, Prefer(), etag=False))
                if marker not in seen:
                    seen.add(marker)
                    unique.append(joined)
            rows = unique
        return rows

    def _join(self, rows: list[Joined], link: _Node) -> list[Joined]:
        candidates = self.view.visible_rows(link.table)
        if link.filter is not None:
            candidates = [r for r in candidates if link.filter({link.alias: r})]
        by_key: dict[Any, list[dict[str, Any]]] = {}
        for candidate in candidates:
            key = _join_value(candidate.get(link.link_from))
            if key is not None:
                by_key.setdefault(key, []).append(candidate)
        joined_rows: list[Joined] = []
        for joined in rows:
            parent = joined.get(link.parent)
            key = None if parent is None else _join_value(parent.get(link.link_to))
            matches = by_key.get(key, []) if key is not None else []
            if not matches and link.outer:
                joined_rows.append({**joined, link.alias: None})
            joined_rows.extend({**joined, link.alias: match} for match in matches)
        for nested in link.links:
            joined_rows = self._join(joined_rows, nested)
        return joined_rows

    def represent(self, node: _Node, joined: Joined, prefer: Prefer, *, etag: bool = True) -> dict[str, Any]:
        row = joined.get(node.alias)
        if node.alias == "" and row is not None:
            select = None if node.columns is None else [c for c, _ in node.columns]
            out = self.view.represent(node.table, row, select, prefer)
            for column, output in node.columns or []:
                if output != column:
                    out[output] = out.pop(self._output_name(node.table, column), None)
            if not etag:
                out.pop("@odata.etag", None)
        else:
            out = self._linked(node, row, prefer)
        for link in node.links:
            out.update(self.represent(link, joined, prefer, etag=etag))
        return out

    def _linked(self, node: _Node, row: dict[str, Any] | None, prefer: Prefer) -> dict[str, Any]:
        """A link-entity's columns as ``alias.column``, with their annotations."""
        out: dict[str, Any] = {}
        columns = node.columns if node.columns is not None else [(c.name, c.name) for c in node.table.columns]
        for column, output in columns:
            col = node.table.column(column)
            value = None if row is None else row.get(column)
            key = f"{node.alias}.{output}"
            out[key] = json_value(value)
            if value is None:
                continue
            label = None
            if isinstance(value, Ref):
                label = self.view.primary_name(value) if prefer.wants(FORMATTED) else None
                if prefer.wants(LOOKUP_NAME):
                    out[f"{key}@{LOOKUP_NAME}"] = value.table
            elif prefer.wants(FORMATTED) and col.type is not ColumnType.FILE:
                label = formatted(col, value)
            if label is not None:
                out[f"{key}@{FORMATTED}"] = label
        return out

    @staticmethod
    def _output_name(table: Table, column: str) -> str:
        col = table.column(column)
        return col.value_name if col.type.is_reference else column


def _check(element: ET.Element, tag: str) -> None:
    if element.tag != tag:
        raise errors.unsupported(f"the FetchXML element <{element.tag}>")
    for name in element.attrib:
        if name not in _ATTRIBUTES[tag]:
            raise errors.unsupported(f"the FetchXML attribute '{name}' of <{tag}>")


def _number(element: ET.Element, name: str) -> int | None:
    raw = element.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise errors.syntax(f"The fetch attribute '{name}' must be a whole number, not '{raw}'.")
    return value


def _and(first: RowTest | None, second: RowTest) -> RowTest:
    if first is None:
        return second
    return lambda joined: first(joined) and second(joined)


def _join_value(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.id
    if isinstance(value, str):
        return normalize_guid(value) or value.casefold()
    return value


def _order_key(alias: str, column: str) -> Callable[[Joined], tuple[int, Any]]:
    def key(joined: Joined) -> tuple[int, Any]:
        row = joined.get(alias)
        return sort_key(None if row is None else row.get(column))

    return key


def _paging_cookie(table: Table, page: int, rows: list[Joined]) -> str:
    """``<cookie pagenumber="2" pagingcookie="…" istracking="False" />`` with the inner cookie encoded twice,
    as Dataverse writes it."""
    ids = [str(joined[""][table.primary_id]) for joined in rows if joined.get("") is not None]  # type: ignore[index]
    inner = (f'<cookie page="{page}"><{table.primary_id} last="{{{ids[-1].upper()}}}"'
             f' first="{{{ids[0].upper()}}}" /></cookie>')
    encoded = quote(quote(inner, safe=""), safe="")
    return f'<cookie pagenumber="{page + 1}" pagingcookie="{encoded}" istracking="False" />'

"""Reading rows: retrieve one (``set(key)``), query a set (``$filter``, ``$orderby``, ``$top``, ``$count``, paging
with ``Prefer: odata.maxpagesize`` and an opaque ``$skiptoken``; ``?fetchXml=`` goes to ``fetchxml.py``) and count
it (``set/$count``). How each row reads is ``read_view.py``'s business."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from solution.schema import Table

from . import errors
from .fetchxml import run_fetch
from .filters import parse_filter
from .ports import AccessChecker, ReadModel
from .protocol import MAX_PAGE_SIZE, Call, Outcome, Prefer, context_url, etag
from .query_options import (
    Predicate,
    check_query_options,
    decode_skiptoken,
    encode_skiptoken,
    getter,
    parse_orderby,
    parse_select,
    parse_top,
    sorted_rows,
)
from .rows import Rows
from .values import describe_key

__all__ = ["Reader"]


class Reader:
    def __init__(self, view: ReadModel, rows: Rows, access: AccessChecker) -> None:
        self.view = view
        self.rows = rows
        self.access = access

    def retrieve(self, call: Call, table: Table, key: str | dict[str, Any]) -> Outcome:
        check_query_options(call, single=True)
        row = self.rows.find(table, key)
        if row is None:
            raise errors.not_found(table.logical_name, key if isinstance(key, str) else describe_key(key))
        self.access.check_read(table, row)
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
        expand = call.param("$expand")
        inm = call.header("If-None-Match")
        if inm and inm not in ("null", "*") and not expand and not prefer.annotations and inm == etag(row):
            return Outcome(304, [("OData-Version", "4.0")])
        body = {"@odata.context": context_url(call, table, select, entity=True)}
        body.update(self.view.represent(table, row, select, prefer, expand))
        return Outcome.json(200, body, self.view.applied(prefer, annotations=True))

    def query(self, call: Call, table: Table) -> Outcome:
        check_query_options(call)
        if call.param("fetchXml") is not None:
            return run_fetch(self.view, call, table)
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        rows = self.view.visible_rows(table)
        filter_text = call.param("$filter")
        if filter_text:
            predicate: Predicate = parse_filter(table, filter_text, self.view.query_context())
            rows = [r for r in rows if predicate(getter(r))]
        orderby = call.param("$orderby")
        if orderby:
            rows = sorted_rows(rows, parse_orderby(table, orderby))
        total = len(rows)
        top_text = call.param("$top")
        headers: list[tuple[str, str]] = []
        next_link = None
        top = parse_top(top_text) if top_text is not None else None
        if top is not None and prefer.max_page_size is None:
            rows = rows[:top]
        else:
            # "Don't use $top with Prefer: odata.maxpagesize. If you include both, $top is ignored." (paging docs)
            page = prefer.max_page_size or MAX_PAGE_SIZE
            offset = decode_skiptoken(call.param("$skiptoken"))
            if offset + page < len(rows):
                params = [(k, v) for k, v in call.query if k != "$skiptoken"]
                params.append(("$skiptoken", encode_skiptoken(offset + page)))
                next_link = f"{call.base_url}{table.entity_set}?{urlencode(params, quote_via=quote, safe='$,()')}"
            rows = rows[offset : offset + page]
        if prefer.max_page_size is not None:
            headers.append(("Preference-Applied", f"odata.maxpagesize={prefer.max_page_size}"))
        select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
        expand = call.param("$expand")
        body: dict[str, Any] = {"@odata.context": context_url(call, table, select)}
        counted = (call.param("$count") or "false").lower()
        if counted not in ("true", "false"):
            raise errors.syntax(f"The value '{call.param('$count')}' of $count is not true or false.")
        if counted == "true":
            body["@odata.count"] = min(total, MAX_PAGE_SIZE)  # Dataverse counts up to 5,000 ("Count rows")
        body["value"] = [self.view.represent(table, r, select, prefer, expand) for r in rows]
        if next_link:
            body["@odata.nextLink"] = next_link
        return Outcome.json(200, body, [*headers, *self.view.applied(prefer, annotations=True)])

    def count(self, call: Call, table: Table) -> Outcome:
        """``GET set/$count``: the number of rows (Dataverse caps it at 5000), as plain text."""
        check_query_options(call, allowed=frozenset({"$filter"}))
        rows = self.view.visible_rows(table)
        filter_text = call.param("$filter")
        if filter_text:
            predicate = parse_filter(table, filter_text, self.view.query_context())
            rows = [r for r in rows if predicate(getter(r))]
        return Outcome(200, [("OData-Version", "4.0")], str(min(len(rows), MAX_PAGE_SIZE)).encode(), "text/plain")

"""One column of one row: ``set(key)/column``.

A file column goes to ``files.py``; any other column is read (``GET``, ``/$value`` for the raw text), set
(``PUT {"value": ...}``) or cleared (``DELETE``), as "Retrieve a table row using the Web API" and "Update and delete
table rows using the Web API" describe single property requests. Navigation properties and ``$ref`` in the URL
answer 501 naming the form the emulator takes instead.
"""

from __future__ import annotations

from typing import Any

from solution.schema import ColumnType, Table

from . import errors
from .files import FileColumns
from .ports import AccessChecker, RecordWriter, SchemaHolder
from .protocol import Call, Outcome, WriteEvent, json_body, method_not_allowed, only_options
from .rows import Rows
from .values import coerce, json_value

__all__ = ["Properties"]


class Properties:
    def __init__(self, holder: SchemaHolder, rows: Rows, access: AccessChecker, *, files: FileColumns,
                 writer: RecordWriter) -> None:
        self.holder = holder
        self.rows = rows
        self.access = access
        self.files = files
        self.writer = writer

    def handle(self, call: Call, table: Table, key: str | dict[str, Any], *, key_text: str, segment: str,
               raw_value: bool, events: list[WriteEvent]) -> Outcome:
        schema = self.holder.schema
        col = table.find_column(segment)
        if col is None or col.type.is_reference:
            if segment == "$ref":
                raise errors.unsupported("$ref (associate/disassociate); bind lookups with @odata.bind instead")
            if schema.single_navigation(table.logical_name, segment) or schema.collection_navigation(
                table.logical_name, segment
            ):
                raise errors.unsupported(f"navigating to '{segment}' in the URL; use $expand={segment}")
            raise errors.unknown_query_property(table.logical_name, segment)
        row = self.rows.find(table, key)
        if row is None:
            raise errors.not_found(table.logical_name, key_text)
        self.access.check("Read" if call.method == "GET" else "Write", table, row)
        if col.type is ColumnType.FILE:
            return self.files.handle(call, table, row, col, raw_value=raw_value)
        only_options(call)
        if call.method == "GET":
            value = json_value(row.get(col.name))
            if raw_value:
                text = b"" if value is None else str(value).encode()
                return Outcome(200, [("OData-Version", "4.0")], text, "text/plain")
            context = f"{call.base_url}$metadata#{table.entity_set}({key_text})/{segment}"
            return Outcome.json(200, {"@odata.context": context, "value": value})
        if call.method in ("PUT", "DELETE") and not raw_value:
            raw = None
            if call.method == "PUT":
                body = json_body(call, table.entity_set)
                if set(body) != {"value"}:
                    raise errors.payload_error(table.entity_set, 'A single property is set with {"value": ...}.')
                raw = body["value"]
            self.writer.update(table, row, {col.name: coerce(table, col, raw)}, None, events)
            return Outcome(204, [("OData-Version", "4.0")])
        raise method_not_allowed(call)

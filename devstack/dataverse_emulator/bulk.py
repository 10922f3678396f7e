"""Bulk operation messages and bulk delete.

* ``POST <entityset>/Microsoft.Dynamics.CRM.CreateMultiple`` / ``UpdateMultiple`` / ``UpsertMultiple`` with
  ``{"Targets": [...]}``, every target carrying ``@odata.type`` (``Microsoft.Dynamics.CRM.<table>``):
  CreateMultiple answers ``200 {"Ids": [...]}``, UpdateMultiple and UpsertMultiple ``204``. On a standard table
  the targets commit together: when one fails, none is written and the answer is that target's error.
  UpsertMultiple names each record with ``@odata.id`` (``entityset(key='v')``, a relative URL) or its primary id.
  Sources: "Use bulk operation messages" (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations)
  and the action references (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/createmultiple,
  .../updatemultiple, .../upsertmultiple: "The UpsertMultiple action returns 204 NoContent").
* ``POST BulkDelete`` with a ``QuerySet`` of QueryExpressions answers ``{"JobId": ...}``, the id of a Bulk Delete
  system job (``asyncoperation`` with ``operationtype`` 13) that the emulator runs at once, so a client polling it
  reads Succeeded (or Failed with the count of records it could not delete). Source: "Delete data in bulk"
  (https://learn.microsoft.com/power-apps/developer/data-platform/delete-data-bulk) and the BulkDelete action
  reference (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/bulkdelete).
  Recurring jobs, e-mail notification, jobs scheduled for later, and queries with link entities answer 501.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from werkzeug.datastructures import Headers

from solution.schema import Table

from . import conditions, errors
from .errors import ODataError
from .key_predicates import parse_key
from .odata import parse_datetime
from .platform import ASYNC_STATE, ASYNC_STATUS
from .ports import AccessChecker, Clock, ReadModel, RecordWriter, SchemaHolder, TableVisibility
from .protocol import Call, Outcome, WriteEvent, method_not_allowed, only_options
from .routing import Routed
from .store import Store

__all__ = ["BULK_DELETE_OPERATION_TYPE", "BulkOperations"]

BULK_DELETE_OPERATION_TYPE = 13  # asyncoperation.operationtype "Bulk Delete"
_BULK_ACTIONS = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")


class BulkOperations:
    def __init__(self, writer: RecordWriter, store: Store, *, view: ReadModel, access: AccessChecker,
                 holder: SchemaHolder, tables: TableVisibility, clock: Clock) -> None:
        self.writer = writer
        self.store = store
        self.view = view
        self.access = access
        self.holder = holder
        self.tables = tables
        self.clock = clock

    def bound_action(self, call: Call, table: Table, name: str, events: list[WriteEvent]) -> Outcome:
        """``<entityset>/Microsoft.Dynamics.CRM.<name>``."""
        return _bound_action(self.writer, self.store, call, table, name, events=events)

    def bulk_delete(self, routed: Routed) -> Outcome:
        """``POST BulkDelete``: delete what the query set matches in a system job; answer its id."""
        call = routed.call
        if call.method != "POST":
            raise method_not_allowed(call)
        only_options(call)
        body = _bulk_delete_parameters(call)
        now = self.clock()
        start = parse_datetime(str(body["StartDateTime"]))
        if start is None:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"StartDateTime '{body['StartDateTime']}' is not a date.")
        if start > now + timedelta(minutes=5):
            raise errors.unsupported("bulk delete jobs scheduled for later (StartDateTime in the future)")
        context = conditions.QueryContext(now, self.view.query_context().user_id)
        plans = [self._plan(query, context) for query in body["QuerySet"]]
        job_id = str(uuid.uuid4())
        deleted, failed, last_error = 0, 0, ""
        for table, test in plans:
            for row in list(self.view.visible_rows(table)):
                row_id = str(row[table.primary_id])
                # an earlier query of the set (or a cascade) may have removed the row already
                if not test(row) or self.store.raw(table.logical_name, row_id) is None:
                    continue
                try:
                    with _AllOrNothing(self.store):
                        self.access.check_delete(table, row)
                        self.writer.delete_row(table, row_id)
                    deleted += 1
                except ODataError as err:
                    failed, last_error = failed + 1, err.message
        status = "succeeded" if not failed else "failed"
        self.store.insert("asyncoperation", {
            "asyncoperationid": job_id, "name": str(body["JobName"]), "operationtype": BULK_DELETE_OPERATION_TYPE,
            "statecode": ASYNC_STATE["completed"], "statuscode": ASYNC_STATUS[status], "startedon": now,
            "completedon": self.clock(),
            "message": f"{deleted} records deleted, {failed} failed." + (f" Last failure: {last_error}" if failed
                                                                           else ""),
            "friendlymessage": None if not failed else f"{failed} records could not be deleted.",
        })
        return Outcome.json(200, {
            "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse", "JobId": job_id})

    def _plan(self, query: Any, context: conditions.QueryContext) -> tuple[Table, Callable[[dict[str, Any]], bool]]:
        if not isinstance(query, dict):
            raise ODataError(400, errors.INVALID_ARGUMENT, "Each item of QuerySet must be a QueryExpression object.")
        unknown = set(query) - _QUERY_KEYS
        if unknown:
            raise errors.unsupported(f"the QueryExpression properties {', '.join(sorted(unknown))} in BulkDelete")
        if query.get("LinkEntities"):
            raise errors.unsupported("LinkEntities in a BulkDelete query")
        if query.get("TopCount") is not None or query.get("PageInfo"):
            raise errors.unsupported("TopCount and PageInfo in a BulkDelete query")
        name = query.get("EntityName")
        schema = self.holder.schema
        if not isinstance(name, str) or not schema.has_table(name) or not self.tables.visible(schema.table(name)):
            raise ODataError(400, errors.INVALID_ARGUMENT, f"The entity with a name = '{name}' was not found.")
        table = schema.table(name)
        criteria = query.get("Criteria")
        if criteria is None:
            return table, lambda _row: True
        return table, _filter(table, criteria, context)


def _bound_action(writer: RecordWriter, store: Store, call: Call, table: Table, name: str, *,
                  events: list[WriteEvent]) -> Outcome:
    if name not in _BULK_ACTIONS:
        raise errors.unsupported(f"the action 'Microsoft.Dynamics.CRM.{name}' bound to {table.entity_set}")
    if call.method != "POST":
        raise method_not_allowed(call)
    only_options(call)
    targets = _targets(call, table, name)
    local_events: list[WriteEvent] = []
    ids: list[str] = []
    with _AllOrNothing(store):
        for index, target in enumerate(targets):
            try:
                ids.append(_ACTIONS[name](writer, call, table, target, local_events))
            except ODataError as err:
                # the failing target's own error, as Dataverse answers it; nothing of the request is written
                err.message = f"{err.message} (Targets[{index}])"
                raise
    events.extend(local_events)
    if name == "CreateMultiple":
        return Outcome.json(200, {"@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM."
                                                    "CreateMultipleResponse", "Ids": ids})
    return Outcome(204, [("OData-Version", "4.0")])


class _AllOrNothing:
    """A transaction, unless the call already runs inside one (a $batch changeset), which then rolls back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.inner: Any = None

    def __enter__(self) -> None:
        if not self.store.in_transaction:
            self.inner = self.store.transaction()
            self.inner.__enter__()

    def __exit__(self, *exc: Any) -> bool:
        if self.inner is not None:
            return bool(self.inner.__exit__(*exc))
        return False


def _targets(call: Call, table: Table, name: str) -> list[dict[str, Any]]:
    try:
        body = json.loads(call.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.payload_error(table.entity_set, f"Invalid JSON: {exc}.") from None
    if not isinstance(body, dict) or set(body) != {"Targets"}:
        raise errors.payload_error(table.entity_set, f"{name} takes one parameter, Targets.")
    targets = body["Targets"]
    if not isinstance(targets, list) or not targets or not all(isinstance(t, dict) for t in targets):
        raise errors.payload_error(table.entity_set, "Targets must be a non-empty array of records.")
    expected = f"Microsoft.Dynamics.CRM.{table.logical_name}"
    for index, target in enumerate(targets):
        kind = str(target.get("@odata.type", "")).lstrip("#")
        if not kind:
            raise errors.payload_error(
                table.entity_set, f"Targets[{index}] has no @odata.type; every item of Targets must name its type.")
        if kind != expected:
            raise ODataError(400, errors.INVALID_ARGUMENT,
                             f"All the records of {name} must be of the table the action is bound to ({expected});"
                             f" Targets[{index}] is {kind}.")
    return targets


def _record_call(call: Call, method: str, path: str, body: dict[str, Any], headers: Headers) -> Call:
    record = {k: v for k, v in body.items() if k not in ("@odata.type", "@odata.id")}
    return Call(method, path, [], headers, json.dumps(record).encode(), call.base_url)


def _create(writer: RecordWriter, call: Call, table: Table, target: dict[str, Any],
            events: list[WriteEvent]) -> str:
    writer.create(_record_call(call, "POST", table.entity_set, target, Headers()), table, events)
    return _last_id(events)


def _update(writer: RecordWriter, call: Call, table: Table, target: dict[str, Any],
            events: list[WriteEvent]) -> str:
    row_id = target.get(table.primary_id)
    if not isinstance(row_id, str):
        raise errors.payload_error(table.entity_set, f"Each target of UpdateMultiple needs its {table.primary_id}.")
    key = parse_key(table, row_id)
    # update only: a missing record is 404, never created (If-Match: *)
    inner = _record_call(call, "PATCH", f"{table.entity_set}({row_id})", target, Headers([("If-Match", "*")]))
    writer.upsert(inner, table, key, row_id, events)
    return _last_id(events)


def _upsert(writer: RecordWriter, call: Call, table: Table, target: dict[str, Any],
            events: list[WriteEvent]) -> str:
    address = target.get("@odata.id")
    if address is not None:
        if not isinstance(address, str):
            raise errors.payload_error(table.entity_set, "@odata.id must be a URL string.")
        segment = address.rstrip("/").rsplit("/", 1)[-1]
        entity_set, _, rest = segment.partition("(")
        if entity_set != table.entity_set or not rest.endswith(")"):
            raise errors.payload_error(
                table.entity_set, f"@odata.id '{address}' does not address a record of {table.entity_set}.")
        key_text = rest[:-1]
    elif isinstance(target.get(table.primary_id), str):
        key_text = str(target[table.primary_id])
    else:
        raise errors.payload_error(
            table.entity_set, f"Each target of UpsertMultiple needs @odata.id or its {table.primary_id}.")
    key = parse_key(table, key_text)
    writer.upsert(_record_call(call, "PATCH", f"{table.entity_set}({key_text})", target, Headers()),
                  table, key, key_text, events)
    return _last_id(events)


def _last_id(events: list[WriteEvent]) -> str:
    return events[-1].row_id


_ACTIONS: dict[str, Callable[[RecordWriter, Call, Table, dict[str, Any], list[WriteEvent]], str]] = {
    "CreateMultiple": _create,
    "UpdateMultiple": _update,
    "UpsertMultiple": _upsert,
}


# --- BulkDelete ---

_BULK_DELETE_PARAMETERS = {"QuerySet", "JobName", "SendEmailNotification", "ToRecipients", "CCRecipients",
                           "RecurrencePattern", "StartDateTime", "RunNow", "SourceImportId"}
_QUERY_KEYS = {"@odata.type", "EntityName", "ColumnSet", "Criteria", "Orders", "LinkEntities", "Distinct",
               "NoLock", "TopCount", "PageInfo"}
_FILTER_KEYS = {"@odata.type", "FilterOperator", "Conditions", "Filters", "IsQuickFindFilter"}
_CONDITION_KEYS = {"@odata.type", "AttributeName", "Operator", "Values", "EntityName"}


def _bulk_delete_parameters(call: Call) -> dict[str, Any]:
    try:
        body = json.loads(call.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"Invalid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "BulkDelete takes a JSON object of parameters.")
    unknown = set(body) - _BULK_DELETE_PARAMETERS
    if unknown:
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         f"Unknown BulkDelete parameter(s): {', '.join(sorted(unknown))}.")
    missing = {"QuerySet", "JobName", "SendEmailNotification", "ToRecipients", "CCRecipients", "RecurrencePattern",
               "StartDateTime"} - set(body)
    if missing:
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         f"BulkDelete needs the parameter(s) {', '.join(sorted(missing))}.")
    if body["SendEmailNotification"] or body["ToRecipients"] or body["CCRecipients"]:
        raise errors.unsupported("e-mail notification of bulk delete jobs (SendEmailNotification, ToRecipients)")
    if body["RecurrencePattern"]:
        raise errors.unsupported("recurring bulk delete jobs (RecurrencePattern)")
    if not isinstance(body["QuerySet"], list) or not body["QuerySet"]:
        raise ODataError(400, errors.INVALID_ARGUMENT, "QuerySet must be a non-empty array of QueryExpressions.")
    return body


def _filter(table: Table, criteria: Any, context: conditions.QueryContext) -> Callable[[dict[str, Any]], bool]:
    if not isinstance(criteria, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "Criteria must be a FilterExpression object.")
    unknown = set(criteria) - _FILTER_KEYS
    if unknown:
        raise errors.unsupported(f"the FilterExpression properties {', '.join(sorted(unknown))} in BulkDelete")
    operator = str(criteria.get("FilterOperator", "And"))
    if operator not in ("And", "Or"):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"FilterOperator is And or Or, not '{operator}'.")
    tests = [_condition(table, c, context) for c in criteria.get("Conditions") or []]
    tests += [_filter(table, f, context) for f in criteria.get("Filters") or []]
    if operator == "And":
        return lambda row: all(test(row) for test in tests)
    return lambda row: any(test(row) for test in tests)


def _condition(table: Table, condition: Any, context: conditions.QueryContext) -> Callable[[dict[str, Any]], bool]:
    if not isinstance(condition, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "Each condition must be a ConditionExpression object.")
    unknown = set(condition) - _CONDITION_KEYS
    if unknown:
        raise errors.unsupported(f"the ConditionExpression properties {', '.join(sorted(unknown))} in BulkDelete")
    if condition.get("EntityName"):
        raise errors.unsupported("conditions on linked entities (EntityName) in BulkDelete")
    attribute = str(condition.get("AttributeName", ""))
    col = table.find_column(attribute)
    if col is None:
        raise ODataError(400, errors.BAD_PROPERTY,
                         f"'{table.logical_name}' entity doesn't contain attribute with Name = '{attribute}'.")
    name = str(condition.get("Operator", ""))
    operator = conditions.QUERY_EXPRESSION_OPERATORS.get(name)
    if operator is None:
        raise errors.unsupported(f"the ConditionOperator '{name}' in BulkDelete")
    values = [v.get("Value") if isinstance(v, dict) else v for v in condition.get("Values") or []]
    test = conditions.build(operator, col, values, context, where="BulkDelete")
    column = col.name
    return lambda row: test.test(row.get(column))

"""The emulated Web API: routing, auth, CRUD with conditional writes, queries, representations."""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from solution.schema import Cascade, Column, ColumnType, Schema, Table, load_schema

from . import errors
from .errors import ODataError
from .faults import Faults, RequestLog, RequestRecord, fault_error
from .odata import (
    Predicate,
    Ref,
    parse_expand,
    parse_filter,
    parse_key,
    parse_orderby,
    parse_select,
    sort_key,
)
from .store import Store
from .values import coerce, formatted, json_value

API_PREFIX = "/api/data/v9.2/"
MAX_PAGE_SIZE = 5000

# Well-known ids: the same in every Dataverse org (seen in samples and solution exports) for Create;
# the others are fixed here so that tests can rely on them.
SDK_MESSAGE_IDS = {
    "Create": "9ebdbb1b-ea3e-db11-86a7-000a3a5473e8",
    "Update": "20bebb1b-ea3e-db11-86a7-000a3a5473e8",
    "Delete": "20bdbb1b-ea3e-db11-86a7-000a3a5473e8",
}
_NAMESPACE = uuid.UUID("5b0e2f43-6a0c-4d7e-9a6e-2f1f4b3e9c10")

_QUERY_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken"}
_UNSUPPORTED_OPTIONS = {"$apply", "$search", "fetchXml", "savedQuery", "userQuery", "$compute", "$levels"}


@dataclass
class Call:
    """One HTTP operation, on its own or as a part of a ``$batch``."""

    method: str
    path: str  # below API_PREFIX, e.g. "smsb_messages(…)"
    query: list[tuple[str, str]]
    headers: Headers
    body: bytes
    base_url: str  # e.g. "http://127.0.0.1:7072/api/data/v9.2/"

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class Outcome:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Outcome:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, [*headers, ("OData-Version", "4.0")], body, "application/json; odata.metadata=minimal")

    @classmethod
    def error(cls, err: ODataError) -> Outcome:
        return cls.json(err.status, err.body(), err.headers.items())


@dataclass(frozen=True)
class WriteEvent:
    """A committed Create/Update, for webhook steps."""

    message: str
    table: str
    row_id: str
    target: dict[str, Any]
    pre_image: dict[str, Any] | None
    post_image: dict[str, Any]


@dataclass
class Prefer:
    representation: bool = False
    annotations: str | None = None
    max_page_size: int | None = None
    continue_on_error: bool = False

    @classmethod
    def parse(cls, values: list[str]) -> Prefer:
        prefer = cls()
        for value in values:
            for part in _split_prefer(value):
                key, _, raw = part.partition("=")
                key = key.strip().lower()
                raw = raw.strip().strip('"')
                if key == "return" and raw == "representation":
                    prefer.representation = True
                elif key == "odata.include-annotations":
                    prefer.annotations = raw
                elif key == "odata.maxpagesize":
                    try:
                        prefer.max_page_size = max(1, min(int(raw), MAX_PAGE_SIZE))
                    except ValueError:
                        raise errors.syntax(f"Invalid odata.maxpagesize '{raw}'.") from None
                elif key == "odata.continue-on-error":
                    prefer.continue_on_error = True
        return prefer

    def wants(self, annotation: str) -> bool:
        if not self.annotations:
            return False
        return any(fnmatch.fnmatchcase(annotation, p.strip()) for p in self.annotations.split(","))


def _split_prefer(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
ASSOCIATED_NAV = "Microsoft.Dynamics.CRM.associatednavigationproperty"


class DataverseEmulator:
    """A local Dataverse Web API (v9.2) over an in-memory store; see the package docstring."""

    def __init__(
        self,
        schema: Schema | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        token: str | None = None,
        webhook_sender: Callable[[str, dict[str, str], bytes], int] | None = None,
        fault_seed: int = 0,
    ) -> None:
        from .files import FileColumns
        from .webhooks import WebhookDispatcher

        self.schema = schema or load_schema()
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.token = token
        self.store = Store(self.schema, self.clock)
        self.faults = Faults(fault_seed)
        self.requests = RequestLog()
        self.webhooks = WebhookDispatcher(self, sender=webhook_sender)
        self.files = FileColumns(self)
        self.organization_id = str(uuid.uuid5(_NAMESPACE, "organization"))
        self.business_unit_id = str(uuid.uuid5(_NAMESPACE, "businessunit"))
        self.user_id = str(uuid.uuid5(_NAMESPACE, "systemuser:integration"))
        self._demo_seeded = False
        self._bootstrap()

    # --- setup ---

    def _bootstrap(self) -> None:
        s = self.store
        if self.schema.has_table("businessunit"):
            s.insert("businessunit", {"businessunitid": self.business_unit_id, "name": "SMS Bridge Org"})
        if self.schema.has_table("systemuser"):
            s.insert(
                "systemuser",
                {
                    "systemuserid": self.user_id,
                    "fullname": "SMS Bridge Integration",
                    "firstname": "SMS Bridge",
                    "lastname": "Integration",
                    "accessmode": 4,
                    "businessunitid": self.business_unit_id,
                    "domainname": "smsbridge-integration@devstack.local",
                },
            )
        if self.schema.has_table("sdkmessage") and self.schema.has_table("sdkmessagefilter"):
            for name, message_id in SDK_MESSAGE_IDS.items():
                s.insert("sdkmessage", {"sdkmessageid": message_id, "name": name})
                for table in self.schema.tables:
                    s.insert(
                        "sdkmessagefilter",
                        {
                            "sdkmessagefilterid": str(uuid.uuid5(_NAMESPACE, f"filter:{name}:{table.logical_name}")),
                            "name": f"{name} of {table.logical_name}",
                            "sdkmessageid": message_id,
                            "primaryobjecttypecode": table.logical_name,
                            "secondaryobjecttypecode": "none",
                            "iscustomprocessingstepallowed": True,
                        },
                    )

    def seed_demo(self) -> dict[str, Any]:
        """Add the demo business data (team, users, contacts, accounts); returns their ids."""
        from .seed import seed_demo

        self._demo_seeded = True
        return seed_demo(self)

    def reset(self) -> None:
        """Forget every row, file, fault and logged request; then bootstrap (and re-seed) again."""
        with self.store.lock:
            self.store.clear()
            self.files.sessions.clear()
            self._bootstrap()
            if self._demo_seeded:
                self.seed_demo()
        self.faults.clear()
        self.requests.clear()

    # --- WSGI ---

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._respond(request)
        return response(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def _respond(self, request: Request) -> Response:
        path = request.path
        fault = False
        if path.startswith("/_devstack/"):
            from .devstack_api import handle_devstack

            outcome = handle_devstack(self, request)
        elif not path.startswith(API_PREFIX.rstrip("/")):
            outcome = Outcome.json(
                404,
                {
                    "error": {
                        "code": "0x80060888",
                        "message": f"No resource at {path}; the Web API is under {API_PREFIX}.",
                    }
                },
            )
        elif not self._authorized(request):
            outcome = Outcome(
                401,
                [
                    (
                        "WWW-Authenticate",
                        'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
                    )
                ],
            )
        else:
            rule = self.faults.match(request.method, path)
            error = None
            if rule is not None:
                if rule.latency_ms:
                    time.sleep(rule.latency_ms / 1000)
                error = fault_error(rule)
            if error is not None:
                fault = True
                outcome = Outcome.error(error)
            else:
                outcome = self.handle(self._call_of(request))
        if not path.startswith("/_devstack/"):  # the log is about Web API traffic, not test control
            self._log(request, outcome, fault)
        response = Response(outcome.body, status=outcome.status, headers=outcome.headers)
        if outcome.content_type:
            response.headers["Content-Type"] = outcome.content_type
        elif not outcome.body:
            response.headers.pop("Content-Type", None)
        return response

    def _log(self, request: Request, outcome: Outcome, fault: bool) -> None:
        path = request.path
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=path,
                query=request.query_string.decode("latin-1"),
                status=outcome.status,
                fault=fault,
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            )
        )

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return self.token is None or token.strip() == self.token

    def _call_of(self, request: Request) -> Call:
        return Call(
            method=request.method.upper(),
            path=request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else "",
            query=parse_qsl(request.query_string.decode("utf-8"), keep_blank_values=True),
            headers=Headers(request.headers),
            body=request.get_data(),
            base_url=request.host_url.rstrip("/") + API_PREFIX,
        )

    # --- dispatch ---

    def handle(self, call: Call) -> Outcome:
        """Answer one call; committed writes are delivered to webhooks afterwards."""
        events: list[WriteEvent] = []
        try:
            with self.store.lock:
                outcome = self.execute(call, events)
        except ODataError as err:
            return Outcome.error(err)
        self.webhooks.publish(events)
        return outcome

    def execute(self, call: Call, events: list[WriteEvent]) -> Outcome:
        """Route one call (also a part of a $batch) with the store lock held."""
        path = call.path
        if path in ("", "/", "WhoAmI", "WhoAmI()", "$batch"):
            return self._special(call, events)
        if path.startswith("$"):
            raise errors.unsupported(f"the resource '{path}'")
        m = re.fullmatch(r"([A-Za-z_]\w*)(?:\((.*)\)(?:/([A-Za-z_]\w*|\$ref)(/\$value)?)?)?", path, re.DOTALL)
        if m is None:
            raise errors.unsupported(f"the resource path '{path}'")
        entity_set, key_text, segment, value_suffix = m.groups()
        table = self.schema.find_entity_set(entity_set)
        if table is None:
            raise ODataError(404, errors.BAD_PROPERTY, f"Resource not found for the segment '{entity_set}'.")
        if key_text is None:
            if call.method == "GET":
                return self._query(call, table)
            if call.method == "POST":
                return self._create(call, table, events)
            raise _method_not_allowed(call)
        key = parse_key(table, key_text)
        if segment is not None:
            return self._segment(
                call, table, key, key_text=key_text, segment=segment, raw_value=value_suffix is not None
            )
        return self._entity(call, table, key, key_text, events)

    def _entity(
        self, call: Call, table: Table, key: str | dict[str, Any], key_text: str, events: list[WriteEvent]
    ) -> Outcome:
        if call.method == "GET":
            return self._retrieve(call, table, key)
        if call.method == "PATCH":
            return self._upsert(call, table, key, key_text, events)
        if call.method == "DELETE":
            return self._delete(call, table, key)
        raise _method_not_allowed(call)

    def _special(self, call: Call, events: list[WriteEvent]) -> Outcome:
        if call.path == "$batch":
            from .batch import run_batch

            return run_batch(self, call, events)
        if call.method != "GET":
            raise _method_not_allowed(call)
        if call.path.startswith("WhoAmI"):
            return Outcome.json(
                200,
                {
                    "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                    "BusinessUnitId": self.business_unit_id,
                    "UserId": self.user_id,
                    "OrganizationId": self.organization_id,
                },
            )
        return self._service_root(call)

    def _service_root(self, call: Call) -> Outcome:
        return Outcome.json(
            200,
            {
                "@odata.context": f"{call.base_url}$metadata",
                "value": [{"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set} for t in self.schema.tables],
            },
        )

    def _segment(
        self, call: Call, table: Table, key: str | dict[str, Any], *, key_text: str, segment: str, raw_value: bool
    ) -> Outcome:
        col = table.find_column(segment)
        if col is not None and col.type is ColumnType.FILE:
            row = self._find(table, key)
            if row is None:
                raise errors.not_found(table.logical_name, key_text)
            return self.files.handle(call, table, row, col, raw_value=raw_value)
        if segment == "$ref":
            raise errors.unsupported("$ref (associate/disassociate); bind lookups with @odata.bind instead")
        if col is not None and call.method == "GET" and not col.type.is_reference:
            row = self._find(table, key)
            if row is None:
                raise errors.not_found(table.logical_name, key_text)
            value = json_value(row.get(col.name))
            if raw_value:
                return Outcome(
                    200, [("OData-Version", "4.0")], b"" if value is None else str(value).encode(), "text/plain"
                )
            return Outcome.json(
                200,
                {
                    "@odata.context": f"{call.base_url}$metadata#{table.entity_set}({key_text})/{segment}",
                    "value": value,
                },
            )
        if self.schema.single_navigation(table.logical_name, segment) or self.schema.collection_navigation(
            table.logical_name, segment
        ):
            raise errors.unsupported(f"navigating to '{segment}' in the URL; use $expand={segment}")
        raise errors.unknown_query_property(table.logical_name, segment)

    # --- lookups of rows ---

    def _find(self, table: Table, key: str | dict[str, Any]) -> dict[str, Any] | None:
        if isinstance(key, str):
            return self._source_row(table, key)
        for alt in table.keys:
            if set(alt.columns) == set(key):
                break
        else:
            names = ",".join(sorted(key))
            raise ODataError(
                400, errors.BAD_PROPERTY, f"The key '{names}' is not an alternate key of '{table.logical_name}'."
            )
        for row in self._source_rows(table):
            if all(_key_equal(row.get(c), key[c]) for c in key):
                return row
        return None

    def _source_rows(self, table: Table) -> list[dict[str, Any]]:
        if table.logical_name == "activitypointer":
            # Every activity row is also an activitypointer row.
            rows = []
            names = {c.name for c in table.columns}
            for t in self.schema.tables:
                if t.is_activity:
                    for r in self.store.all_raw(t.logical_name):
                        view = {k: v for k, v in r.items() if k in names}
                        view["activitytypecode"] = t.logical_name
                        rows.append(view)
            return rows
        return self.store.all_raw(table.logical_name)

    def _source_row(self, table: Table, row_id: str) -> dict[str, Any] | None:
        if table.logical_name == "activitypointer":
            return next((r for r in self._source_rows(table) if r.get("activityid") == row_id), None)
        return self.store.raw(table.logical_name, row_id)

    # --- reads ---

    def _retrieve(self, call: Call, table: Table, key: str | dict[str, Any]) -> Outcome:
        self._check_options(call, single=True)
        row = self._find(table, key)
        if row is None:
            raise errors.not_found(table.logical_name, key if isinstance(key, str) else _key_text(key))
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
        expand = call.param("$expand")
        inm = call.header("If-None-Match")
        if inm and inm not in ("null", "*") and not expand and not prefer.annotations and inm == _etag(row):
            return Outcome(304, [("OData-Version", "4.0")])
        body = {"@odata.context": f"{call.base_url}$metadata#{table.entity_set}/$entity"}
        body.update(self.represent(table, row, select, prefer, expand))
        return Outcome.json(200, body, self._applied(prefer, annotations=True))

    def _check_options(self, call: Call, single: bool = False) -> None:
        for name, _ in call.query:
            if name == "$skip":
                raise errors.syntax("The query parameter $skip is not supported.")
            if name in _UNSUPPORTED_OPTIONS:
                raise errors.unsupported(f"the query option '{name}'")
            if name.startswith("$") and name not in _QUERY_OPTIONS:
                raise errors.syntax(f"The query parameter {name} is not supported.")
            if single and name in ("$filter", "$orderby", "$top", "$count", "$skiptoken"):
                raise errors.syntax(f"The query option '{name}' is not allowed on a single record.")

    def _query(self, call: Call, table: Table) -> Outcome:
        self._check_options(call)
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        rows = self._source_rows(table)
        filter_text = call.param("$filter")
        if filter_text:
            predicate: Predicate = parse_filter(table, filter_text)
            rows = [r for r in rows if predicate(_getter(r))]
        orderby = call.param("$orderby")
        if orderby:
            rows = _sorted(rows, parse_orderby(table, orderby))
        total = len(rows)
        top_text = call.param("$top")
        headers: list[tuple[str, str]] = []
        next_link = None
        if top_text is not None:
            rows = rows[: _parse_top(top_text)]
        else:
            page = prefer.max_page_size or MAX_PAGE_SIZE
            offset = _decode_skiptoken(call.param("$skiptoken"))
            if offset + page < len(rows):
                params = [(k, v) for k, v in call.query if k != "$skiptoken"]
                params.append(("$skiptoken", _encode_skiptoken(offset + page)))
                next_link = f"{call.base_url}{table.entity_set}?{urlencode(params, quote_via=quote, safe='$,()')}"
            rows = rows[offset : offset + page]
        if prefer.max_page_size is not None and top_text is None:
            headers.append(("Preference-Applied", f"odata.maxpagesize={prefer.max_page_size}"))
        select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
        expand = call.param("$expand")
        body: dict[str, Any] = {"@odata.context": f"{call.base_url}$metadata#{table.entity_set}"}
        if (call.param("$count") or "").lower() == "true":
            body["@odata.count"] = total
        body["value"] = [self.represent(table, r, select, prefer, expand) for r in rows]
        if next_link:
            body["@odata.nextLink"] = next_link
        return Outcome.json(200, body, [*headers, *self._applied(prefer, annotations=True)])

    def _applied(
        self, prefer: Prefer, *, annotations: bool = False, representation: bool = False
    ) -> list[tuple[str, str]]:
        applied = []
        if representation and prefer.representation:
            applied.append("return=representation")
        if annotations and prefer.annotations:
            applied.append(f'odata.include-annotations="{prefer.annotations}"')
        return [("Preference-Applied", a) for a in applied]

    def represent(
        self, table: Table, row: dict[str, Any], select: list[str] | None, prefer: Prefer, expand: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.etag": _etag(row)}
        names = [c.name for c in table.columns] if select is None else [*select, table.primary_id]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            col = table.column(name)
            value = row.get(name)
            if col.type.is_reference:
                out[col.value_name] = value.id if isinstance(value, Ref) else None
                if isinstance(value, Ref):
                    out.update(self._lookup_annotations(table, col, value, prefer))
                continue
            if col.type is ColumnType.FILE:
                out[name] = value
                stored = self.store.file(table.logical_name, str(row.get(table.primary_id)), name)
                out[f"{name}_name"] = stored.name if stored is not None and value is not None else None
                continue
            out[name] = json_value(value)
            if value is not None and prefer.wants(FORMATTED):
                label = formatted(col, value)
                if label is not None:
                    out[f"{name}@{FORMATTED}"] = label
        if expand:
            for nav, options in parse_expand(expand):
                out[nav] = self._expand(table, row, nav, options, prefer)
        return out

    def _lookup_annotations(self, table: Table, col: Column, value: Ref, prefer: Prefer) -> dict[str, Any]:
        prop = col.value_name
        out: dict[str, Any] = {}
        if prefer.wants(FORMATTED):
            label = self._primary_name(value)
            if label is not None:
                out[f"{prop}@{FORMATTED}"] = label
        if prefer.wants(ASSOCIATED_NAV):
            for rel in self.schema.relationships_from(table.logical_name, col.name):
                if rel.referenced_table == value.table:
                    out[f"{prop}@{ASSOCIATED_NAV}"] = rel.referencing_navigation
                    break
        if prefer.wants(LOOKUP_NAME):
            out[f"{prop}@{LOOKUP_NAME}"] = value.table
        return out

    def _primary_name(self, ref: Ref) -> str | None:
        if not self.schema.has_table(ref.table):
            return None
        target = self.schema.table(ref.table)
        row = self._source_row(target, ref.id)
        if row is None or target.primary_name is None:
            return None
        value = row.get(target.primary_name)
        return None if value is None else str(value)

    def _expand(self, table: Table, row: dict[str, Any], nav: str, options: dict[str, str], prefer: Prefer) -> Any:
        for option in options:
            if option not in ("$select", "$filter", "$orderby", "$top"):
                raise errors.unsupported(f"the $expand option '{option}'")
        single = self.schema.single_navigation(table.logical_name, nav)
        if single is not None:
            if set(options) - {"$select"}:
                raise errors.syntax(f"Only $select is allowed when expanding the single-valued '{nav}'.")
            value = row.get(single.referencing_attribute)
            if not isinstance(value, Ref) or value.table != single.referenced_table:
                return None
            target = self.schema.table(single.referenced_table)
            target_row = self._source_row(target, value.id)
            if target_row is None:
                return None
            select = parse_select(target, options["$select"]) if "$select" in options else None
            return self.represent(target, target_row, select, prefer)
        collection = self.schema.collection_navigation(table.logical_name, nav)
        if collection is None:
            raise errors.unknown_query_property(table.logical_name, nav)
        child = self.schema.table(collection.referencing_table)
        ref = Ref(table.logical_name, str(row.get(table.primary_id)))
        children = [r for r in self._source_rows(child) if r.get(collection.referencing_attribute) == ref]
        if "$filter" in options:
            predicate = parse_filter(child, options["$filter"])
            children = [r for r in children if predicate(_getter(r))]
        if "$orderby" in options:
            children = _sorted(children, parse_orderby(child, options["$orderby"]))
        if "$top" in options:
            children = children[: _parse_top(options["$top"])]
        select = parse_select(child, options["$select"]) if "$select" in options else None
        return [self.represent(child, r, select, prefer) for r in children]

    # --- writes ---

    def _body(self, call: Call, table: Table) -> dict[str, Any]:
        try:
            body = json.loads(call.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.payload_error(table.entity_set, f"Invalid JSON: {exc}.") from None
        if not isinstance(body, dict):
            raise errors.payload_error(table.entity_set, "The payload must be a JSON object.")
        return body

    def _create(self, call: Call, table: Table, events: list[WriteEvent]) -> Outcome:
        if table.logical_name == "activitypointer":
            raise errors.unsupported("creating activitypointer rows directly; create the specific activity")
        values, parties = self._payload(table, self._body(call, table))
        row_id = values.pop(table.primary_id, None) or str(uuid.uuid4())
        if self.store.raw(table.logical_name, row_id) is not None:
            raise errors.duplicate_key()
        row = self._insert(table, row_id, values, parties, events)
        return self._write_outcome(call, table, row, created=True)

    def _upsert(
        self, call: Call, table: Table, key: str | dict[str, Any], key_text: str, events: list[WriteEvent]
    ) -> Outcome:
        if table.logical_name == "activitypointer":
            raise errors.unsupported("writing activitypointer rows directly; update the specific activity")
        body = self._body(call, table)
        existing = self._find(table, key)
        _check_preconditions(call, table, existing, key_text)
        values, parties = self._payload(table, body)
        # Dataverse answers an alternate-key upsert with the key form of the URL
        address = None if isinstance(key, str) else key_text
        if existing is None:
            if not table.supports_upsert:
                raise errors.not_found(table.logical_name, key_text)
            row_id = _new_row_id(table, key, values)
            row = self._insert(table, row_id, values, parties, events)
            return self._write_outcome(call, table, row, created=True, address=address)
        row_id = str(existing[table.primary_id])
        body_id = values.pop(table.primary_id, None)
        if body_id is not None and body_id != row_id:
            raise errors.payload_error(table.entity_set, "The primary id in the body does not match the record.")
        if not isinstance(key, str):
            for name in key:
                values.pop(name, None)  # alternate key values are not updated through the same key
        row = self._update(table, existing, values, parties, events)
        return self._write_outcome(call, table, row, created=False, address=address)

    def _write_outcome(
        self, call: Call, table: Table, row: dict[str, Any], *, created: bool, address: str | None = None
    ) -> Outcome:
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        entity_id = f"{call.base_url}{table.entity_set}({address or row[table.primary_id]})"
        headers = [("OData-EntityId", entity_id), ("ETag", _etag(row))]
        if prefer.representation:
            select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
            body = {"@odata.context": f"{call.base_url}$metadata#{table.entity_set}/$entity"}
            body.update(self.represent(table, row, select, prefer, call.param("$expand")))
            applied = self._applied(prefer, representation=True, annotations=True)
            return Outcome.json(201 if created else 200, body, [*headers, *applied])
        return Outcome(204, [*headers, ("OData-Version", "4.0")])

    def _insert(
        self,
        table: Table,
        row_id: str,
        values: dict[str, Any],
        parties: list[dict[str, Any]] | None,
        events: list[WriteEvent],
    ) -> dict[str, Any]:
        now = self.clock()
        row = self.store.defaults(table)
        row.update(values)
        row[table.primary_id] = row_id
        row["createdon"] = now
        row["modifiedon"] = now
        caller = Ref("systemuser", self.user_id)
        row["createdby"] = caller
        row["modifiedby"] = caller
        if table.has_column("ownerid"):
            if row.get("ownerid") is None:
                row["ownerid"] = caller
            self._set_owning(row)
        if table.is_activity:
            row["activitytypecode"] = table.logical_name
        self._settle_state(table, row, values)
        self._check_keys(table, row)
        self.store.put(table.logical_name, row_id, row)
        if parties is not None:
            self._write_parties(table, row_id, parties)
        events.append(WriteEvent("Create", table.logical_name, row_id, dict(row), None, dict(row)))
        return row

    def _update(
        self,
        table: Table,
        existing: dict[str, Any],
        values: dict[str, Any],
        parties: list[dict[str, Any]] | None,
        events: list[WriteEvent],
    ) -> dict[str, Any]:
        before = dict(existing)
        row = dict(existing)
        row.update(values)
        row["modifiedon"] = self.clock()
        row["modifiedby"] = Ref("systemuser", self.user_id)
        if "ownerid" in values:
            self._set_owning(row)
        self._settle_state(table, row, values)
        self._check_keys(table, row)
        row_id = str(row[table.primary_id])
        self.store.put(table.logical_name, row_id, row)
        if parties is not None:
            self._write_parties(table, row_id, parties)
        target = {**values, table.primary_id: row_id, "modifiedon": row["modifiedon"], "modifiedby": row["modifiedby"]}
        events.append(WriteEvent("Update", table.logical_name, row_id, target, before, dict(row)))
        return row

    def _set_owning(self, row: dict[str, Any]) -> None:
        owner = row.get("ownerid")
        if isinstance(owner, Ref):
            row["owninguser"] = owner if owner.table == "systemuser" else None
            row["owningteam"] = owner if owner.table == "team" else None
            row["owningbusinessunit"] = Ref("businessunit", self.business_unit_id)

    def _settle_state(self, table: Table, row: dict[str, Any], values: dict[str, Any]) -> None:
        state_col, status_col = table.find_column("statecode"), table.find_column("statuscode")
        if state_col is None or status_col is None:
            return
        if "statuscode" in values and "statecode" not in values and values["statuscode"] is not None:
            choice = next((c for c in status_col.choices if c.value == values["statuscode"]), None)
            if choice is not None and choice.state is not None:
                row["statecode"] = choice.state
        elif "statecode" in values and "statuscode" not in values:
            choice = next((c for c in status_col.choices if c.state == values["statecode"]), None)
            if choice is not None:
                row["statuscode"] = choice.value
        status = next((c for c in status_col.choices if c.value == row.get("statuscode")), None)
        if status is not None and status.state is not None and row.get("statecode") != status.state:
            raise ODataError(
                400,
                errors.INVALID_ARGUMENT,
                f"{row.get('statuscode')} is not a valid status code for state code "
                f"{table.logical_name}State.{row.get('statecode')} on {table.logical_name}.",
            )

    def _check_keys(self, table: Table, row: dict[str, Any]) -> None:
        for key in table.keys:
            values = [row.get(c) for c in key.columns]
            if any(v is None for v in values):
                continue
            for other in self.store.all_raw(table.logical_name):
                if other.get(table.primary_id) == row.get(table.primary_id):
                    continue
                if all(_key_equal(other.get(c), v) for c, v in zip(key.columns, values, strict=True)):
                    raise ODataError(
                        412,
                        errors.DUPLICATE,
                        f"A record that has the attribute values {', '.join(str(json_value(v)) for v in values)}"
                        f" already exists. The entity key {key.name} requires that this set of attributes contains"
                        " unique values. Select unique values and try again.",
                    )

    def _write_parties(self, table: Table, activity_id: str, parties: list[dict[str, Any]]) -> None:
        ref = Ref(table.logical_name, activity_id)
        for party in self.store.all_raw("activityparty"):
            if party.get("activityid") == ref:
                self.store.remove("activityparty", str(party["activitypartyid"]))
        party_table = self.schema.table("activityparty")
        now = self.clock()
        for values in parties:
            party_id = values.pop("activitypartyid", None) or str(uuid.uuid4())
            row = self.store.defaults(party_table)
            row.update(values)
            row.update({"activitypartyid": party_id, "activityid": ref, "createdon": now, "modifiedon": now})
            self.store.put("activityparty", party_id, row)

    def _delete(self, call: Call, table: Table, key: str | dict[str, Any]) -> Outcome:
        if table.logical_name == "activitypointer":
            raise errors.unsupported("deleting activitypointer rows directly; delete the specific activity")
        row = self._find(table, key)
        if row is None:
            raise errors.not_found(table.logical_name, key if isinstance(key, str) else _key_text(key))
        if_match = call.header("If-Match")
        if if_match and if_match.strip() != "*" and if_match.strip() != _etag(row):
            raise errors.version_mismatch()
        self.delete_row(table, str(row[table.primary_id]))
        return Outcome(204, [("OData-Version", "4.0")])

    def delete_row(self, table: Table, row_id: str) -> None:
        ref = Ref(table.logical_name, row_id)
        for rel in self.schema.relationships_to(table.logical_name):
            child_table = self.schema.table(rel.referencing_table)
            children = [r for r in self.store.all_raw(rel.referencing_table) if r.get(rel.referencing_attribute) == ref]
            if not children:
                continue
            if rel.cascade is Cascade.RESTRICT:
                raise ODataError(
                    400,
                    errors.INVALID_ARGUMENT,
                    f"The record cannot be deleted because it is associated with another record ({rel.name}).",
                )
            for child in children:
                child_id = str(child[child_table.primary_id])
                if rel.cascade is Cascade.PARENTAL:
                    self.delete_row(child_table, child_id)
                elif rel.referencing_attribute in ("createdby", "modifiedby"):
                    continue
                else:
                    updated = dict(child)
                    updated[rel.referencing_attribute] = None
                    self.store.put(rel.referencing_table, child_id, updated)
        self.store.remove(table.logical_name, row_id)

    # --- payload parsing ---

    def _payload(self, table: Table, body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        values: dict[str, Any] = {}
        parties: list[dict[str, Any]] | None = None
        annotated = {k.split("@", 1)[0] for k in body if "@" in k and not k.startswith("@")}
        for key, raw in body.items():
            if key.startswith("@odata."):
                continue
            if "@" in key:
                prop, annotation = key.split("@", 1)
                if annotation == "odata.bind":
                    bound, ref = self._bind(table, prop, raw)
                    values[bound.name] = ref
                    continue
                if prop not in body and not table.has_column(prop):
                    raise errors.undeclared_annotation(prop)
                continue
            if key == f"{table.logical_name}_activity_parties" and table.is_activity:
                parties = self._parties(table, raw)
                continue
            col = table.find_column(key)
            if col is None:
                if self.schema.collection_navigation(table.logical_name, key):
                    raise errors.unsupported(f"deep insert through '{key}'")
                if key in annotated:
                    raise errors.undeclared_annotation(key)
                raise errors.unknown_property(table.logical_name, key)
            values[col.name] = coerce(table, col, raw)
        return values, parties

    def _bind(self, table: Table, nav: str, raw: Any) -> tuple[Column, Ref | None]:
        rel = self.schema.single_navigation(table.logical_name, nav)
        if rel is None:
            raise errors.undeclared_annotation(nav)
        col = table.column(rel.referencing_attribute)
        if raw is None:
            return col, None
        if not isinstance(raw, str):
            raise errors.payload_error(table.entity_set, f"The value of '{nav}@odata.bind' must be a URL string.")
        target_table, target_id = self._resolve_reference(raw)
        allowed = [
            r.referenced_table
            for r in self.schema.relationships_from(table.logical_name, col.name)
            if r.referencing_navigation == nav or nav in r.navigation_aliases
        ]
        if target_table.logical_name not in allowed:
            raise ODataError(
                400,
                errors.BAD_PROPERTY,
                f"An entity of type '{target_table.logical_name}' cannot be bound to the navigation property"
                f" '{nav}' of '{table.logical_name}', which expects '{', '.join(allowed)}'.",
            )
        return col, Ref(target_table.logical_name, target_id)

    def _resolve_reference(self, url: str) -> tuple[Table, str]:
        path = urlsplit(url).path if "://" in url else url
        segment = path.rstrip("/").rsplit("/", 1)[-1]
        m = re.fullmatch(r"([A-Za-z_]\w*)\((.+)\)", segment)
        if m is None:
            raise ODataError(
                400, errors.BAD_PROPERTY, f"The URL '{url}' in @odata.bind is not a reference to a record."
            )
        target = self.schema.find_entity_set(m.group(1))
        if target is None:
            raise ODataError(400, errors.BAD_PROPERTY, f"Resource not found for the segment '{m.group(1)}'.")
        key = parse_key(target, m.group(2))
        row = self._find(target, key)
        if row is None:
            raise errors.not_found(target.logical_name, m.group(2))
        return target, str(row[target.primary_id])

    def _parties(self, table: Table, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise errors.payload_error(table.entity_set, f"'{table.logical_name}_activity_parties' must be an array.")
        party_table = self.schema.table("activityparty")
        parties = []
        for item in raw:
            if not isinstance(item, dict):
                raise errors.payload_error(table.entity_set, "Each activity party must be an object.")
            values, nested = self._payload(party_table, item)
            if nested is not None:
                raise errors.unsupported("nested activity parties")
            if values.get("participationtypemask") is None:
                raise ODataError(400, errors.INVALID_ARGUMENT, "An activity party needs participationtypemask.")
            if values.get("partyid") is None and not values.get("addressused"):
                raise ODataError(400, errors.INVALID_ARGUMENT, "An activity party needs a partyid bind or addressused.")
            values.pop("activityid", None)
            parties.append(values)
        return parties


# --- helpers private to the service ---


def _method_not_allowed(call: Call) -> ODataError:
    return ODataError(405, errors.BAD_PROPERTY, f"The requested resource does not support http method '{call.method}'.")


def _etag(row: dict[str, Any]) -> str:
    return f'W/"{row.get("versionnumber", 0)}"'


def _check_preconditions(call: Call, table: Table, existing: dict[str, Any] | None, key_text: str) -> None:
    if_match = (call.header("If-Match") or "").strip()
    if if_match:
        if existing is None:
            raise errors.not_found(table.logical_name, key_text)
        if if_match not in ("*", _etag(existing)):
            raise errors.version_mismatch()
    if (call.header("If-None-Match") or "").strip() == "*" and existing is not None:
        raise errors.duplicate_key()


def _new_row_id(table: Table, key: str | dict[str, Any], values: dict[str, Any]) -> str:
    """The id of a row an upsert creates; an alternate key's values become the row's values."""
    body_id = values.pop(table.primary_id, None)
    if isinstance(key, str):
        if body_id is not None and body_id != key:
            raise errors.payload_error(
                table.entity_set, "The key in the URL does not match the primary id in the body."
            )
        return key
    for name, value in key.items():
        if name not in values:
            col = table.column(name)
            values[name] = Ref(col.targets[0], value) if col.type.is_reference else value
    return str(body_id or uuid.uuid4())


def _sorted(rows: list[dict[str, Any]], order: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    # stable sorts from the last key to the first give a multi-key order with mixed directions
    for name, descending in reversed(order):
        rows = sorted(rows, key=_sort_by(name), reverse=descending)
    return rows


def _sort_by(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: sort_key(_getter(row)(name))


def _parse_top(text: str) -> int:
    try:
        top = int(text)
    except ValueError:
        top = -1
    if top < 0:
        raise errors.syntax(f"Invalid value '{text}' for $top query option.")
    return top


def _getter(row: dict[str, Any]) -> Callable[[str], Any]:
    def get(name: str) -> Any:
        if name.startswith("_") and name.endswith("_value"):
            value = row.get(name[1:-6])
            return value.id if isinstance(value, Ref) else value
        return row.get(name)

    return get


def _key_equal(stored: Any, given: Any) -> bool:
    if isinstance(stored, Ref):
        stored = stored.id
    if isinstance(stored, str) and isinstance(given, str):
        return stored.casefold() == given.casefold()
    return bool(stored == given)


def _key_text(key: dict[str, Any]) -> str:
    return ",".join(f"{k}={json_value(v)!r}" for k, v in key.items())


def _encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(f"page:{offset}".encode()).decode().rstrip("=")


def _decode_skiptoken(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not text.startswith("page:"):
            raise ValueError(text)
        return int(text[5:])
    except (ValueError, UnicodeDecodeError):
        raise errors.syntax("The $skiptoken is not valid; follow @odata.nextLink unmodified.") from None

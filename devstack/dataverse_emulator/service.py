"""The emulated Web API: setup, WSGI entry, auth, faults, request log and routing of each call."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from solution.schema import ColumnType, Schema, Table, load_schema

from . import errors
from .access import Access, SecurityMode, forbidden_sharing
from .batch import run_batch
from .bulk import bound_action, bulk_delete
from .catalog import Catalog
from .devstack_api import handle_devstack
from .errors import ODataError
from .faults import Faults, RequestLog, RequestRecord, fault_error
from .files import FileColumns
from .headers import check_headers, public_base_url
from .impersonation import caller_id, impersonating
from .key_predicates import parse_key
from .metadata import handle_metadata, is_metadata_path
from .odata import Ref
from .platform import with_platform_tables
from .protocol import API_PREFIX, Call, Outcome, WriteEvent, method_not_allowed, only_options
from .reads import Reader
from .security import ACT_ON_BEHALF
from .seed import seed_demo
from .solutions import Solutions
from .store import Store
from .values import coerce, json_value
from .webhooks import WebhookDispatcher
from .writes import Writer

# Well-known ids: the same in every Dataverse org (seen in samples and solution exports) for Create;
# the others are fixed here so that tests can rely on them.
SDK_MESSAGE_IDS = {
    "Create": "9ebdbb1b-ea3e-db11-86a7-000a3a5473e8",
    "Update": "20bebb1b-ea3e-db11-86a7-000a3a5473e8",
    "Delete": "20bdbb1b-ea3e-db11-86a7-000a3a5473e8",
}
_NAMESPACE = uuid.UUID("5b0e2f43-6a0c-4d7e-9a6e-2f1f4b3e9c10")
# Sharing messages (principalobjectaccess), which the emulator does not model.
_SHARING_ACTIONS = frozenset({"GrantAccess", "ModifyAccess", "RevokeAccess", "RetrievePrincipalAccess",
                              "RetrieveSharedPrincipalsAndAccess"})
_USER_PRIVILEGES = re.compile(r"systemusers\(([^)]*)\)/Microsoft\.Dynamics\.CRM\.RetrieveUserPrivileges(?:\(\))?")


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
        preinstalled: bool = True,
        security: SecurityMode | str = SecurityMode.IMPERSONATED,
    ) -> None:
        self.schema = with_platform_tables(schema or load_schema())
        self._initial_schema = self.schema
        self.catalog = Catalog(self)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.token = token
        self.store = Store(self.schema, self.clock)
        self.faults = Faults(fault_seed)
        self.requests = RequestLog()
        self.webhooks = WebhookDispatcher(self, sender=webhook_sender)
        self.files = FileColumns(self)
        self.reader = Reader(self)
        self.writer = Writer(self)
        self.access = Access(self, security)
        self.solutions = Solutions(self, preinstalled=preinstalled)
        self.organization_id = str(uuid.uuid5(_NAMESPACE, "organization"))
        self.business_unit_id = str(uuid.uuid5(_NAMESPACE, "businessunit"))
        self.user_id = str(uuid.uuid5(_NAMESPACE, "systemuser:integration"))
        self._demo_seeded = False
        self._bootstrap()

    # --- setup ---

    def _bootstrap(self) -> None:
        s = self.store
        self.solutions.reset()
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
                    if not self.solutions.visible(table):
                        continue  # a product table gets its filters when a solution installs it
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
        self.solutions.bootstrap()

    def seed_demo(self) -> dict[str, Any]:
        """Add the demo business data (team, users, contacts, accounts); returns their ids."""
        self._demo_seeded = True
        return seed_demo(self)

    def reset(self) -> None:
        """Forget every row, file, fault, logged request, delivery and table definition created at run time;
        then bootstrap (and re-seed) again."""
        with self.store.lock:
            self.replace_schema(self._initial_schema)
            self.catalog.reset()
            self.store.clear()
            self.files.sessions.clear()
            self._bootstrap()
            if self._demo_seeded:
                self.seed_demo()
        self.faults.clear()
        self.requests.clear()
        self.webhooks.deliveries.clear()
        self.webhooks.system_jobs.clear()

    def replace_schema(self, schema: Schema) -> None:
        """Serve ``schema`` from now on: the metadata API created or deleted a table, column, key or relationship.

        Rows, the alternate-key indexes and what clients see change together under the store lock, so a
        concurrent request sees the old definitions or the new ones, never a mix.
        """
        with self.store.lock:
            self.store.adopt(schema)
            self.schema = schema
            self.solutions.schema_changed()

    # --- WSGI ---

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The browser shell (devstack/browser) is an app of its own; the devstack puts it on this origin.
        return self._respond(Request(environ))(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def _respond(self, request: Request) -> Response:
        path = request.path
        fault = False
        if path.startswith("/_devstack/"):
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
        if path.startswith(API_PREFIX.rstrip("/")):
            # every Web API answer carries the id support would ask for; clients log it with errors
            response.headers["x-ms-service-request-id"] = str(uuid.uuid4())
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
            base_url=public_base_url(request.headers, request.scheme, request.host) + API_PREFIX,
        )

    # --- dispatch ---

    def handle(self, call: Call) -> Outcome:
        """Answer one call; committed writes are delivered to webhooks afterwards."""
        events: list[WriteEvent] = []
        try:
            with impersonating(self, call.headers), self.store.lock, self.access.request():
                outcome = self.execute(call, events)
        except ODataError as err:
            return Outcome.error(err)
        try:
            self.webhooks.publish(events)
        except ODataError as err:  # a synchronous step failed: the writes were undone
            return Outcome.error(err)
        return outcome

    def execute(self, call: Call, events: list[WriteEvent]) -> Outcome:
        """Route one call (also a part of a $batch) with the store lock held."""
        check_headers(call.path, call.headers)
        return self.solutions.route(call, events) or self._action(call, events) or self._route(call, events)

    def _action(self, call: Call, events: list[WriteEvent]) -> Outcome | None:
        """The bulk actions: ``BulkDelete`` and ``<entityset>/Microsoft.Dynamics.CRM.<Name>Multiple``."""
        if call.path in ("BulkDelete", "Microsoft.Dynamics.CRM.BulkDelete"):
            return bulk_delete(self, call)
        action = call.path.removeprefix("Microsoft.Dynamics.CRM.").removesuffix("()")
        if action in _SHARING_ACTIONS:
            raise forbidden_sharing(action)
        privileges = _USER_PRIVILEGES.fullmatch(call.path)
        if privileges is not None:
            return self._user_privileges(call, privileges.group(1))
        bound = re.fullmatch(r"([A-Za-z_]\w*)/Microsoft\.Dynamics\.CRM\.(\w+)", call.path)
        if bound is None or is_metadata_path(call.path):  # RelationshipDefinitions/<cast> is a metadata read
            return None
        return bound_action(self, call, self._table(bound.group(1)), bound.group(2), events)

    def _route(self, call: Call, events: list[WriteEvent]) -> Outcome:
        path = call.path
        if path in ("", "/", "WhoAmI", "WhoAmI()", "$batch") or is_metadata_path(path):
            return self._special(call, events)
        if path.startswith("$"):
            raise errors.unsupported(f"the resource '{path}'")
        counted = re.fullmatch(r"([A-Za-z_]\w*)/\$count", path)
        if counted is not None and call.method == "GET":
            return self.reader.count(call, self._table(counted.group(1)))
        m = re.fullmatch(r"([A-Za-z_]\w*)(?:\((.*)\)(?:/([A-Za-z_]\w*|\$ref)(/\$value)?)?)?", path, re.DOTALL)
        if m is None:
            raise errors.unsupported(f"the resource path '{path}'")
        entity_set, key_text, segment, value_suffix = m.groups()
        table = self._table(entity_set)
        if key_text is None:
            if call.method == "GET":
                return self.reader.query(call, table)
            if call.method == "POST":
                return self.writer.create(call, table, events)
            raise method_not_allowed(call)
        key = parse_key(table, key_text)
        if segment is not None:
            raw_value = value_suffix is not None
            return self._segment(
                call, table, key, key_text=key_text, segment=segment, raw_value=raw_value, events=events
            )
        return self._entity(call, table, key, key_text, events)

    def _entity(
        self, call: Call, table: Table, key: str | dict[str, Any], key_text: str, events: list[WriteEvent]
    ) -> Outcome:
        if call.method == "GET":
            return self.reader.retrieve(call, table, key)
        if call.method == "PATCH":
            return self.writer.upsert(call, table, key, key_text, events)
        if call.method == "DELETE":
            return self.writer.delete(call, table, key)
        raise method_not_allowed(call)

    def _table(self, entity_set: str) -> Table:
        table = self.schema.find_entity_set(entity_set)
        if table is None or not self.solutions.visible(table):
            raise ODataError(404, errors.BAD_PROPERTY, f"Resource not found for the segment '{entity_set}'.")
        return table

    def _special(self, call: Call, events: list[WriteEvent]) -> Outcome:
        if is_metadata_path(call.path):
            return handle_metadata(self, call, events)
        only_options(call)
        if call.path == "$batch":
            return run_batch(self, call, events)
        if call.method != "GET":
            raise method_not_allowed(call)
        if call.path.startswith("WhoAmI"):
            user = self.store.raw("systemuser", caller_id(self)) if self.schema.has_table("systemuser") else None
            unit = user.get("businessunitid") if user else None
            return Outcome.json(
                200,
                {
                    "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                    "BusinessUnitId": unit.id if isinstance(unit, Ref) else self.business_unit_id,
                    "UserId": caller_id(self),
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
        self,
        call: Call,
        table: Table,
        key: str | dict[str, Any],
        *,
        key_text: str,
        segment: str,
        raw_value: bool,
        events: list[WriteEvent],
    ) -> Outcome:
        """``set(key)/column``: a file column, or one property read (GET), set (PUT) or cleared (DELETE)."""
        col = table.find_column(segment)
        if col is None or col.type.is_reference:
            if segment == "$ref":
                raise errors.unsupported("$ref (associate/disassociate); bind lookups with @odata.bind instead")
            if self.schema.single_navigation(table.logical_name, segment) or self.schema.collection_navigation(
                table.logical_name, segment
            ):
                raise errors.unsupported(f"navigating to '{segment}' in the URL; use $expand={segment}")
            raise errors.unknown_query_property(table.logical_name, segment)
        row = self.find(table, key)
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
                body = self.writer.body(call, table)
                if set(body) != {"value"}:
                    raise errors.payload_error(table.entity_set, 'A single property is set with {"value": ...}.')
                raw = body["value"]
            self.writer.update(table, row, {col.name: coerce(table, col, raw)}, None, events)
            return Outcome(204, [("OData-Version", "4.0")])
        raise method_not_allowed(call)

    def _user_privileges(self, call: Call, key_text: str) -> Outcome:
        """``systemusers(id)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges``: the privileges the user holds through
        their roles and teams."""
        if call.method != "GET":
            raise method_not_allowed(call)
        table = self._table("systemusers")
        row = self.find(table, parse_key(table, key_text))
        if row is None:
            raise errors.not_found("systemuser", key_text)
        user_id = str(row["systemuserid"])
        unit = row.get("businessunitid")
        unit_id = unit.id if isinstance(unit, Ref) else self.business_unit_id
        held = [{"Depth": depth.name.capitalize(),
                 "PrivilegeId": str(uuid.uuid5(_NAMESPACE, f"privilege:{name.lower()}")),
                 "BusinessUnitId": unit_id, "PrivilegeName": name}
                for name, depth in self.access.privileges_of(user_id)]
        if self.access.principal(user_id).administrator and not any(
                p["PrivilegeName"].lower() == ACT_ON_BEHALF.lower() for p in held):
            # a System Administrator holds every privilege; the one the product asks about is listed
            privilege_id = uuid.uuid5(_NAMESPACE, f"privilege:{ACT_ON_BEHALF.lower()}")
            held.append({"Depth": "Global", "PrivilegeId": str(privilege_id), "BusinessUnitId": unit_id,
                         "PrivilegeName": ACT_ON_BEHALF})
        return Outcome.json(200, {
            "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse",
            "RolePrivileges": held})

    # --- lookups of rows ---

    def find(self, table: Table, key: str | dict[str, Any]) -> dict[str, Any] | None:
        if isinstance(key, str):
            return self.source_row(table, key)
        for alt in table.keys:
            if set(alt.columns) == set(key):
                break
        else:
            names = ",".join(sorted(key))
            raise ODataError(
                400, errors.BAD_PROPERTY, f"The key '{names}' is not an alternate key of '{table.logical_name}'."
            )
        return self.store.by_key(table.logical_name, alt.name, tuple(key[c] for c in alt.columns))

    def source_rows(self, table: Table) -> list[dict[str, Any]]:
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

    def source_row(self, table: Table, row_id: str) -> dict[str, Any] | None:
        if table.logical_name == "activitypointer":
            return next((r for r in self.source_rows(table) if r.get("activityid") == row_id), None)
        return self.store.raw(table.logical_name, row_id)

"""The emulated Web API put together: its parts, the one routing table, and the entry points (WSGI, ``handle``).

Each request handler is given only the small interfaces of ``ports.py`` (the store, the schema holder, the clock,
the org's ids, the acting user, the access checker...); this module builds them, hands them out, and routes every
call through the one table of :meth:`DataverseEmulator._routes`: the first route whose method and path shape fit
answers (``routing.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from werkzeug.wrappers import Request

from solution.schema import Schema, load_schema

from . import errors
from .access import Access, SecurityMode
from .associations import ASSOCIATION_PATH, Associations
from .batch import run_batch
from .bootstrap import insert_org_rows, org_ids
from .bulk import BulkOperations
from .catalog import Catalog
from .definitions import Definitions
from .devstack_api import handle_devstack
from .edge import respond
from .entity_sets import ENTITY_SET, EntitySets
from .errors import ODataError
from .faults import Faults, RequestLog
from .files import FileColumns
from .headers import check_headers
from .impersonation import acting_user, impersonating
from .metadata import is_metadata_path
from .metadata_api import KEY, MetadataApi, definitions_path
from .payloads import Payloads
from .platform import with_platform_tables
from .platform_actions import SHARING_ACTIONS, PlatformActions
from .properties import Properties
from .protocol import Call, Outcome, WriteEvent, only_options
from .read_view import ReadView
from .reads import Reader
from .relationship_metadata import cascade_configuration
from .routing import ANY, Route, Routed, Router, route
from .rows import Rows
from .seed import seed_demo
from .service_limits import Limits
from .service_protection import ServiceProtection
from .solution_import import SolutionImports
from .solutions import Solutions
from .store import Store
from .system_forms import SystemForms
from .webhooks import WebhookDispatcher
from .writes import Writer

__all__ = ["DataverseEmulator"]

_ROW = rf"{ENTITY_SET}\((?P<key>.*)\)"
_ENTITY, _ATTRIBUTE, _KEY = (KEY.format(name) for name in ("entity", "attribute", "key"))


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
        service_protection: Limits | bool | None = None,
    ) -> None:
        self.schema = with_platform_tables(schema or load_schema())
        self._initial_schema = self.schema
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.token = token
        org = self.org = org_ids()
        self.organization_id, self.business_unit_id, self.user_id = (org.organization_id, org.business_unit_id,
                                                                     org.user_id)
        store = self.store = Store(self.schema, self.clock)
        self.faults = Faults(fault_seed)
        self.requests = RequestLog()
        # off by default; True is the documented figures (service_limits.py)
        self.protection = ServiceProtection(self.clock, Limits() if service_protection is True
                                            else service_protection if isinstance(service_protection, Limits) else None)
        self.catalog = Catalog(self, self.clock)
        self.solutions = Solutions(self, store, self.clock, org, preinstalled=preinstalled)
        self.imports = SolutionImports(self.solutions, self, store, self.clock)
        rows = Rows(store, self)
        caller = partial(acting_user, org.user_id)
        self.access = Access(security, application_user=org.user_id, caller=caller, store=store, holder=self,
                             roles=self.solutions, rows=rows)
        view = ReadView(self, store, rows, self.access, clock=self.clock, caller=caller)
        self.webhooks = WebhookDispatcher(store, self, self.clock, org=org, name_of=view.primary_name,
                                          sender=webhook_sender)
        self.files = FileColumns(store, self.clock)
        payloads = Payloads(self, rows)
        self.reader = Reader(view, rows, self.access)
        self.writer = Writer(self, store, rows, payloads=payloads, access=self.access, view=view, clock=self.clock,
                             caller=caller, org=org,
                             cascade_of=lambda relationship: cascade_configuration(relationship, self.catalog))
        bulk = BulkOperations(self.writer, store, view=view, access=self.access, holder=self, tables=self.solutions,
                              clock=self.clock)
        properties = Properties(self, rows, self.access, files=self.files, writer=self.writer)
        self.sets = EntitySets(self, self.solutions, reader=self.reader, writer=self.writer, properties=properties,
                               bulk=bulk)
        platform = PlatformActions(self, store, rows, org=org, caller=caller, privileges=self.access,
                                   tables=self.sets.table)
        associations = Associations(self, store, view, lambda: self.catalog.many_to_many)
        definitions = Definitions(holder=self, catalog=self.catalog, tables=self.solutions, keys=self.solutions,
                                  publishers=self.solutions, store=store)
        metadata = MetadataApi(definitions)
        self.system_forms = SystemForms(holder=self, tables=self.solutions, clock=self.clock,
                                        published=self.imports.action)
        router = Router(self._routes(platform, associations, metadata, bulk))
        self._router = self.protection.metered(router.dispatch)  # operations per request, for service protection
        self._demo_seeded = False
        self._bootstrap()

    def _routes(self, platform: PlatformActions, associations: Associations, metadata: MetadataApi,
                bulk: BulkOperations) -> list[Route]:
        """Every path the Web API serves, in the order they are tried: (methods, path shape) → handler."""
        sets = self.sets
        return [
            # solutions: import actions, import jobs that move on as they are read, N:N associations
            route(ANY, r"(?P<action>ImportSolution|ImportSolutionAsync)(?:\(\))?", self.imports.action),
            # forms and publishing them (system_forms.py)
            route(ANY, r"(?P<action>PublishXml|PublishAllXml)(?:\(\))?", self.system_forms.publish),
            route(ANY, r"systemforms(?:\((?P<key>[^)]*)\))?", self.system_forms.handle),
            route("GET", r"(?P<set>asyncoperations|importjobs)\((?P<key>[^)]*)\)", self._read_import_job),
            route(ANY, ASSOCIATION_PATH, associations.handle, guard=associations.names),
            # unbound and bound actions
            route(ANY, r"(?:Microsoft\.Dynamics\.CRM\.)?BulkDelete", bulk.bulk_delete),
            route(ANY, rf"(?:Microsoft\.Dynamics\.CRM\.)?(?P<action>{'|'.join(SHARING_ACTIONS)})(?:\(\))?",
                  platform.refuse_sharing),
            route(ANY, r"systemusers\((?P<key>[^)]*)\)/Microsoft\.Dynamics\.CRM\.RetrieveUserPrivileges(?:\(\))?",
                  platform.user_privileges),
            route(ANY, rf"{ENTITY_SET}/Microsoft\.Dynamics\.CRM\.(?P<action>\w+)", sets.bound_action,
                  guard=lambda match: not is_metadata_path(match.string)),
            # the service document, WhoAmI, $batch
            route(ANY, r"/?", platform.service_document),
            route(ANY, r"WhoAmI(?:\(\))?", platform.who_am_i),
            route(ANY, r"\$batch", self._batch),
            # table definitions (metadata.py)
            route("GET", definitions_path("EntityDefinitions"), metadata.read_entities),
            route("POST", r"EntityDefinitions", metadata.create_table),
            route("POST", rf"EntityDefinitions{_ENTITY}/Attributes", metadata.post_attribute),
            route("POST", rf"EntityDefinitions{_ENTITY}/Keys", metadata.create_key),
            route("PUT", rf"EntityDefinitions{_ENTITY}/Attributes{_ATTRIBUTE}", metadata.put_attribute),
            route("PUT", rf"EntityDefinitions{_ENTITY}", metadata.refuse_table_update),
            route("DELETE", rf"EntityDefinitions{_ENTITY}", metadata.delete_table),
            route("DELETE", rf"EntityDefinitions{_ENTITY}/Attributes{_ATTRIBUTE}", metadata.delete_attribute),
            route("DELETE", rf"EntityDefinitions{_ENTITY}/Keys{_KEY}", metadata.delete_key),
            route(ANY, definitions_path("EntityDefinitions"), metadata.no_such_change),
            route("GET", definitions_path("RelationshipDefinitions"), metadata.read_relationships),
            route("POST", r"RelationshipDefinitions", metadata.create_relationship),
            route("DELETE", rf"RelationshipDefinitions{_KEY}", metadata.delete_relationship),
            route(ANY, definitions_path("RelationshipDefinitions"), metadata.no_such_change),
            route("GET", definitions_path("GlobalOptionSetDefinitions"), metadata.read_option_sets),
            route(ANY, definitions_path("GlobalOptionSetDefinitions"), metadata.refuse_option_set_change),
            route(ANY, rf"RetrieveMetadataChanges(?:{_KEY})?", metadata.metadata_changes),
            route(ANY, r"CreateEntities(?:\(\))?", metadata.create_entities),
            route(ANY, r".*", metadata.unsupported_operation, guard=lambda match: is_metadata_path(match.string)),
            # entity sets, their rows and the rows' columns
            route(ANY, r"\$.*", _unsupported_resource),
            route("GET", rf"{ENTITY_SET}/\$count", sets.count),
            route("GET", ENTITY_SET, sets.query),
            route("POST", ENTITY_SET, sets.create),
            route(ANY, ENTITY_SET, sets.no_such_method),
            route(ANY, rf"{_ROW}/(?P<segment>[A-Za-z_]\w*|\$ref)(?P<value>/\$value)?", sets.property),
            route("GET", _ROW, sets.retrieve),
            route("PATCH", _ROW, sets.upsert),
            route("DELETE", _ROW, sets.delete),
            route(ANY, _ROW, sets.no_such_method),
        ]

    # --- setup ---

    def _bootstrap(self) -> None:
        self.solutions.reset()
        self.imports.reset()
        insert_org_rows(self.store, self.schema, self.org, self.solutions.visible)
        self.solutions.bootstrap()

    def seed_demo(self) -> dict[str, Any]:
        """Add the demo business data (team, users, contacts, accounts); returns their ids."""
        self._demo_seeded = True
        return seed_demo(self.store, self.org, self.solutions)

    def reset(self) -> None:
        """Forget every row, file, fault, logged request, delivery and table definition created at run time;
        then bootstrap (and re-seed) again."""
        with self.store.lock:
            self.replace_schema(self._initial_schema)
            self.catalog.reset()
            self.system_forms.reset()
            self.store.clear()
            self.files.sessions.clear()
            self._bootstrap()
            if self._demo_seeded:
                self.seed_demo()
        self.faults.clear()
        self.requests.clear()
        self.protection.reset()
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

    # --- entry points ---

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The browser shell (devstack/browser) is an app of its own; the devstack puts it on this origin.
        response = respond(Request(environ), api=self.handle, control=partial(handle_devstack, self),
                           faults=self.faults, log=self.requests, token=self.token, protection=self.protection)
        return response(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def handle(self, call: Call) -> Outcome:
        """Answer one call; committed writes are delivered to webhooks afterwards."""
        events: list[WriteEvent] = []
        try:
            with impersonating(self.store, call.headers), self.store.lock, self.access.request():
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
        return self._router.dispatch(call, events)

    # --- routes answered here ---

    def _batch(self, routed: Routed) -> Outcome:
        only_options(routed.call)
        # each part goes through execute, as a call of its own would (and as a subclass may count it)
        return run_batch(self.execute, self.store, routed.call, routed.events)

    def _read_import_job(self, routed: Routed) -> Outcome:
        self.imports.advance(routed["key"])  # the job moves on each time it is read; then the row answers
        return self.sets.retrieve(routed)


def _unsupported_resource(routed: Routed) -> Outcome:
    raise errors.unsupported(f"the resource '{routed.call.path}'")

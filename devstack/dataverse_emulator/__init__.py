"""A local Dataverse Web API (v9.2) for development and tests, loaded from ``solution/`` table definitions.

Public API (stable):

``DataverseEmulator(schema=None, *, clock=None, token=None, webhook_sender=None, preinstalled=True,
security="impersonated", service_protection=None)``
    ``schema`` defaults to :func:`solution.schema.load_schema`; ``clock`` returns an aware ``datetime``
    (``createdon``/``modifiedon``); ``token`` fixes the only accepted bearer token (default: any
    non-empty token); ``webhook_sender(url, headers, body) -> status`` replaces the HTTP POST used to
    deliver webhooks. Attributes:

    * ``wsgi_app`` - the WSGI application.
    * ``store`` - rows: ``store.insert(table, row) -> id``, ``store.get(table, id)``, ``store.rows(table)``;
      lookups are :class:`Ref` ``(table, id)`` (a plain id is accepted for single-target lookups).
    * ``faults`` - ``faults.add(path_pattern, status=429, retry_after=2, count=N | share=0.3,
      latency_ms=..., method=None)``; ``path_pattern`` is a regular expression searched in the URL path;
      ``faults.clear()``.
    * ``requests`` - the request log: ``requests.records``, ``requests.count(method, path, status)``,
      ``requests.counters()``, ``requests.describe()`` (every request, for failure messages).
    * ``webhooks`` - delivered webhook calls: ``webhooks.deliveries``, ``webhooks.drain(timeout)``.
    * ``protection`` - Dataverse's service protection limits (``service_limits.py`` decides,
      ``service_protection.py`` applies), off unless ``service_protection`` is ``True`` (Microsoft's figures: per
      authenticated account, 6,000 requests and 1,200,000 ms of execution time in a sliding 300-second window,
      52 in flight; 429 with ``0x80072322``, ``0x80072321``, ``0x80072326`` and ``Retry-After``) or a
      ``Limits(requests=, execution_ms=, concurrent=, window_seconds=, time_scale=, operation_ms=)``;
      ``protection.configure(limits | None)``, ``protection.describe()``. A ``$batch`` is one request charged for
      every operation in it. ``time_scale`` compresses time for benchmarks: at 60 the 5-minute window lasts 5 real
      seconds and ``Retry-After`` is written in compressed (real) seconds, with decimals. ``operation_ms`` is a
      simulated execution time per operation, waited and charged. Each bearer token is one account; impersonation
      spends the budget of the account that authenticated. Answers carry ``x-ms-ratelimit-*`` headers while on.
    * ``seed_demo()`` - business unit, team "SMS Bridge - SMS" with 3 users, contacts and accounts with
      phone numbers in assorted formats; ``reset()``.
    * ``user_id``, ``business_unit_id``, ``organization_id`` - what ``WhoAmI`` answers.
    * ``access`` - security roles enforced for the acting user (``access.py``): ``access.mode`` is ``"off"``,
      ``"impersonated"`` (the default: requests with ``MSCRMCallerID``) or ``"always"``;
      ``solutions.set_privilege(role, verb, table, depth)``, ``solutions.grant_user_role(user_id, role)``.
    * ``catalog`` - table definitions created at run time through the metadata API (``catalog.py``):
      ``components_of(solution)`` lists what ``MSCRM.SolutionUniqueName`` added to a solution; ``schema`` is the
      current ``solution.schema.Schema``, which ``replace_schema(schema)`` swaps under the store lock;
      ``reset()`` also forgets created definitions.
    * ``solutions`` - solution import and the product's presence (see ``solutions.py``): with
      ``preinstalled=False`` the emulator starts as a new environment whose product tables appear only once
      ``ImportSolutionAsync``/``ImportSolution`` imports a package describing them; ``installed_tables()``,
      ``set_key_status(table, key, status)``, ``key_index_seconds``, ``publish_count``.

``serve(emulator, host="127.0.0.1", port=0) -> RunningServer``
    Serves from a thread; ``.url`` is the organization URL (use as ``DATAVERSE_URL``), ``.api_url`` the
    Web API root ``.../api/data/v9.2/``; ``.stop()`` (also a context manager).

``mount_responses(emulator, responses_mock, base_url)``
    Routes every request to ``base_url`` through the emulator in-process (``responses`` callbacks).

CLI: ``devstack.dataverse_emulator.cli:main(argv)`` - ``--host``, ``--port`` (7072), ``--seed demo``, ``--token``,
``--limits`` (service protection on), ``--time-scale``, ``--operation-ms``.

HTTP control under ``/_devstack/``: ``GET|DELETE requests``, ``GET|POST|DELETE faults``, ``GET|POST|DELETE limits``
(``POST`` a JSON object of ``Limits`` fields, ``{}`` for Microsoft's figures), ``POST reset``, ``GET webhooks``,
``POST seed``.

Behaviour follows the Dataverse Web API documentation, including the details clients trip over:

* create answers 204 + ``OData-EntityId`` (201 with ``Prefer: return=representation``); a client-chosen
  primary id is honoured and a second create with it is the duplicate-key error ``0x80040237`` (412);
* ``PATCH set(id)`` upserts: ``If-None-Match: *`` refuses to update (412), ``If-Match: *`` refuses to
  create (404), a stale ``If-Match: W/"n"`` is 412; an upsert addressed by an alternate key answers
  with the key form of the URL in ``OData-EntityId``, not the GUID; tables with
  ``supports_upsert = false`` answer 404 instead of creating;
* ``@odata.bind`` is checked against the real navigation property names; unknown columns, wrong types,
  out-of-range choices and too-long text give Dataverse's error codes and messages;
* ``$filter`` (comparisons, and/or/not, null, contains/startswith/endswith, the query functions
  ``Microsoft.Dynamics.CRM.In``/``NotIn``/``Between``/``LastXDays``/``EqualUserId``… of ``conditions.py``;
  text compares case-insensitively), ``$select``, ``$orderby``, ``$top``, ``$count``, ``$expand``
  (single-valued with ``$select``, collections with ``$select``/``$filter``/``$orderby``/``$top``), alternate
  keys, ``Prefer: odata.maxpagesize`` with an opaque ``$skiptoken`` in ``@odata.nextLink``; ``$skip`` is 400
  as in Dataverse; annotations with ``Prefer: odata.include-annotations``;
* FetchXML through ``?fetchXml=`` (attributes, filters, order, link-entity joins, paging cookies; see
  ``fetchxml.py``);
* the bulk actions ``CreateMultiple``, ``UpdateMultiple``, ``UpsertMultiple`` (all or nothing) and
  ``BulkDelete`` (a system job that completes at once; see ``bulk.py``);
* absolute URLs in answers follow ``Forwarded`` / ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` from a
  TLS-terminating proxy; ``serve(..., ssl_context=...)`` serves https itself (``devstack/tls.py``);
* ``$batch``: changesets are all-or-nothing with ``$n`` references; without
  ``Prefer: odata.continue-on-error`` the batch stops at the first failure and answers with that
  request's status (the parts still in the multipart body); at most 1000 requests;
* custom activities: parties through ``<table>_activity_parties``, Regarding through
  ``regardingobjectid_<target>_<table>``; every activity is also listed under ``activitypointers``;
* file columns: single and chunked upload, download (whole or by ``Range``), delete; single properties
  read, set (``PUT {"value": ...}``) and cleared (``DELETE``) through ``set(id)/column``;
* table definitions (``metadata.py`` and the modules it names): ``EntityDefinitions`` with ``$select``,
  ``$filter`` (eq/ne/gt/ge/lt/le, and/or/not, enum literals, complex property paths) and ``$expand`` of
  ``Attributes``, ``Keys`` and the relationships; ``Attributes`` with casts to the derived types and their
  ``OptionSet``; ``RelationshipDefinitions``; ``RetrieveMetadataChanges``; creating and deleting tables
  (``POST EntityDefinitions``, ``CreateEntities``), columns, relationships (1:N with their lookup, N:N with
  their intersect table) and alternate keys, which then behave like the tables of ``solution/``;
* solutions and security: ``ImportSolutionAsync`` (a system job in ``asyncoperations`` and an ``importjobs``
  row that progress as they are read), ``ImportSolution``, ``solutions``, ``roles``,
  alternate key index states (``EntityKeyIndexStatus``), and ``$ref`` associations of
  ``teamroles_association``, ``systemuserroles_association`` and ``teammembership_association``
  (``solutions.py``, ``solution_import.py``, ``associations.py``, ``platform.py``);
* security roles (``security.py`` decides, ``access.py`` applies): privileges
  ``prv{Create|Read|Write|Delete|Append|AppendTo|Assign|Share}<table>`` at Basic/Local/Deep/Global depth, from
  ``systemuserroles`` and the roles of the user's teams; the product's roles come from ``solution/app/security.toml``
  (preinstalled) or the imported ``customizations.xml``, the platform's (System Administrator, Delegate, Basic User)
  from ``roles.py``. Queries, FetchXML, counts and ``$expand`` return only readable rows; retrieves and writes the
  user may not make are 403 ``0x80040220`` (no such privilege) or ``0x80048306`` (not deep enough); impersonation
  needs ``prvActOnBehalfOfAnotherUser`` and allows only what both users may do, and applies to a ``$batch`` as a
  whole (a part's own ``MSCRMCallerID`` is ignored, as Dataverse ignores it);
  ``systemusers(id)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges``. Not enforced: field security, sharing
  (``GrantAccess``/``ModifyAccess``/``RevokeAccess`` answer 501), hierarchy security, activity parties;
* forms (``system_forms.py``): ``systemforms`` holds each table's main form (the standard tables' with their real
  ids, a table created through the metadata API one named "Information"), read with ``$select``/``$filter``/
  ``$orderby``/``$top``, changed by ``PATCH`` (``formxml``, ``name``, ``description``, ``formactivationstate``) and
  seen once ``PublishXml`` (``ParameterXml`` with ``<entities>``) or ``PublishAllXml`` publishes it;
* webhooks on Create/Update steps, delivered after commit on a background thread with the endpoint's
  authentication; contexts over 256 KB lose parameters and images and carry
  ``x-ms-dynamics-msg-size-exceeded``.

Anything outside that subset answers 501 (or 400) with a message naming exactly what is not supported: query
options (``sql``, ``$apply``, parameter aliases…), query functions, FetchXML elements and attributes, ``Prefer``
preferences and Dataverse headers the emulator cannot honour (``MSCRM.BypassCustomPluginExecution``,
``CallerObjectId``…; see ``headers.py``) are refused by name, never ignored.

Inside: ``service.py`` builds the emulator from its parts and routes every call through one table of (methods, path
shape) → handler (``routing.py``); the handlers (``reads.py``, ``writes.py``, ``batch.py``, ``bulk.py``,
``files.py``, ``fetchxml.py``, the metadata modules, ``solution_import.py``, ``associations.py``,
``platform_actions.py``...) are given only the small interfaces of ``ports.py`` (the store, the schema holder, the
clock, the org's ids, the acting user, the access checker) and never import the service. ``edge.py`` is the HTTP
side: authentication, service protection, injected faults, the request log.
"""

from .errors import ODataError
from .odata import Ref
from .protocol import API_PREFIX
from .server import RunningServer, mount_responses, serve
from .service import DataverseEmulator

__all__ = ["API_PREFIX", "DataverseEmulator", "ODataError", "Ref", "RunningServer", "mount_responses", "serve"]

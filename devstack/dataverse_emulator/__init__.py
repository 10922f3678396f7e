"""A local Dataverse Web API (v9.2) for development and tests, loaded from ``solution/`` table definitions.

Public API (stable):

``DataverseEmulator(schema=None, *, clock=None, token=None, webhook_sender=None)``
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
    * ``seed_demo()`` - business unit, team "SMS Bridge - SMS" with 3 users, contacts and accounts with
      phone numbers in assorted formats; ``reset()``.
    * ``user_id``, ``business_unit_id``, ``organization_id`` - what ``WhoAmI`` answers.

``serve(emulator, host="127.0.0.1", port=0) -> RunningServer``
    Serves from a thread; ``.url`` is the organization URL (use as ``DATAVERSE_URL``), ``.api_url`` the
    Web API root ``.../api/data/v9.2/``; ``.stop()`` (also a context manager).

``mount_responses(emulator, responses_mock, base_url)``
    Routes every request to ``base_url`` through the emulator in-process (``responses`` callbacks).

CLI: ``devstack.dataverse_emulator.cli:main(argv)`` - ``--host``, ``--port`` (7072), ``--seed demo``, ``--token``.

HTTP control under ``/_devstack/``: ``GET|DELETE requests``, ``GET|POST|DELETE faults``, ``POST reset``,
``GET webhooks``, ``POST seed``.

Behaviour follows the Dataverse Web API documentation: 204 + ``OData-EntityId`` on create and
update (201/200 with ``Prefer: return=representation``), upsert by ``PATCH`` with ``If-Match`` /
``If-None-Match``, the duplicate-key error ``0x80040237`` (412), ``W/"n"`` ETags, ``@odata.bind``
checked against the navigation property names, ``$filter``/``$select``/``$orderby``/``$top``/
``$count``/``$expand``, alternate keys, paging with ``odata.maxpagesize``, ``$batch`` with atomic
changesets, file columns (single and chunked upload, download), activity parties, annotations and
webhooks (RemoteExecutionContext) after commit. Anything outside that subset answers 501 (or 400)
with a message naming what is not supported.
"""

from .errors import ODataError
from .odata import Ref
from .protocol import API_PREFIX
from .server import RunningServer, mount_responses, serve
from .service import DataverseEmulator

__all__ = ["API_PREFIX", "DataverseEmulator", "ODataError", "Ref", "RunningServer", "mount_responses", "serve"]

"""The Dataverse Web API client: one object per worker, thread-safe, built from a :class:`DataverseConfig`."""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import requests

from dataverse.auth import TokenProvider, token_provider_for
from dataverse.batch.builder import Batch
from dataverse.batch.execution import execute_batch
from dataverse.batch.results import BatchResult
from dataverse.config import DataverseConfig
from dataverse.errors import (
    AlreadyExists,
    DataverseError,
    DataverseHttpError,
    MalformedResponse,
    NotFound,
    PreconditionFailed,
)
from dataverse.file_transfer import download, upload
from dataverse.files import DEFAULT_CHUNK_SIZE
from dataverse.odata import DataverseRequest, Filter, Key, entity_path
from dataverse.operations import (
    RawResponse,
    create_request,
    delete_request,
    key_guid,
    primary_id_in,
    query_request,
    read_row,
    read_written,
    retrieve_request,
    update_request,
    upsert_request,
)
from dataverse.rows import Page, PingResult, Row, StoredFile, UpsertMode, UpsertResult, WhoAmI
from dataverse.scope import OperationScope, current_scope, operation
from dataverse.throttle import Pace
from dataverse.transport import Transport, TransportStats

__all__ = ["DataverseClient"]


def _raw(response: requests.Response) -> RawResponse:
    return RawResponse(status=response.status_code, headers=response.headers, body=response.content,
                       reason=response.reason or "")


class DataverseClient:
    """CRUD, upsert, queries with paging, ``$batch``, file columns and WhoAmI over one pooled session.

    Build it once per worker (``DataverseClient.from_config(config)``) and share it between threads.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @classmethod
    def from_config(
        cls,
        config: DataverseConfig,
        *,
        tokens: TokenProvider | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> DataverseClient:
        """The usual way to build a client; the keyword arguments exist for tests and benchmarks."""
        provider = tokens if tokens is not None else token_provider_for(config)
        return cls(Transport(config, provider, session=session, clock=clock, wall_clock=wall_clock,
                             sleep=sleep, jitter=jitter))

    @property
    def config(self) -> DataverseConfig:
        return self._transport.config

    @property
    def stats(self) -> TransportStats:
        return self._transport.stats

    @property
    def pace(self) -> Pace:
        """Requests allowed in flight now, and until when a 429 holds every request back (dataverse.throttle)."""
        return self._transport.pace

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> DataverseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def operation(
        correlation_id: str | None = None,
        *,
        caller_object_id: uuid.UUID | str | None = None,
        solution_unique_name: str | None = None,
        caller_id: uuid.UUID | str | None = None,
    ) -> contextlib.AbstractContextManager[OperationScope]:
        """Scope for one logical operation: every call inside sends the same ``x-ms-correlation-id``
        (a new uuid4 unless given), and optionally ``CallerObjectId`` (act as that Entra user), ``MSCRMCallerID``
        (``caller_id``: act as that systemuserid) and ``MSCRM.SolutionUniqueName`` (put created components into
        that solution). Dataverse honours impersonation on a ``$batch`` request as a whole, never per part."""
        return operation(correlation_id, caller_object_id=caller_object_id,
                         solution_unique_name=solution_unique_name, caller_id=caller_id)

    def send(self, request: DataverseRequest) -> RawResponse:
        """Send a request the client has no builder for (an action, a ``$ref`` association), with the same
        authentication, retries and error mapping as every other call."""
        return _raw(self._transport.send(request))

    _send = send

    # -- single-row operations ---------------------------------------------------------------------

    def create(
        self,
        entity_set: str,
        data: Mapping[str, Any],
        *,
        id_column: str | None = None,
        return_representation: bool = False,
        select: Iterable[str] | None = None,
        formatted: bool = False,
    ) -> uuid.UUID:
        """Create a row and return its id.

        Pass ``id_column`` when ``data`` carries a client-chosen primary id: only then is the POST
        repeated after an ambiguous failure (timeout, 502-504), because a repeat then fails on the
        duplicate key instead of creating a second row. Use :meth:`create_returning` for the row.
        """
        row_id, _row = self._create(entity_set, data, id_column=id_column,
                                    return_representation=return_representation, select=select,
                                    formatted=formatted)
        return row_id

    def create_returning(self, entity_set: str, data: Mapping[str, Any], *, select: Iterable[str] | None = None,
                         formatted: bool = False, id_column: str | None = None) -> Row:
        """Create a row with ``Prefer: return=representation`` and return it as the service stored it."""
        _id, row = self._create(entity_set, data, id_column=id_column, return_representation=True,
                                select=select, formatted=formatted)
        if row is None:
            raise MalformedResponse("create with return=representation answered without a body")
        return row

    def _create(self, entity_set: str, data: Mapping[str, Any], *, id_column: str | None,
                return_representation: bool, select: Iterable[str] | None,
                formatted: bool) -> tuple[uuid.UUID, Row | None]:
        has_id = id_column is not None and bool(data.get(id_column))
        response = self._send(create_request(entity_set, data, has_client_id=has_id,
                                             return_representation=return_representation, select=select,
                                             formatted=formatted))
        row_id, row = read_written(response)
        if row_id is None and row is not None and id_column is not None:
            row_id = row.guid(id_column)
        if row_id is None:
            raise MalformedResponse(f"create in {entity_set} answered without OData-EntityId")
        return row_id, row

    def create_with_id(self, entity_set: str, id_column: str, row_id: uuid.UUID,
                       data: Mapping[str, Any]) -> UpsertResult:
        """Create a row with a chosen id by POST, for tables that take no upsert (custom activities).

        A duplicate-key answer (0x80040237) means the row is already there; the result then says
        ``created=False`` and nothing was written.
        """
        body = {**data, id_column: str(row_id)}
        try:
            self._send(create_request(entity_set, body, has_client_id=True))
        except AlreadyExists:
            return UpsertResult(id=row_id, created=False)
        return UpsertResult(id=row_id, created=True)

    def retrieve(self, entity_set: str, key: Key, *, select: Iterable[str] | None = None,
                 expand: Iterable[str] | None = None, formatted: bool = False) -> Row:
        """One row by primary id or alternate key; :class:`NotFound` when there is none."""
        return read_row(self._send(retrieve_request(entity_set, key, select=select, expand=expand,
                                                    formatted=formatted)))

    def find(self, entity_set: str, key: Key, *, select: Iterable[str] | None = None,
             expand: Iterable[str] | None = None, formatted: bool = False) -> Row | None:
        """Like :meth:`retrieve`, but None when the row does not exist."""
        try:
            return self.retrieve(entity_set, key, select=select, expand=expand, formatted=formatted)
        except NotFound:
            return None

    def update(self, entity_set: str, key: Key, data: Mapping[str, Any], *, etag: str | None = None,
               return_representation: bool = False, select: Iterable[str] | None = None) -> Row | None:
        """Update an existing row (never creates one). With ``etag`` the update only applies if the row
        is unchanged since it was read, else :class:`PreconditionFailed`."""
        response = self._send(update_request(entity_set, key, data, etag=etag,
                                             return_representation=return_representation, select=select))
        return read_written(response)[1]

    def upsert(self, entity_set: str, key: Key, data: Mapping[str, Any], *,
               mode: UpsertMode = UpsertMode.EITHER, select: Iterable[str] | None = None) -> UpsertResult:
        """``PATCH`` by id or alternate key. ``CREATE_ONLY`` leaves an existing row untouched and reports
        ``created=False``; ``UPDATE_ONLY`` raises :class:`NotFound` for a missing row."""
        request = upsert_request(entity_set, key, data, mode=mode, select=select)
        try:
            response = self._send(request)
        except (PreconditionFailed, AlreadyExists):
            if mode is not UpsertMode.CREATE_ONLY:
                raise
            return UpsertResult(id=key_guid(key), created=False)
        row_id, row = read_written(response)
        row_id = row_id or key_guid(key) or primary_id_in(entity_set, row)
        if mode is UpsertMode.CREATE_ONLY:
            created: bool | None = True
        elif mode is UpsertMode.UPDATE_ONLY:
            created = False
        else:
            created = {201: True, 200: False}.get(response.status)
        return UpsertResult(id=row_id, created=created, row=row)

    def delete(self, entity_set: str, key: Key, *, etag: str | None = None, missing_ok: bool = False) -> bool:
        """Delete a row; True if this call deleted it. With ``missing_ok`` a missing row returns False."""
        try:
            self._send(delete_request(entity_set, key, etag=etag))
        except NotFound:
            if missing_ok:
                return False
            raise
        return True

    # -- queries -----------------------------------------------------------------------------------

    def pages(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | None = None,
        filter: Filter | str | None = None,
        orderby: Iterable[str] | None = None,
        expand: Iterable[str] | None = None,
        top: int | None = None,
        page_size: int | None = None,
        formatted: bool = False,
        count: bool = False,
    ) -> Iterator[Page]:
        """Pages of a query, following ``@odata.nextLink`` exactly as the service wrote it."""
        request = query_request(entity_set, select=select, filter=filter, orderby=orderby, expand=expand,
                                top=top, page_size=page_size, formatted=formatted, count=count)
        # One correlation id for every page, held here rather than in the context: the caller runs
        # between pages and must not find itself inside this query's operation.
        scope = current_scope() or OperationScope(correlation_id=str(uuid.uuid4()))
        while True:
            payload = _raw(self._transport.send(request, scope)).json()
            if not isinstance(payload, Mapping) or not isinstance(payload.get("value"), list):
                raise MalformedResponse(f"query of {entity_set} answered without a value array")
            next_link = payload.get("@odata.nextLink")
            count_value = payload.get("@odata.count")
            yield Page(rows=tuple(Row.from_json(item) for item in payload["value"]),
                       next_link=str(next_link) if next_link else None,
                       count=int(count_value) if count_value is not None else None)
            if not next_link:
                return
            # The link already holds every query option; only the Prefer header must travel again.
            request = DataverseRequest(method="GET", path=str(next_link), headers=request.headers)

    def query(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | None = None,
        filter: Filter | str | None = None,
        orderby: Iterable[str] | None = None,
        expand: Iterable[str] | None = None,
        top: int | None = None,
        page_size: int | None = None,
        formatted: bool = False,
    ) -> Iterator[Row]:
        """Every matching row, fetched page by page as the iteration goes."""
        for page in self.pages(entity_set, select=select, filter=filter, orderby=orderby, expand=expand,
                               top=top, page_size=page_size, formatted=formatted):
            yield from page.rows

    def first(self, entity_set: str, *, select: Iterable[str] | None = None,
              filter: Filter | str | None = None,
              orderby: Iterable[str] | None = None, formatted: bool = False) -> Row | None:
        for page in self.pages(entity_set, select=select, filter=filter, orderby=orderby, top=1,
                               formatted=formatted):
            return page.rows[0] if page.rows else None
        return None

    # -- $batch ------------------------------------------------------------------------------------

    @staticmethod
    def batch() -> Batch:
        return Batch()

    def execute_batch(self, batch: Batch, *, continue_on_error: bool = False) -> BatchResult:
        """Send the batch, split into ``$batch`` requests of at most 1,000 operations.

        Without ``continue_on_error`` the first failure stops the batch; operations after it are
        reported as not executed (``status`` None), including those of later ``$batch`` requests.
        """
        with self.operation() as scope:
            return execute_batch(batch.items, self._send, self._part_error(scope), self._transport.config.api_root,
                                 continue_on_error=continue_on_error)

    def _part_error(self, scope: OperationScope) -> Callable[[RawResponse], DataverseHttpError]:
        return lambda raw: self._transport.error_from(raw.status, raw.headers, raw.body, raw.reason, scope)

    # -- file columns ------------------------------------------------------------------------------

    def upload_file(self, entity_set: str, row_id: uuid.UUID, column: str, content: bytes, file_name: str,
                    *, chunk_size: int | None = None) -> None:
        """Store ``content`` in a file column of an existing row: one PATCH up to 4 MB, chunks above."""
        with self.operation():
            upload(self._send, entity_set, row_id, column, content, file_name=file_name, chunk_size=chunk_size)

    def download_file(self, entity_set: str, row_id: uuid.UUID, column: str, *,
                      chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes:
        """The content of a file column, read in ranges of ``chunk_size`` bytes."""
        return self.fetch_file(entity_set, row_id, column, chunk_size=chunk_size).content

    def fetch_file(self, entity_set: str, row_id: uuid.UUID, column: str, *,
                   chunk_size: int = DEFAULT_CHUNK_SIZE) -> StoredFile:
        """A file column's content and the file name it was stored under (``x-ms-file-name``)."""
        with self.operation():
            return download(self._send, entity_set, row_id, column, chunk_size=chunk_size)

    # -- identity and health -----------------------------------------------------------------------

    def who_am_i(self, *, timeout: float | None = None) -> WhoAmI:
        request = DataverseRequest(
            method="GET", path="WhoAmI",
            timeout=(timeout, timeout) if timeout is not None else None,
            retry=timeout is None,
        )
        payload = self._send(request).json()
        try:
            return WhoAmI(user_id=uuid.UUID(payload["UserId"]),
                          business_unit_id=uuid.UUID(payload["BusinessUnitId"]),
                          organization_id=uuid.UUID(payload["OrganizationId"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse("WhoAmI answered without the three ids") from exc

    def ping(self, *, timeout: float = 3.0) -> PingResult:
        """One WhoAmI call without retries and with a short timeout, for health endpoints."""
        started = time.monotonic()
        try:
            who = self.who_am_i(timeout=timeout)
        except DataverseError as exc:
            return PingResult(ok=False, elapsed_seconds=time.monotonic() - started,
                              error=f"{type(exc).__name__}: {exc}")
        return PingResult(ok=True, elapsed_seconds=time.monotonic() - started, who=who)

    def entity_url(self, entity_set: str, key: Key) -> str:
        return self._transport.url_for(entity_path(entity_set, key))


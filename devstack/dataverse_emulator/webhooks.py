"""Webhook delivery: registered steps on Create/Update POST a RemoteExecutionContext.

The context's JSON is ``execution_context.py``'s ("Use webhooks to create external handlers for server events",
https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks). One retry on 502/503/504, as the
service does. By execution mode, as Microsoft documents it:

* asynchronous (mode 1): the context is saved as a System Job (an ``asyncoperation`` row whose ``data`` holds it;
  "Asynchronous service", https://learn.microsoft.com/power-apps/developer/data-platform/asynchronous-service),
  delivered from a background thread; a failure leaves the job Failed (statuscode 31), a success deletes it when
  the step has ``asyncautodelete`` ("Register a WebHook",
  https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook). ``system_jobs`` lists every
  job ever created, deleted or not, so a test can say what the platform persisted.
* synchronous (mode 0): no System Job; delivered before the write answers, and a failure fails the operation
  ("the entire transaction"). The service runs the step inside the transaction; the emulator commits first and, on
  a failure, puts each row back as it was (rows an activity's parties added are not taken back) and answers 500.
  The service's exact error code for a failed synchronous webhook is not documented; the message names it.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from . import errors
from .errors import ODataError
from .execution_context import NameOf, execution_context
from .odata import Ref
from .ports import Clock, OrgIds, SchemaHolder
from .protocol import WriteEvent
from .store import Store

__all__ = ["Sender", "SystemJob", "WebhookDelivery", "WebhookDispatcher"]

Sender = Callable[[str, dict[str, str], bytes], int]

_WEBHOOK_CONTRACT = 8
_AUTH_WEBHOOK_KEY, _AUTH_HTTP_HEADER, _AUTH_QUERY_STRING = 4, 5, 6
_RETRY_STATUSES = {502, 503, 504}
_MODE_SYNCHRONOUS = 0
_OPERATION_SYSTEM_EVENT = 1  # asyncoperation.operationtype of an asynchronous plug-in or webhook step


@dataclass(frozen=True)
class SystemJob:
    """A System Job the emulator created for an asynchronous step: what the platform persisted."""

    async_id: str
    step_id: str
    name: str
    table: str
    message: str
    data: str


@dataclass
class _Job:
    url: str
    headers: dict[str, str]
    body: bytes
    info: dict[str, str]
    synchronous: bool
    auto_delete: bool
    name: str
    system_job: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    attempts: int
    error: str | None
    step_id: str
    message: str
    table: str
    row_id: str

    def context(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "headers": self.headers,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "step_id": self.step_id,
            "message": self.message,
            "table": self.table,
            "row_id": self.row_id,
            "context": self.context(),
        }


def _http_sender(url: str, headers: dict[str, str], body: bytes) -> int:
    response = requests.post(url, data=body, headers=headers, timeout=60)
    return response.status_code


class WebhookDispatcher:
    def __init__(self, store: Store, holder: SchemaHolder, clock: Clock, *, org: OrgIds, name_of: NameOf,
                 sender: Sender | None = None) -> None:
        self.store = store
        self.holder = holder
        self.clock = clock
        self.org = org
        self.name_of = name_of
        self.sender: Sender = sender or _http_sender
        self.deliveries: list[WebhookDelivery] = []
        self.system_jobs: list[SystemJob] = []
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- matching and building (called with the store lock held) ---

    def publish(self, events: list[WriteEvent]) -> None:
        """Deliver the steps these committed writes fire. Raises `ODataError` (the writes undone) when a
        synchronous step's endpoint did not take its payload."""
        if not events:
            return
        with self.store.lock:
            jobs = [job for event in events for job in self._jobs(event)]
        for job in (j for j in jobs if j.synchronous):
            delivery = self._deliver(job)
            if delivery.error is not None or delivery.status is None or not 200 <= delivery.status < 300:
                self._undo(events)
                answer = delivery.error or f"HTTP {delivery.status}"
                raise ODataError(500, errors.SERVICE_UNAVAILABLE,
                                 f"The synchronous webhook step '{job.name}' failed ({answer}); the operation was "
                                 "rolled back.")
        for job in (j for j in jobs if not j.synchronous):
            job.system_job = self._persist(job)
            self._enqueue(job)

    def _persist(self, job: _Job) -> str | None:
        store = self.store
        if not self.holder.schema.has_table("asyncoperation"):
            return None
        data = job.body.decode("utf-8")
        with store.lock:
            async_id = store.insert("asyncoperation", {
                "name": job.name, "operationtype": _OPERATION_SYSTEM_EVENT, "statecode": 0, "statuscode": 0,
                "data": data, "messagename": job.info["message"], "primaryentitytype": job.info["table"],
            })
        self.system_jobs.append(SystemJob(async_id, job.info["step_id"], job.name, job.info["table"],
                                          job.info["message"], data))
        return async_id

    def _settle(self, job: _Job, delivery: WebhookDelivery) -> None:
        if job.system_job is None:
            return
        store = self.store
        with store.lock:
            row = store.raw("asyncoperation", job.system_job)
            if row is None:
                return
            succeeded = delivery.error is None and delivery.status is not None and 200 <= delivery.status < 300
            if succeeded and job.auto_delete:
                store.remove("asyncoperation", job.system_job)
                return
            updated = {**row, "statecode": 3, "statuscode": 30 if succeeded else 31,
                       "completedon": self.clock(), "modifiedon": self.clock()}
            if not succeeded:
                updated["message"] = updated["friendlymessage"] = delivery.error or f"HTTP {delivery.status}"
            store.put("asyncoperation", job.system_job, updated)

    def _undo(self, events: list[WriteEvent]) -> None:
        store = self.store
        with store.lock:
            for event in reversed(events):
                if event.message == "Create":
                    store.remove(event.table, event.row_id)
                elif event.pre_image is not None:
                    store.put(event.table, event.row_id, dict(event.pre_image))

    def _jobs(self, event: WriteEvent) -> list[_Job]:
        store = self.store
        schema = self.holder.schema
        if not schema.has_table("sdkmessageprocessingstep"):
            return []
        jobs = []
        for step in store.all_raw("sdkmessageprocessingstep"):
            if step.get("statecode") not in (0, None):
                continue
            message = _deref(store, step.get("sdkmessageid"))
            if message is None or message.get("name") != event.message:
                continue
            message_filter = _deref(store, step.get("sdkmessagefilterid"))
            if message_filter is None or message_filter.get("primaryobjecttypecode") != event.table:
                continue
            endpoint = _deref(store, step.get("eventhandler"))
            if endpoint is None or endpoint.get("contract") != _WEBHOOK_CONTRACT or not endpoint.get("url"):
                continue
            if event.message == "Update" and step.get("filteringattributes"):
                wanted = {a.strip() for a in str(step["filteringattributes"]).split(",") if a.strip()}
                if not wanted & set(event.target):
                    continue
            body, trimmed = execution_context(event, step, schema.table(event.table), images=self._images(step),
                                              org=self.org, now=self.clock(), name_of=self.name_of)
            url, headers = _authenticate(str(endpoint["url"]), endpoint)
            if trimmed:
                headers["x-ms-dynamics-msg-size-exceeded"] = "true"
            headers.update(
                {
                    "Content-Type": "application/json",
                    "x-ms-dynamics-organization": "devstack.crm.dynamics.com",
                    "x-ms-dynamics-entity-name": event.table,
                    "x-ms-dynamics-request-name": event.message,
                    "x-ms-correlation-request-id": str(uuid.uuid4()),
                }
            )
            info = {
                "step_id": str(step["sdkmessageprocessingstepid"]),
                "message": event.message,
                "table": event.table,
                "row_id": event.row_id,
            }
            jobs.append(_Job(url, headers, body, info, synchronous=int(step.get("mode") or 0) == _MODE_SYNCHRONOUS,
                             auto_delete=bool(step.get("asyncautodelete")), name=str(step.get("name") or "")))
        return jobs

    def _images(self, step: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.holder.schema.has_table("sdkmessageprocessingstepimage"):
            return []
        step_id = str(step["sdkmessageprocessingstepid"])
        return [image for image in self.store.all_raw("sdkmessageprocessingstepimage")
                if isinstance(ref := image.get("sdkmessageprocessingstepid"), Ref) and ref.id == step_id]

    # --- delivery (background thread) ---

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="dataverse-emulator-webhooks", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._settle(job, self._deliver(job))
            finally:
                self._queue.task_done()

    def _deliver(self, job: _Job) -> WebhookDelivery:
        status: int | None = None
        error: str | None = None
        attempts = 0
        for _ in range(2):
            attempts += 1
            try:
                status = self.sender(job.url, job.headers, job.body)
                error = None
            except (requests.RequestException, OSError) as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
                break
            if status not in _RETRY_STATUSES:
                break
        delivery = WebhookDelivery(job.url, job.headers, job.body, status, attempts, error, **job.info)
        self.deliveries.append(delivery)
        return delivery

    def drain(self, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Wait until every queued delivery was attempted; returns all deliveries so far."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        if not done.wait(timeout):
            raise TimeoutError(f"webhook deliveries still pending after {timeout} s")
        return list(self.deliveries)

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=5)


def _deref(store: Any, ref: Any) -> dict[str, Any] | None:
    if not isinstance(ref, Ref):
        return None
    row: dict[str, Any] | None = store.raw(ref.table, ref.id)
    return row


def _authenticate(url: str, endpoint: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Apply the endpoint's authtype: WebhookKey -> ?code=, HttpHeader -> headers, HttpQueryString -> query."""
    auth_type = endpoint.get("authtype")
    value = str(endpoint.get("authvalue") or "")
    headers: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    if auth_type == _AUTH_WEBHOOK_KEY:
        params.append(("code", value))
    elif auth_type in (_AUTH_HTTP_HEADER, _AUTH_QUERY_STRING) and value:
        pairs = _settings(value)
        if auth_type == _AUTH_HTTP_HEADER:
            headers.update(pairs)
        else:
            params.extend(pairs.items())
    if params:
        separator = "&" if urlsplit(url).query else "?"
        url = f"{url}{separator}{urlencode(params)}"
    return url, headers


def _settings(xml_text: str) -> dict[str, str]:
    # <settings><setting name="x-functions-key" value="..."/></settings>
    root = ET.fromstring(xml_text)  # noqa: S314 - the value comes from the emulator's own store
    return {s.attrib["name"]: s.attrib.get("value", "") for s in root.iter("setting") if "name" in s.attrib}

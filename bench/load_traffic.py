"""The traffic `bench/load.py` drives through the product's public paths: customers (contacts) to text from, signed
Twilio webhooks posted to the function app, Outbox rows created at once inside Dataverse, the texts of an idle
hour, and which Dataverse requests belonged to a send. Not a benchmark itself."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from werkzeug.datastructures import Headers

from bench.inbound_sandbox import INBOUND_PATH, inbound_form, new_message_sid, signature
from devstack.dataverse_emulator.faults import RequestRecord
from devstack.dataverse_emulator.odata import Ref
from devstack.dataverse_emulator.protocol import API_PREFIX, Call
from devstack.queues import QueueBackend
from devstack.sandbox import Sandbox
from messaging.names import Direction

__all__ = ["HOST", "WORK_QUEUES", "Settings", "classify_sends", "create_outbox_rows", "idle_latencies", "post_texts",
           "queues_empty", "seed_contacts", "wait_until"]

HOST = "127.0.0.1"
WORK_QUEUES = ("sms-inbound", "sms-outbound")
_POLL = 0.5


@dataclass(frozen=True)
class Settings:
    texts: int
    numbers: int
    outbox: int
    latency_ms: float
    time_scale: float
    operation_ms: float
    request_limit: int
    concurrency_limit: int
    senders: int
    idle_texts: int
    idle_gap: float
    hang_seconds: float
    budgets: bool


def wait_until(done: Callable[[], bool], hang_seconds: float, what: str) -> None:
    """Poll `done` until it holds; a scenario that takes `hang_seconds` is stuck, not slow."""
    deadline = time.monotonic() + hang_seconds
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {hang_seconds:.0f} s")
        time.sleep(_POLL)


def queues_empty(backend: QueueBackend) -> bool:
    """No message left in either work queue, in hand (invisible) or waiting: everything was done or given up."""
    return all(backend.queue(name).get_queue_properties().approximate_message_count == 0 for name in WORK_QUEUES)


def seed_contacts(sandbox: Sandbox, count: int, first: int = 3_000_000) -> list[str]:
    """`count` contacts owned by the product's team, numbers typed as people type them; their E.164 numbers."""
    store = sandbox.dataverse.store
    team = Ref("team", str(sandbox.demo["team"]))
    numbers = []
    for n in range(count):
        digits = f"{first + n:07d}"
        store.insert("contact", {"firstname": "Customer", "lastname": str(n), "fullname": f"Customer {n}",
                                 "mobilephone": f"(656) {digits[:3]}-{digits[3:]}", "ownerid": team,
                                 "owningteam": team, "owningbusinessunit": sandbox.dataverse.business_unit_id})
        numbers.append(f"+1656{digits}")
    return numbers


def post_texts(sandbox: Sandbox, numbers: Sequence[str], texts: int, senders: int) -> tuple[datetime, list[str]]:
    """Post `texts` signed webhooks to the function app, round-robin over `numbers`, from `senders` threads, as Twilio
    posts a burst of replies; the moment the first left, and every text's SID."""
    url = sandbox.url + INBOUND_PATH
    prepared = []
    for index in range(texts):
        sid = new_message_sid()
        form = inbound_form(sandbox, numbers[index % len(numbers)], f"Reply {index}", sid)
        prepared.append((sid, form, signature(sandbox, form)))
    local = threading.local()

    def post(item: tuple[str, list[tuple[str, str]], str]) -> str:
        sid, form, signed = item
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        answer = session.post(url, data=form, headers={"X-Twilio-Signature": signed}, timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"the function app answered {answer.status_code} to a text: {answer.text[:200]}")
        return sid

    started = datetime.now(UTC)
    with ThreadPoolExecutor(max(1, senders)) as pool:
        sids = list(pool.map(post, prepared))
    return started, sids


def create_outbox_rows(sandbox: Sandbox, count: int, first: int = 4_000_000) -> tuple[datetime, dict[str, str]]:
    """`count` Outbox rows, each a free text to its own number, created one after another inside the emulator (as a
    workflow creates them: not through the Web API, so not under its limits; Dataverse's webhook still fires);
    the moment the first was created, and each row's text by row id."""
    product = sandbox.product
    server = sandbox.dataverse_server
    if product is None or server is None:
        raise RuntimeError("the sandbox is not running")
    emulator = sandbox.dataverse
    base_url = server.url + API_PREFIX
    texts: dict[str, str] = {}
    started = datetime.now(UTC)
    for n in range(count):
        row_id, body = str(uuid.uuid4()), f"Reminder {n}"
        payload = {"activityid": row_id, "subject": "Reminder", "smsb_freeform": body,
                   "smsb_mobilenumber": f"+1656{first + n:07d}",
                   "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})"}
        call = Call("POST", "smsb_outboxes", [], Headers({"Content-Type": "application/json"}),
                    json.dumps(payload).encode(), base_url)
        outcome = emulator.handle(call)
        if outcome.status != 204:
            raise RuntimeError(f"creating an Outbox row answered {outcome.status}: {outcome.body[:200]!r}")
        texts[row_id] = body
    return started, texts


def classify_sends(records: Sequence[RequestRecord]) -> int:
    """Requests made while sending: those of every operation (one correlation id) that read Outbox rows, as the
    outbound worker starts each send (one row by id) or each coalesced round (the round's rows, one query); the rest
    are status callbacks and webhooks."""
    groups: dict[str, list[RequestRecord]] = defaultdict(list)
    for record in records:
        correlation = record.headers.get("X-Ms-Correlation-Id") or record.headers.get("x-ms-correlation-id") or ""
        groups[correlation].append(record)
    return sum(len(group) for correlation, group in groups.items()
               if correlation and any(r.method == "GET" and _reads_outbox(r.path) for r in group))


def _reads_outbox(path: str) -> bool:
    return "/smsb_outboxes(" in path or path.endswith("/smsb_outboxes")


def idle_latencies(sandbox: Sandbox, texts: int, gap: float, hang_seconds: float) -> list[float]:
    """Seconds from the start of Twilio's POST to the stored row, for texts arriving `gap` seconds apart into
    conversations the app already knows (each number texts once first, unmeasured)."""
    numbers = seed_contacts(sandbox, 4, first=5_000_000)
    url = sandbox.url + INBOUND_PATH
    store = sandbox.dataverse.store

    def stored(sid: str) -> datetime | None:
        for row in store.rows("smsb_message"):
            if row.get("smsb_sid") == sid and row.get("smsb_direction") == int(Direction.INCOMING):
                created: datetime = row["createdon"]
                return created
        return None

    def text(number: str) -> tuple[datetime, str]:
        sid = new_message_sid()
        form = inbound_form(sandbox, number, "Are you open today?", sid)
        posted = datetime.now(UTC)
        answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature(sandbox, form)}, timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"the function app answered {answer.status_code} to a text")
        return posted, sid

    for number in numbers:
        _, sid = text(number)
        wait_until(lambda s=sid: stored(s) is not None, hang_seconds, "the first texts")  # type: ignore[misc]
    latencies = []
    for index in range(texts):
        time.sleep(gap)  # the load's shape: the app is idle when the next text arrives
        posted, sid = text(numbers[index % len(numbers)])
        deadline = time.monotonic() + hang_seconds
        while (created := stored(sid)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("an idle text was never filed")
            time.sleep(0.02)
        latencies.append((created - posted).total_seconds())
    return latencies

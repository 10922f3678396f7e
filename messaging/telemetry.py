"""What the product tells an operator about its work: a span per pipeline step and a few counters.

Uses only the OpenTelemetry API, which does nothing until the app installs an SDK (`app/telemetry.py`, when
`APPLICATIONINSIGHTS_CONNECTION_STRING` is set). Dataverse requests, 429s and retries are traced and counted by the
client itself (`dataverse/transport.py`). Attributes carry ids — correlation id, Twilio SID, Dataverse
row and request ids — and never a message body, a token or a full phone number (`phone_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import metrics, trace

__all__ = ["Counters", "phone_hash", "step"]

_tracer = trace.get_tracer("smsbridge")
_meter = metrics.get_meter("smsbridge")


class Counters:
    texts_received = _meter.create_counter("smsb.texts.received", description="Texts accepted from Twilio webhooks")
    texts_stored = _meter.create_counter("smsb.texts.stored", description="Inbound texts filed in Dataverse")
    texts_sent = _meter.create_counter("smsb.texts.sent", description="Outbox rows handed to Twilio")
    texts_failed = _meter.create_counter("smsb.texts.failed", description="Outbox rows failed, skipped or unknown")
    poison = _meter.create_counter("smsb.queue.poison", description="Queue messages given up to a poison queue")
    queue_wait = _meter.create_histogram("smsb.queue.wait", unit="ms",
                                         description="Time from a webhook's arrival to its processing")


def phone_hash(number: str | None) -> str | None:
    """A stable, non-reversible stand-in for a phone number, so traces can group by sender without holding it."""
    if not number:
        return None
    return "sha256:" + hashlib.sha256(number.encode("utf-8")).hexdigest()[:16]


@contextmanager
def step(name: str, **attributes: str | int | bool | None) -> Iterator[trace.Span]:
    """A span for one pipeline step; exceptions are recorded on it and re-raised."""
    clean = {f"smsb.{key}": value for key, value in attributes.items() if value is not None}
    with _tracer.start_as_current_span(name, attributes=clean) as span:
        yield span

"""What the product tells an operator about its work: a span per pipeline step and a few counters.

Uses only the OpenTelemetry API, which does nothing until the app installs an SDK (`app/telemetry.py`, when
`APPLICATIONINSIGHTS_CONNECTION_STRING` is set). Dataverse requests, 429s and retries are traced and counted by the
client itself (`dataverse/transport.py`). Attributes carry ids — correlation id, Twilio SID, Dataverse
row and request ids — and never a message body, a token or a full phone number (`PhoneHash`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from opentelemetry import metrics, trace

__all__ = ["PHONE_HASH_LABEL", "Counters", "PhoneHash", "phone_hash_key", "step"]

PHONE_HASH_LABEL = b"smsb-phone-hash"

_tracer = trace.get_tracer("smsbridge")
_meter = metrics.get_meter("smsbridge")


class Counters:
    texts_received = _meter.create_counter("smsb.texts.received", description="Texts accepted from Twilio webhooks")
    texts_stored = _meter.create_counter("smsb.texts.stored", description="Inbound texts filed in Dataverse")
    texts_sent = _meter.create_counter("smsb.texts.sent", description="Outbox rows handed to Twilio")
    texts_failed = _meter.create_counter("smsb.texts.failed", description="Outbox rows failed, skipped or unknown")
    poison = _meter.create_counter("smsb.queue.poison", description="Queue messages given up to a poison queue")
    deferred = _meter.create_counter("smsb.queue.deferred",
                                     description="Queue messages put back for the Retry-After Dataverse asked for")
    queue_wait = _meter.create_histogram("smsb.queue.wait", unit="ms",
                                         description="Time from a webhook's arrival to its processing")


def phone_hash_key(encryption_key: bytes) -> bytes:
    """The phone-hash key, derived from the token encryption key (HKDF-SHA256, label "smsb-phone-hash"), as the
    media-link key is under its own label: no further secret to manage, and neither key opens the other."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PHONE_HASH_LABEL).derive(encryption_key)


@dataclass(frozen=True)
class PhoneHash:
    """A stand-in for a phone number, so traces can group by sender without holding it.

    Keyed (HMAC-SHA256): phone numbers are few enough that a plain hash is reversed by hashing every possible
    number, while without the key the stand-in says nothing. Stable across restarts because the key is derived
    from `SMSB_ENCRYPTION_KEY`; it changes when that key is rotated, which only splits a sender's history in two.
    """

    key: bytes = field(repr=False)

    def __call__(self, number: str | None) -> str | None:
        if not number:
            return None
        return "hmac:" + hmac.new(self.key, number.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@contextmanager
def step(name: str, **attributes: str | int | bool | None) -> Iterator[trace.Span]:
    """A span for one pipeline step; exceptions are recorded on it and re-raised."""
    clean = {f"smsb.{key}": value for key, value in attributes.items() if value is not None}
    with _tracer.start_as_current_span(name, attributes=clean) as span:
        yield span

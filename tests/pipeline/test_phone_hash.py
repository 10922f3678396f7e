"""The sender in traces is a keyed HMAC of the number (key derived from SMSB_ENCRYPTION_KEY with HKDF under its
own label): stable across restarts, and useless to someone who has the traces but not the key — unlike a plain
SHA-256, which a loop over every possible phone number reverses in seconds."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.runtime import Runtime
from app.settings import Settings
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import inbound_params, post_signed

pytestmark = pytest.mark.azurite

SENDER = "+16562185892"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def expected_hash(encryption_key: bytes, number: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"smsb-phone-hash").derive(encryption_key)
    return "hmac:" + hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:16]


def sender_attribute(sandbox: Sandbox, spans: InMemorySpanExporter) -> Any:
    spans.clear()
    assert post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, SENDER, "hello")).status_code == 200
    sandbox.drain()
    (filing,) = [s for s in spans.get_finished_spans() if s.name == "smsb.inbound.file"]
    return dict(filing.attributes or {})["smsb.sender"]


def test_the_sender_in_traces_is_a_keyed_hash_that_a_loop_over_numbers_cannot_reverse(
        sandbox: Sandbox, spans: InMemorySpanExporter) -> None:
    value = sender_attribute(sandbox, spans)
    unkeyed = hashlib.sha256(SENDER.encode()).hexdigest()
    assert unkeyed[:16] not in value
    assert value == expected_hash(sandbox.app.settings.encryption_key, SENDER)


def test_the_hash_is_stable_across_restarts_and_differs_under_another_key(sandbox: Sandbox) -> None:
    settings = Settings.from_env(dict(sandbox.environ))
    first, restarted = Runtime(settings=settings), Runtime(settings=settings)
    assert first.phone_hash(SENDER) == restarted.phone_hash(SENDER) == expected_hash(settings.encryption_key, SENDER)
    other = Runtime(settings=Settings.from_env({**sandbox.environ, "SMSB_ENCRYPTION_KEY": "B" * 43 + "="}))
    assert other.phone_hash(SENDER) != first.phone_hash(SENDER)
    assert first.phone_hash(None) is None

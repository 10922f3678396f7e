"""Traces and counters, read with OpenTelemetry's in-memory exporter: the ids are there, personal data is not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.settings import Settings
from app.telemetry import configure_telemetry
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import inbound_params, post_signed

pytestmark = pytest.mark.azurite

_EXPORTER = InMemorySpanExporter()
_READER = InMemoryMetricReader()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
trace.set_tracer_provider(_provider)
metrics.set_meter_provider(MeterProvider(metric_readers=[_READER]))

SECRET_BODY = "my card number is 4111 1111 1111 1111"
SENDER = "+16562185892"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    _EXPORTER.clear()
    return _EXPORTER


def counter(name: str) -> float:
    data = _READER.get_metrics_data()
    total = 0.0
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    total += sum(getattr(point, "value", 0) or getattr(point, "count", 0)
                                 for point in metric.data.data_points)
    return total


def test_an_inbound_text_is_traced_with_ids_and_without_personal_data(sandbox: Sandbox,
                                                                     spans: InMemorySpanExporter) -> None:
    received, stored = counter("smsb.texts.received"), counter("smsb.texts.stored")
    params = inbound_params(sandbox, SENDER, SECRET_BODY)
    assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 200
    sandbox.drain()
    finished = spans.get_finished_spans()
    (filing,) = [s for s in finished if s.name == "smsb.inbound.file"]
    attributes: dict[str, Any] = dict(filing.attributes or {})
    assert attributes["smsb.twilio_sid"] == params["MessageSid"]
    assert attributes["smsb.correlation_id"]
    assert attributes["smsb.sender"] == sandbox.app.phone_hash(SENDER)
    dataverse = [s for s in finished if s.name == "dataverse.request"]
    assert dataverse
    assert all(s.attributes and s.attributes.get("smsb.correlation_id") for s in dataverse)
    everything = json.dumps([dict(s.attributes or {}) for s in finished])
    for private in (SECRET_BODY, SENDER, "6562185892", sandbox.options.auth_token):
        assert private not in everything
    assert counter("smsb.texts.received") == received + 1
    assert counter("smsb.texts.stored") == stored + 1
    assert counter("smsb.queue.wait") >= 1


def test_without_a_connection_string_nothing_is_exported() -> None:
    settings = Settings.from_env({
        "DATAVERSE_URL": "http://127.0.0.1:7072", "SMSB_PUBLIC_URL": "http://127.0.0.1:7071",
        "SMSB_ENCRYPTION_KEY": "A" * 43 + "=", "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    })
    assert settings.applicationinsights_connection_string is None
    assert configure_telemetry(settings) is False

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.logs import REDACTED, JsonFormatter, RedactionFilter, correlation_id, invocation

TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvbnRvc28ifQ.c2lnbmF0dXJlLXBhcnQ"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("template", "secret"),
    [
        ("headers: {'Authorization': 'Bearer %s'}", JWT),
        ("Authorization: Basic %s", "QUMxMjM6dG9rZW4="),
        ("calling https://app.example/api/dataverse/webhook?code=%s", "fnKey-abc_123=="),
        ("x-functions-key: %s", "hostKeyValue123"),
        ("twilio token is %s", TWILIO_TOKEN),
        ("raw jwt %s in text", JWT),
        ("conn AccountKey=%s;EndpointSuffix=core.windows.net", "c2VjcmV0a2V5"),
        ("media https://app.example/api/media/1?exp=1&sig=%s", "abcdefSIG"),
        ("X-Twilio-Signature: %s", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
    ],
)
def test_credential_shapes_never_reach_a_log_line(captured, template: str, secret: str) -> None:
    logger, stream = captured
    logger.info(template, secret)
    record = lines(stream)[0]
    assert secret not in json.dumps(record)
    assert REDACTED in str(record["message"])


def test_registered_secret_values_are_scrubbed_everywhere(captured) -> None:
    logger, stream = captured
    RedactionFilter.add_secret("client-secret-from-settings")
    logger.warning("failed with %s", "client-secret-from-settings", extra={"detail": "x client-secret-from-settings"})
    try:
        raise ValueError("token client-secret-from-settings rejected")
    except ValueError:
        logger.exception("boom")
    text = stream.getvalue()
    assert "client-secret-from-settings" not in text
    assert text.count(REDACTED) >= 3


def test_twilio_sids_stay_readable(captured) -> None:
    logger, stream = captured
    sid = "SM" + "0123456789abcdef0123456789abcdef"
    logger.info("message %s stored", sid)
    assert sid in lines(stream)[0]["message"]


def test_records_carry_the_invocation_correlation_id(captured) -> None:
    logger, stream = captured
    with invocation("corr-123") as cid:
        assert correlation_id() == cid == "corr-123"
        logger.info("inside", extra={"twilio_sid": "SM1"})
    logger.info("outside")
    inside, outside = lines(stream)
    assert inside["correlation_id"] == "corr-123"
    assert inside["twilio_sid"] == "SM1"
    assert outside["correlation_id"] is None
    assert correlation_id() is None


def test_each_invocation_gets_a_fresh_id_when_none_is_given() -> None:
    with invocation() as first:
        pass
    with invocation() as second:
        pass
    assert first != second
    assert len(first) == 36

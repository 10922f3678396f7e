"""The product on loopback (devstack sandbox) for end-to-end pipeline tests, plus ways to talk to it as Twilio."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from devstack.config import QueueSettings
from devstack.sandbox import Sandbox, SandboxOptions
from twilio_bridge import sign

FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(0),
                            max_polling_interval=timedelta(milliseconds=200))


@pytest.fixture
def make_sandbox(azurite: Any) -> Iterator[Any]:
    """Start a sandbox with the given options; every one started is stopped after the test."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                         **options)).start()
        started.append(sandbox)
        for name in ("sms-inbound", "sms-inbound-poison"):
            sandbox.queues().queue(name).clear_messages()
        return sandbox

    try:
        yield make
    finally:
        for sandbox in started:
            sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    return make_sandbox()


def unreliable(sandbox: Sandbox) -> None:
    """Dataverse answers 429 and 503 now and then: one of each for certain (the next two requests), then one
    request in five 429 and one in ten 503, at random. Coalesced work makes few requests, so chance alone might
    leave a run without either."""
    faults = sandbox.dataverse.faults
    faults.add(r"/api/data/v9\.2/", status=429, retry_after=0, count=1)
    faults.add(r"/api/data/v9\.2/", status=503, count=1)
    faults.add(r"/api/data/v9\.2/", status=429, retry_after=0, share=0.2)
    faults.add(r"/api/data/v9\.2/", status=503, share=0.1)


def queued(sandbox: Sandbox, name: str = "sms-inbound") -> int:
    return len(sandbox.queues().queue(name).peek_messages(max_messages=32))


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


def inbound_params(sandbox: Sandbox, from_: str, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    product = sandbox.product
    assert product is not None
    sid = sid or new_sid()
    params = {
        "ToCountry": "US", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
        "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
        "FromCountry": "US", "To": product.number, "ToZip": "", "NumSegments": "1", "MessageSid": sid,
        "AccountSid": product.account_sid, "From": from_, "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params


def post_signed(sandbox: Sandbox, path: str, params: dict[str, str], *, token: str | None = None,
                signature: str | None = None, body: bytes | None = None) -> requests.Response:
    url = sandbox.url + path
    token = token or sandbox.options.auth_token
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, params, token)}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return requests.post(url, data=body, headers=headers, timeout=10)
    return requests.post(url, data=params, headers=headers, timeout=10)

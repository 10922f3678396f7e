"""The door of the Twilio webhooks, in process: a cold directory defers without waiting, keeps only what the later
check needs, and rations deferrals so a flood cannot fill the queue."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from dataverse import DataverseClient, DataverseConfig, StaticTokenProvider
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import DeferredWebhook, read_inbound
from messaging.errors import LookupUnavailable
from messaging.intake import DeferralRation, IncomingRequest, WebhookIntake
from messaging.tokens import TokenCipher

ACCOUNT = "AC" + "1" * 32


class Never:
    """A background that never runs: the map stays cold, as while Dataverse does not answer."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, work: Callable[[], None]) -> None:
        self.asked += 1


def cold_intake(ration: DeferralRation | None = None) -> tuple[WebhookIntake, Never]:
    never = Never()
    # No request can leave: nothing here may wait for Dataverse (the URL is never contacted).
    client = DataverseClient.from_config(DataverseConfig(url="https://contoso.crm.dynamics.com"),
                                         tokens=StaticTokenProvider("unused"))
    directory = ConfigurationDirectory(client, spawn=never)
    return WebhookIntake(directory, TokenCipher(secrets.token_bytes(32)), "https://smsb.example.net",
                         ration=ration), never


def request(**extra: str) -> IncomingRequest:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT, "From": "+16565550177",
            "To": "+15005550006", "Body": "hello", **extra}
    return IncomingRequest(
        url="https://smsb.example.net/api/twilio/messages", form=form, body=b"ignored for a form",
        content_type="application/x-www-form-urlencoded",
        headers={"x-twilio-signature": "c2lnbmF0dXJl", "Cookie": "session=1", "Authorization": "Bearer x"})


def test_a_cold_instance_defers_and_keeps_only_the_signature_headers() -> None:
    intake, never = cold_intake()
    deferred = intake.inbound(request(), "correlation-1")
    assert isinstance(deferred, DeferredWebhook)
    assert never.asked == 1  # a load was asked for, in the background
    assert deferred.headers == {"X-Twilio-Signature": "c2lnbmF0dXJl"}
    assert deferred.body == b""  # a form travels as its pairs
    again = read_inbound(deferred.to_json())
    assert again == deferred


def test_deferrals_are_rationed_then_refused_with_a_retry_hint() -> None:
    clock = [100.0]
    intake, _ = cold_intake(DeferralRation(per_second=1.0, burst=3.0, clock=lambda: clock[0]))
    for _ in range(3):
        assert isinstance(intake.inbound(request(), "c"), DeferredWebhook)
    with pytest.raises(LookupUnavailable):
        intake.inbound(request(), "c")
    clock[0] += 1.0
    assert isinstance(intake.inbound(request(), "c"), DeferredWebhook)


def test_a_deferred_status_callback_keeps_its_webhook_kind_and_arrival_time() -> None:
    intake, _ = cold_intake()
    status = IncomingRequest(
        url="https://smsb.example.net/api/twilio/status?m=" + str(uuid.uuid4()),
        form={"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT, "From": "MyBrand",
              "To": "+16565550177", "MessageStatus": "sent"},
        body=b"", content_type="application/x-www-form-urlencoded", headers={})
    deferred = intake.status(status, "c")
    assert isinstance(deferred, DeferredWebhook)
    assert deferred.webhook == "status"
    assert deferred.received_at <= datetime.now(UTC)

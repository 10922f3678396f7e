"""The product on loopback (devstack sandbox) with an outbound processor built the way the app builds it, plus
helpers that create Outbox rows through the Web API as a workflow or the chat control would."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.config import QueueSettings
from devstack.dataverse_emulator import DataverseEmulator
from devstack.sandbox import Sandbox, SandboxOptions
from devstack.twilio_emulator.resources import Message
from messaging.envelopes import OutboxJob
from messaging.outbound import OutboundProcessor
from messaging.outbound.media_links import MediaLinks, media_key
from solution.schema import Column, ColumnType, Schema, load_schema
from twilio_bridge import MessageSender, TwilioClients, TwilioConfig

FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(0),
                            max_polling_interval=timedelta(milliseconds=200))
CONSENT_COLUMN = "smsb_smsconsent"


def consent_schema() -> Schema:
    """The product's schema plus a Yes/No column on contact, as an admin adds to record SMS consent."""
    schema = load_schema()
    consent = Column(CONSENT_COLUMN, ColumnType.BOOLEAN, "SMS Consent", default=False)
    tables = tuple(dataclasses.replace(t, columns=(*t.columns, consent)) if t.logical_name == "contact" else t
                   for t in schema.tables)
    return Schema(tables, schema.relationships)


SCHEMA = consent_schema()


@pytest.fixture
def make_sandbox(azurite: Any) -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                         dataverse_factory=lambda: DataverseEmulator(SCHEMA), **options)).start()
        started.append(sandbox)
        for name in ("sms-inbound", "sms-inbound-poison", "sms-outbound", "sms-outbound-poison"):
            sandbox.queues().queue(name).clear_messages()
        return sandbox

    try:
        yield make
    finally:
        for sandbox in started:
            sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox()


def links(sandbox: Sandbox) -> MediaLinks:
    return MediaLinks(media_key(sandbox.app.settings.encryption_key), sandbox.url)


def processor(sandbox: Sandbox, *, sender: Any = None, read_timeout: float | None = None,
              clock: Callable[[], datetime] | None = None) -> OutboundProcessor:
    """An outbound processor on the sandbox's clients; `read_timeout` gives it a Twilio client of its own."""
    app = sandbox.app
    if sender is None:
        twilio = app.twilio if read_timeout is None else TwilioClients(TwilioConfig(
            api_base_url=app.settings.twilio_api_base_url, read_timeout=read_timeout, connect_timeout=2.0))
        sender = MessageSender(twilio)
    return OutboundProcessor(app.dataverse, app.directory, app.cipher, sender, app.store, links(sandbox),
                             public_url=sandbox.url, clock=clock or (lambda: datetime.now(UTC)),
                             tables=app.customer_tables)


def warm(sandbox: Sandbox, worker: OutboundProcessor) -> None:
    """What a worker holds once it has sent a text: its own user id (WhoAmI), the Configuration and its Record
    Types, and their tables' definitions."""
    product = sandbox.product
    assert product is not None
    worker.application_user()
    context = sandbox.app.directory.context(product.configuration_id)
    sandbox.app.customer_tables.load({rt.entity: rt.version for rt in context.record_types})


def job(outbox: uuid.UUID) -> OutboxJob:
    return OutboxJob(outbox, correlation_id=str(uuid.uuid4()))


def contact(sandbox: Sandbox, first: str, last: str, mobile: str, **columns: Any) -> uuid.UUID:
    return sandbox.app.dataverse.create("contacts", {
        "firstname": first, "lastname": last, "fullname": f"{first} {last}", "mobilephone": mobile, **columns})


def demo_contact(sandbox: Sandbox, name: str) -> uuid.UUID:
    return uuid.UUID(str(sandbox.demo["contacts"][name]))


def outbox(sandbox: Sandbox, to_contact: uuid.UUID | None = None, *, text: str | None = None,
           template: uuid.UUID | None = None, **columns: Any) -> uuid.UUID:
    """An Outbox row as a workflow creates it: To party, From Configuration, template or free text."""
    product = sandbox.product
    assert product is not None
    outbox_id = uuid.uuid4()
    body: dict[str, Any] = {
        "subject": "Order update",
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
        **columns,
    }
    if to_contact is not None:
        body["smsb_outbox_activity_parties"] = [
            {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({to_contact})"}]
    if text is not None:
        body["smsb_freeform"] = text
    if template is not None:
        body["smsb_messagetemplate@odata.bind"] = f"/smsb_messagetemplates({template})"
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, body)
    return outbox_id


def template(sandbox: Sandbox, body: str, *, entity: str = "contact", published: bool = True) -> uuid.UUID:
    return sandbox.app.dataverse.create("smsb_messagetemplates", {
        "smsb_name": "Order ready", "smsb_templatetype": 1, "smsb_entitylogicalname": entity, "smsb_body": body,
        "smsb_publishstate": 2 if published else 1,
    })


def outbox_row(sandbox: Sandbox, outbox_id: uuid.UUID) -> dict[str, Any]:
    row = sandbox.dataverse.store.get("smsb_outbox", str(outbox_id))
    assert row is not None
    return row


def texts(sandbox: Sandbox) -> list[Message]:
    """What Twilio was asked to send."""
    return [m for m in sandbox.twilio.messages if m.direction == "outbound-api"]

"""MMS pictures are never lost: a retry finishes what an attempt left undone, a picture still without its file is
visible and repaired by reconciliation, and Twilio's copy is deleted only once the file is stored (DESIGN 2, 6.2)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dataverse import NotFound
from devstack.azurite import free_port
from devstack.sandbox import Sandbox
from devstack.twilio_emulator.emulator import InboundMedia
from messaging.envelopes import InboundEnvelope
from messaging.names import MediaFileStatus
from messaging.reconcile import Reconciler
from messaging.status import StatusProcessor
from tests.pipeline.conftest import queued
from twilio_bridge import MessageHistory, TwilioCredentials

pytestmark = pytest.mark.azurite

CUSTOMER = "+16565550199"
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(200)) * 10
FILE_PATH = r"/smsb_messagemedias\([^)]*\)/smsb_file"


def stored_file(sandbox: Sandbox, media: dict[str, Any]) -> bytes | None:
    try:
        return sandbox.app.dataverse.download_file("smsb_messagemedias", uuid.UUID(media["smsb_messagemediaid"]),
                                                   "smsb_file")
    except NotFound:
        return None


def twilio_media(sandbox: Sandbox, message_sid: str) -> int:
    message = sandbox.twilio.message(message_sid)
    assert message is not None
    return len(message.media)


def delete_twilio_media(sandbox: Sandbox, on: bool) -> None:
    product = sandbox.product
    assert product is not None
    sandbox.app.dataverse.update("smsb_configurations", product.configuration_id, {"smsb_deletetwiliomedia": on})
    sandbox.app.directory.invalidate(product.configuration_id)


def missed(sandbox: Sandbox, body: str, *media: InboundMedia) -> InboundEnvelope:
    """A text Twilio received while its webhook pointed nowhere, as reconciliation reads it back."""
    number = sandbox.options.number
    sandbox.twilio.configure_number(number, sms_url=f"http://127.0.0.1:{free_port()}/nowhere")
    result = sandbox.twilio.send_inbound(CUSTOMER, number, body, media=media)
    history = MessageHistory(sandbox.app.twilio, sandbox.app.settings.twilio_api_base_url)
    credentials = TwilioCredentials(sandbox.options.account_sid, sandbox.options.auth_token)
    (found,) = [m for m in history.received(credentials, number, datetime.now(UTC) - timedelta(minutes=5))
                if m.message.message_sid == result.message_sid]
    product = sandbox.product
    assert product is not None
    return InboundEnvelope(product.configuration_id, datetime.now(UTC), str(uuid.uuid4()), found.message)


def dying_on_upload(sandbox: Sandbox) -> Callable[[], None]:
    """The worker process dies right after the text is filed, before its pictures are stored; returns an undo."""
    client = sandbox.app.dataverse

    def die(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("the worker process was killed")

    client.upload_file = die  # type: ignore[method-assign]
    return lambda: delattr(client, "upload_file")


def reconciler(sandbox: Sandbox, *, hours_later: float) -> Reconciler:
    app = sandbox.app
    history = MessageHistory(app.twilio, app.settings.twilio_api_base_url)
    later = datetime.now(UTC) + timedelta(hours=hours_later)
    return Reconciler(app.dataverse, app.cipher, history, app.inbound_worker.inbound, StatusProcessor(app.dataverse),
                      clock=lambda: later)


def test_an_upload_that_fails_once_is_finished_by_the_queues_retry(sandbox: Sandbox) -> None:
    sandbox.dataverse.faults.add(FILE_PATH, status=500, count=1, method="PATCH")
    result = sandbox.twilio.send_inbound(CUSTOMER, sandbox.options.number, "photo of the damage",
                                         media=(InboundMedia(PICTURE, "image/png"), InboundMedia(PHOTO, "image/jpeg")))
    assert result.delivery is not None
    assert result.delivery.status == 200
    sandbox.drain()

    media = sorted(sandbox.rows("smsb_messagemedia"), key=lambda row: row["smsb_contenttype"])
    assert [stored_file(sandbox, row) for row in media] == [PHOTO, PICTURE]
    assert [row["smsb_filestatus"] for row in media] == [int(MediaFileStatus.STORED)] * 2
    assert [row["smsb_size"] for row in media] == [len(PHOTO), len(PICTURE)]
    assert len(sandbox.rows("smsb_message", smsb_sid=result.message_sid)) == 1
    assert queued(sandbox, "sms-inbound-poison") == 0


def test_twilios_copy_is_deleted_only_once_the_file_is_stored(sandbox: Sandbox) -> None:
    delete_twilio_media(sandbox, on=True)
    envelope = missed(sandbox, "photo", InboundMedia(PICTURE, "image/png"))
    inbound = sandbox.app.inbound_worker.inbound
    undo = dying_on_upload(sandbox)
    with pytest.raises(SystemExit):
        inbound.process(envelope)
    undo()
    assert twilio_media(sandbox, envelope.message.message_sid) == 1  # not stored yet: Twilio keeps it

    again = inbound.process(envelope)  # the queue's retry

    assert again.duplicate
    (media,) = sandbox.rows("smsb_messagemedia")
    assert stored_file(sandbox, media) == PICTURE
    assert media["smsb_filestatus"] == int(MediaFileStatus.STORED)
    assert twilio_media(sandbox, envelope.message.message_sid) == 0


def test_a_picture_left_without_its_file_is_visible_and_repaired_by_reconciliation(sandbox: Sandbox) -> None:
    envelope = missed(sandbox, "photo", InboundMedia(PICTURE, "image/png"))
    undo = dying_on_upload(sandbox)
    with pytest.raises(SystemExit):
        sandbox.app.inbound_worker.inbound.process(envelope)
    undo()
    (media,) = sandbox.rows("smsb_messagemedia")
    assert media["smsb_filestatus"] == int(MediaFileStatus.AWAITING_FILE)  # what an admin sees in the view
    assert stored_file(sandbox, media) is None

    report = reconciler(sandbox, hours_later=1).run(timedelta(hours=2))

    assert report.media_repaired == 1
    assert report.problems == []
    (media,) = sandbox.rows("smsb_messagemedia")
    assert stored_file(sandbox, media) == PICTURE
    assert media["smsb_filestatus"] == int(MediaFileStatus.STORED)
    assert sandbox.rows("smsb_errorlog") == []


def test_a_picture_twilio_no_longer_has_is_marked_unavailable_with_an_error_log_row(sandbox: Sandbox) -> None:
    envelope = missed(sandbox, "photo", InboundMedia(PICTURE, "image/png"))
    undo = dying_on_upload(sandbox)
    with pytest.raises(SystemExit):
        sandbox.app.inbound_worker.inbound.process(envelope)
    undo()
    twilio_message = sandbox.twilio.message(envelope.message.message_sid)
    assert twilio_message is not None
    twilio_message.media.clear()  # deleted at Twilio by someone else meanwhile

    report = reconciler(sandbox, hours_later=1).run(timedelta(hours=2))

    assert report.media_repaired == 0
    (media,) = sandbox.rows("smsb_messagemedia")
    assert media["smsb_filestatus"] == int(MediaFileStatus.UNAVAILABLE)
    (logged,) = sandbox.rows("smsb_errorlog")
    assert (logged["smsb_source"], logged["smsb_twiliosid"]) == ("inbound", envelope.message.message_sid)
    assert media["smsb_twiliomediasid"] in logged["smsb_details"]
    assert reconciler(sandbox, hours_later=2).run(timedelta(hours=2)).media_repaired == 0
    assert len(sandbox.rows("smsb_errorlog")) == 1  # once, not every hour


def test_a_picture_of_a_refused_type_is_listed_as_unavailable(sandbox: Sandbox) -> None:
    result = sandbox.twilio.send_inbound(CUSTOMER, sandbox.options.number, "see attached",
                                         media=(InboundMedia(b"<html>hi</html>", "text/html"),
                                                InboundMedia(PICTURE, "image/png")))
    assert result.delivery is not None
    sandbox.drain()
    statuses = {row["smsb_contenttype"]: row["smsb_filestatus"] for row in sandbox.rows("smsb_messagemedia")}
    assert statuses == {"text/html": int(MediaFileStatus.UNAVAILABLE), "image/png": int(MediaFileStatus.STORED)}
    (logged,) = sandbox.rows("smsb_errorlog")
    assert logged["smsb_source"] == "inbound"
    assert queued(sandbox, "sms-inbound-poison") == 0


def test_a_picture_twilio_keeps_failing_to_hand_over_waits_then_is_given_up_after_a_week(sandbox: Sandbox) -> None:
    envelope = missed(sandbox, "photo", InboundMedia(PICTURE, "image/png"))
    undo = dying_on_upload(sandbox)
    with pytest.raises(SystemExit):
        sandbox.app.inbound_worker.inbound.process(envelope)
    undo()
    sandbox.twilio.faults.inject(r"/Media/ME[0-9a-fA-F]{32}$", method="GET", status=503, count=None)

    soon = reconciler(sandbox, hours_later=1).run(timedelta(hours=2))
    (media,) = sandbox.rows("smsb_messagemedia")
    assert (soon.media_repaired, soon.media_waiting, media["smsb_filestatus"]) == (
        0, 1, int(MediaFileStatus.AWAITING_FILE))
    assert sandbox.rows("smsb_errorlog") == []

    late = reconciler(sandbox, hours_later=8 * 24).run(timedelta(hours=2))
    (media,) = sandbox.rows("smsb_messagemedia")
    assert (late.media_unavailable, media["smsb_filestatus"]) == (1, int(MediaFileStatus.UNAVAILABLE))
    (logged,) = sandbox.rows("smsb_errorlog")
    assert "503" in logged["smsb_details"]

"""A scheduled MMS on the devstack: the link Twilio is given still opens when Twilio sends, days later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack.sandbox import Sandbox
from messaging.outbound import OutboundResult
from tests.outbound.conftest import demo_contact, job, links, outbox, processor, texts


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.azurite
def test_a_scheduled_mms_carries_a_link_that_opens_when_twilio_sends_it(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    service = sandbox.twilio.add_messaging_service(product.account_sid, [product.number])
    sandbox.app.dataverse.update("smsb_configurations", product.configuration_id,
                                 {"smsb_messagingservicesid": service.sid})
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your voucher",
                       smsb_sendafter=due.isoformat())
    sandbox.app.dataverse.upload_file("smsb_outboxes", outbox_id, "smsb_attachment", b"\x89PNG\r\n\x1a\n",
                                      "voucher.png")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SCHEDULED, outcome.reason
    (text,) = texts(sandbox)
    (url,) = text.media_urls
    found = query(url)
    assert links(sandbox).verify(str(outbox_id), found["exp"], found["sig"], now=due + timedelta(minutes=5)) \
        == outbox_id
    assert int(found["exp"]) <= (due + timedelta(days=1)).timestamp()  # and not much longer

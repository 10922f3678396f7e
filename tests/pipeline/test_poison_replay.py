"""A poison message can be inspected (with the error recorded for it) and replayed once the cause is fixed."""

from __future__ import annotations

import pytest

from admin.replay import list_poison, replay, source_queue
from dataverse import F
from devstack.sandbox import Sandbox
from devstack.seed import seed_product
from tests.pipeline.conftest import inbound_params, post_signed, queued

pytestmark = pytest.mark.azurite


def test_poisoned_text_is_listed_with_its_error_then_replayed_and_filed(sandbox: Sandbox) -> None:
    params = inbound_params(sandbox, "+16562185892", "Please call me")
    assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 200
    product = sandbox.product
    assert product is not None
    sandbox.dataverse.store.remove("smsb_configuration", str(product.configuration_id))
    sandbox.app.directory.invalidate()
    sandbox.drain()
    assert queued(sandbox, "sms-inbound-poison") == 1

    def error_for(correlation: str) -> str | None:
        row = sandbox.app.dataverse.first("smsb_errorlogs", select=["smsb_details"],
                                          filter=F.eq("smsb_correlationid", correlation),
                                          orderby=["createdon desc"])
        return str(row["smsb_details"]) if row else None

    (listed,) = list_poison(sandbox.app.queue_service, "sms-inbound-poison", error_for)
    assert (listed.kind, listed.reference) == ("inbound", params["MessageSid"])
    assert listed.error is not None
    assert "ConfigurationNotFound" in listed.error

    dry = replay(sandbox.app.queue_service, "sms-inbound-poison", dry_run=True)
    assert dry.moved == [listed.id]
    assert queued(sandbox, "sms-inbound-poison") == 1

    # The admin fixes the cause (the Configuration is back), then replays.
    seed_product(sandbox.app.dataverse, sandbox.app.cipher, account_sid=product.account_sid,
                 auth_token=sandbox.options.auth_token, number=product.number, team_id=product.team_id,
                 public_url=sandbox.url)
    sandbox.app.directory.invalidate()
    report = replay(sandbox.app.queue_service, "sms-inbound-poison")
    assert report.moved == [listed.id]
    assert queued(sandbox, "sms-inbound-poison") == 0
    sandbox.drain()
    (message,) = sandbox.rows("smsb_message", smsb_sid=params["MessageSid"])
    assert message["smsb_body"] == "Please call me"


def test_only_poison_queues_can_be_replayed() -> None:
    assert source_queue("sms-outbound-poison") == "sms-outbound"
    with pytest.raises(ValueError, match="not a poison queue"):
        source_queue("sms-inbound")

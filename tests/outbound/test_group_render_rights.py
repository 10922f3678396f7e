"""Coalesced sends fill each text in with its Outbox owner's rights, as single sends do: the records of one
owner's rows are read in one impersonated `$batch` (Dataverse takes `MSCRMCallerID` on a `$batch` as a whole and
ignores it on a part: MicrosoftDocs/dynamics-365-customer-engagement issue 531), the application user's rows inside
the claim."""

from __future__ import annotations

import pytest

from devstack.sandbox import Sandbox
from messaging.names import OutboxStatus
from messaging.outbound import GroupSender, OutboundResult, Pacer
from tests.outbound.conftest import contact, job, outbox, outbox_row, processor, texts
from tests.outbound.test_render_rights import SECRET, _contact_of, _outbox_as, _unit, _user

pytestmark = pytest.mark.azurite


def test_one_round_reads_each_owner_s_records_as_them_in_one_request(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west, east = _unit(emulator, "West"), _unit(emulator, "East")
    riley = _user(emulator, "Riley", east, "Basic User", "SMS Bridge User")  # reads contacts of East only
    walled_off = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User", "SMS Bridge User"))
    readable = _contact_of(sandbox, riley)
    refused = _outbox_as(sandbox, riley, walled_off, "Title: {jobtitle}")
    allowed = _outbox_as(sandbox, riley, readable, "Hello {firstname}, your title: {jobtitle}")
    own = outbox(sandbox, contact(sandbox, "Ada", "Stone", "+16562185877"), text="Hi {firstname}")
    single = processor(sandbox)
    group = GroupSender(single, sandbox.app.store, single._sender, Pacer(long_code_mps=100, service_mps=100))
    emulator.requests.clear()

    outcomes = group.process_group([job(refused), job(allowed), job(own)])

    results = [o.result for o in outcomes if not isinstance(o, BaseException)]
    assert results == [OutboundResult.FAILED, OutboundResult.SENT, OutboundResult.SENT]
    assert sorted(t.body for t in texts(sandbox)) == ["Hello Morgan, your title: " + SECRET, "Hi Ada"]
    assert outbox_row(sandbox, refused)["smsb_sendstatus"] == int(OutboxStatus.FAILED)
    impersonated = [r for r in emulator.requests.records
                    if {k.lower(): v for k, v in r.headers.items()}.get("mscrmcallerid") == riley]
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in impersonated] == [("POST", "$batch")]

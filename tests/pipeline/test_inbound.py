"""Inbound texts, end to end: Twilio webhook → function host → sms-inbound queue → worker → Dataverse emulator."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.dataverse_emulator import Ref
from devstack.sandbox import Sandbox
from devstack.twilio_emulator.emulator import InboundMedia
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import InboundEnvelope
from messaging.ids import conversation_id
from messaging.inbound import InboundProcessor
from messaging.store import Store
from tests.pipeline.conftest import inbound_params, new_sid, post_signed, queued, unreliable
from twilio_bridge import parse_inbound_message, sign

pytestmark = pytest.mark.azurite

NUMBER = "+16565550123"


def add_contact(sandbox: Sandbox, name: str, mobile: str, **extra: Any) -> str:
    contact_id = str(uuid.uuid4())
    first, _, last = name.partition(" ")
    sandbox.dataverse.store.insert("contact", {
        "contactid": contact_id, "firstname": first, "lastname": last, "fullname": name, "mobilephone": mobile,
        "ownerid": Ref("team", str(sandbox.demo["team"])), **extra,
    })
    return contact_id


def text(sandbox: Sandbox, from_: str, body: str, **extra: str) -> str:
    params = inbound_params(sandbox, from_, body, **extra)
    response = post_signed(sandbox, "/api/twilio/messages", params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "<Response/>" in response.text
    return params["MessageSid"]


def messages_from(sandbox: Sandbox, number: str) -> list[dict[str, Any]]:
    return sandbox.rows("smsb_message", smsb_from=number)


@pytest.mark.parametrize("stored", ["+1 (656) 555-0123", "656-555-0123", "6565550123", "001 656 555 0123",
                                    "+16565550123"])
def test_text_lands_in_the_contacts_conversation_however_the_number_was_typed(sandbox: Sandbox, stored: str) -> None:
    contact = add_contact(sandbox, "Robin Vale", stored)
    sid = text(sandbox, NUMBER, "Is my order ready?")
    assert sandbox.drain() == 1

    (message,) = messages_from(sandbox, NUMBER)
    assert (message["smsb_sid"], message["smsb_body"], message["smsb_direction"], message["smsb_status"]) == (
        sid, "Is my order ready?", 1, 7)
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)
    assert conversation["smsb_customerid"] == contact
    assert conversation["smsb_customerentity"] == "contact"
    assert conversation["smsb_state"] == 1
    assert conversation["ownerid"] == Ref("team", str(sandbox.demo["team"]))
    assert stored in conversation["smsb_matchreason"]
    (session,) = sandbox.rows("smsb_messagesession", smsb_phonenumber=NUMBER)
    assert session["regardingobjectid"] == Ref("contact", contact)
    assert session["smsb_customer"] == Ref("contact", contact)
    assert message["smsb_session"] == Ref("smsb_messagesession", str(session["activityid"]))
    (party,) = [p for p in sandbox.dataverse.store.rows("activityparty") if p["activityid"].id == session["activityid"]]
    assert (party["partyid"], party["participationtypemask"]) == (Ref("contact", contact), 2)


def test_ties_go_to_the_most_recently_modified_active_record(sandbox: Sandbox) -> None:
    add_contact(sandbox, "Old Record", "656 555 0123")
    newer = add_contact(sandbox, "New Record", "(656) 555-0123")
    add_contact(sandbox, "Inactive Record", "6565550123", statecode=1)
    text(sandbox, NUMBER, "hi")
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)
    assert conversation["smsb_customerid"] == newer
    assert "2 records matched" in conversation["smsb_matchreason"]


def test_accounts_match_when_no_contact_does(sandbox: Sandbox) -> None:
    text(sandbox, "+16562185900", "Order status?")  # Contoso Pharmaceuticals: "(656) 218-5900" in telephone1
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber="+16562185900")
    assert conversation["smsb_customername"] == "Contoso Pharmaceuticals"
    assert conversation["smsb_customerentity"] == "account"


def test_unknown_number_gets_a_conversation_that_says_nothing_matched(sandbox: Sandbox) -> None:
    text(sandbox, "+16569990000", "who is this")
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber="+16569990000")
    assert conversation["smsb_customerid"] is None
    assert conversation["smsb_matchreason"].startswith("No active record has +16569990000 in contact.mobilephone")
    (session,) = sandbox.rows("smsb_messagesession", smsb_phonenumber="+16569990000")
    assert session["regardingobjectid"] is None  # about nobody yet; "Create Record" sets it later
    assert session["smsb_conversation"] == Ref("smsb_conversation", conversation["smsb_conversationid"])
    (party,) = [p for p in sandbox.dataverse.store.rows("activityparty") if p["activityid"].id == session["activityid"]]
    assert party["addressused"] == "+16569990000"


def test_same_message_sid_delivered_five_times_creates_one_message(sandbox: Sandbox) -> None:
    params = inbound_params(sandbox, NUMBER, "only once please")
    for _ in range(5):
        assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 200
    assert sandbox.drain() == 5
    assert len(messages_from(sandbox, NUMBER)) == 1
    assert len(sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)) == 1
    # The team of three was notified once each, not once per delivery.
    assert len(sandbox.dataverse.store.rows("appnotification")) == 3


def test_second_text_reuses_conversation_and_session_and_notifies_the_team_again(sandbox: Sandbox) -> None:
    text(sandbox, NUMBER, "first")
    sandbox.drain()
    text(sandbox, NUMBER, "second")
    sandbox.drain()
    assert sorted(m["smsb_body"] for m in messages_from(sandbox, NUMBER)) == ["first", "second"]
    assert len(sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)) == 1
    assert len(sandbox.rows("smsb_messagesession", smsb_phonenumber=NUMBER)) == 1
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)
    assert conversation["smsb_lastmessagepreview"] == "second"
    assert len(sandbox.dataverse.store.rows("appnotification")) == 6


def test_accepted_conversation_notifies_only_its_owner_while_active(sandbox: Sandbox) -> None:
    text(sandbox, NUMBER, "first")
    sandbox.drain()
    owner = str(sandbox.demo["users"]["Alex Morgan"])
    conversation = conversation_id(sandbox.product.configuration_id, NUMBER)  # type: ignore[union-attr]
    sandbox.app.dataverse.update("smsb_conversations", conversation, {
        "smsb_state": 2, "ownerid@odata.bind": f"/systemusers({owner})",
        "smsb_lastactivityon": datetime.now(UTC).isoformat()})
    # This worker still has the conversation as Pending for the team: the notifications are corrected at once.
    before = len(sandbox.dataverse.store.rows("appnotification"))
    text(sandbox, NUMBER, "are you there?")
    sandbox.drain()
    new = sandbox.dataverse.store.rows("appnotification")[before:]
    assert [n["ownerid"] for n in new] == [Ref("systemuser", owner)]
    assert new[0]["title"] == "New text from +16565550123"


def test_a_chat_someone_accepted_notifies_only_them_until_it_is_idle_and_its_rows_stay_the_teams(
    sandbox: Sandbox,
) -> None:
    app, product = sandbox.app, sandbox.product
    assert product is not None
    text(sandbox, NUMBER, "first")
    sandbox.drain()
    holder, team = str(sandbox.demo["users"]["Alex Morgan"]), str(sandbox.demo["team"])
    members = {Ref("systemuser", str(user)) for user in sandbox.demo["users"].values()}
    conversation = conversation_id(product.configuration_id, NUMBER)
    # Accept, as the pane does it: Accepted By names who has the chat, the row stays the team's.
    now = datetime.now(UTC).isoformat()
    app.dataverse.update("smsb_conversations", conversation, {
        "smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({holder})", "smsb_acceptedon": now,
        "smsb_lastactivityon": now})

    def notified_by_a_fresh_worker(body: str) -> set[Ref]:
        """The people a worker that has not seen this chat yet (another Functions instance) notifies."""
        worker = InboundProcessor(app.dataverse, ConfigurationDirectory(app.dataverse), app.cipher, None,
                                  Store(app.dataverse))
        before = len(sandbox.dataverse.store.rows("appnotification"))
        worker.process(InboundEnvelope(product.configuration_id, datetime.now(UTC), str(uuid.uuid4()),
                                       parse_inbound_message(inbound_params(sandbox, NUMBER, body).items())))
        return {note["ownerid"] for note in sandbox.dataverse.store.rows("appnotification")[before:]}

    assert notified_by_a_fresh_worker("are you there?") == {Ref("systemuser", holder)}
    long_ago = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    app.dataverse.update("smsb_conversations", conversation, {"smsb_lastactivityon": long_ago})
    assert notified_by_a_fresh_worker("hello?") == members | {Ref("systemuser", holder)}
    assert {m["ownerid"] for m in messages_from(sandbox, NUMBER)} == {Ref("team", team)}
    assert {s["ownerid"] for s in sandbox.rows("smsb_messagesession", smsb_phonenumber=NUMBER)} == {Ref("team", team)}


def test_blocked_number_is_stored_but_nobody_is_notified(sandbox: Sandbox) -> None:
    text(sandbox, NUMBER, "first")
    sandbox.drain()
    conversation = conversation_id(sandbox.product.configuration_id, NUMBER)  # type: ignore[union-attr]
    sandbox.app.dataverse.update("smsb_conversations", conversation, {"smsb_state": 3})
    before = len(sandbox.dataverse.store.rows("appnotification"))
    text(sandbox, NUMBER, "let me in")
    sandbox.drain()
    assert len(messages_from(sandbox, NUMBER)) == 2
    assert len(sandbox.dataverse.store.rows("appnotification")) == before


@pytest.mark.parametrize(("keyword", "opted_out"), [("STOP", True), ("unsubscribe", True), ("Start", False)])
def test_consent_keywords_update_the_conversation_and_are_stored(sandbox: Sandbox, keyword: str,
                                                                 opted_out: bool) -> None:
    text(sandbox, NUMBER, keyword)
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)
    assert conversation["smsb_optedout"] is opted_out
    assert conversation["smsb_optoutkeyword"] == keyword.upper()
    assert [m["smsb_body"] for m in messages_from(sandbox, NUMBER)] == [keyword]


def test_opt_out_type_from_advanced_opt_out_wins(sandbox: Sandbox) -> None:
    text(sandbox, NUMBER, "arrêtez", OptOutType="STOP")
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=NUMBER)
    assert conversation["smsb_optedout"] is True


def test_body_is_stored_byte_exact(sandbox: Sandbox) -> None:
    body = "Ça va? 👍🏽 مرحبا بك {curly} [square] ~tilde~ €uro ^caret^ \\back| שלום\nnew line  double  space"
    text(sandbox, NUMBER, body)
    sandbox.drain()
    (message,) = messages_from(sandbox, NUMBER)
    assert message["smsb_body"].encode("utf-8") == body.encode("utf-8")
    assert message["smsb_encoding"] == 2  # UCS-2: not every character is in GSM-7


def test_mms_media_is_stored_as_files(sandbox: Sandbox) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    result = sandbox.twilio.send_inbound(NUMBER, sandbox.options.number, "photo of the damage",
                                         media=(InboundMedia(picture, "image/png"),))
    assert result.delivery is not None
    assert result.delivery.status == 200
    sandbox.drain()
    (message,) = messages_from(sandbox, NUMBER)
    assert message["smsb_nummedia"] == 1
    (media,) = sandbox.rows("smsb_messagemedia")
    assert media["smsb_contenttype"] == "image/png"
    assert media["smsb_size"] == len(picture)
    downloaded = sandbox.app.dataverse.download_file("smsb_messagemedias", uuid.UUID(media["smsb_messagemediaid"]),
                                                     "smsb_file")
    assert downloaded == picture
    # Credentials never followed Twilio's redirect to the CDN.
    assert all(not r.authorization for r in sandbox.twilio.cdn_requests)


def test_two_first_messages_from_one_number_at_once_make_one_conversation_and_session(sandbox: Sandbox) -> None:
    app = sandbox.app
    product = sandbox.product
    assert product is not None
    for attempt in range(6):
        number = f"+1656777{attempt:04d}"
        envelopes = [
            InboundEnvelope(product.configuration_id, datetime.now(UTC), str(uuid.uuid4()),
                            parse_inbound_message(inbound_params(sandbox, number, f"hello {i}").items()))
            for i in range(2)
        ]
        # Two workers with nothing cached, as two Functions instances would be.
        workers = [InboundProcessor(app.dataverse, ConfigurationDirectory(app.dataverse), app.cipher, None,
                                    Store(app.dataverse)) for _ in envelopes]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(worker: InboundProcessor, envelope: InboundEnvelope, barrier: threading.Barrier = barrier,
                errors: list[BaseException] = errors) -> None:
            barrier.wait()
            try:
                worker.process(envelope)
            except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=pair) for pair in zip(workers, envelopes, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert len(sandbox.rows("smsb_conversation", smsb_phonenumber=number)) == 1
        assert len(sandbox.rows("smsb_messagesession", smsb_phonenumber=number)) == 1
        assert len(messages_from(sandbox, number)) == 2


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"signature": "not-a-signature"}, 403),
        ({"signature": ""}, 403),
        ({"token": "0" * 32}, 403),  # signed with a stale token
        ({"tamper": ("Body", "changed after signing")}, 403),
        ({"tamper": ("Extra", "added after signing")}, 403),
        ({"body": b"MessageSid=SM1&AccountSid=AC"}, 400),  # truncated
        ({"body": b"\x00\xff garbage \x01"}, 400),
        ({"tamper_to": "+15550000000"}, 404),  # no Configuration owns this number
    ],
)
def test_bad_requests_are_refused_and_nothing_is_queued(sandbox: Sandbox, change: dict[str, Any],
                                                        status: int) -> None:
    params = inbound_params(sandbox, NUMBER, "hello")
    if "tamper_to" in change:
        params["To"] = change["tamper_to"]
    signed = dict(params)
    if "tamper" in change:
        name, value = change["tamper"]
        params[name] = value
    signature = change.get("signature")
    if signature is None and "token" not in change:
        signature = sign(sandbox.url + "/api/twilio/messages", signed, sandbox.options.auth_token)
    response = post_signed(sandbox, "/api/twilio/messages", params, token=change.get("token"),
                           signature=signature, body=change.get("body"))
    assert response.status_code == status, response.text
    assert queued(sandbox) == 0


def test_inbound_handler_writes_nothing_to_dataverse(sandbox: Sandbox) -> None:
    sandbox.dataverse.requests.clear()
    text(sandbox, NUMBER, "hello")
    methods = {r.method for r in sandbox.dataverse.requests.records}
    assert methods <= {"GET"}


def test_permanent_failure_is_logged_and_kept_in_poison(sandbox: Sandbox) -> None:
    text(sandbox, NUMBER, "orphan")
    # The Configuration disappears between the webhook and the worker: retrying cannot help.
    sandbox.dataverse.store.remove("smsb_configuration", str(sandbox.product.configuration_id))  # type: ignore[union-attr]
    sandbox.app.directory.invalidate()
    sandbox.drain()
    assert queued(sandbox, "sms-inbound") == 0
    assert queued(sandbox, "sms-inbound-poison") == 1
    logs = sandbox.rows("smsb_errorlog")
    assert [row["smsb_name"] for row in logs] == ["Message cannot be processed", "Message moved to sms-inbound-poison"]
    assert {row["smsb_source"] for row in logs} == {"inbound"}
    assert all(row["smsb_twiliosid"] and row["smsb_correlationid"] for row in logs)
    assert all(sandbox.options.auth_token not in row["smsb_details"] for row in logs)


def test_burst_under_throttling_stores_every_message_exactly_once(sandbox: Sandbox) -> None:
    numbers = [f"+1656888{n:04d}" for n in range(20)]
    sent: dict[str, str] = {}
    for i in range(300):
        number = numbers[i % len(numbers)]
        sid = new_sid()
        assert post_signed(sandbox, "/api/twilio/messages",
                           inbound_params(sandbox, number, f"burst {i}", sid=sid)).status_code == 200
        sent[sid] = number
    unreliable(sandbox)
    for _ in range(20):
        if sandbox.drain() == 0 and queued(sandbox) == 0:
            break
    sandbox.dataverse.faults.clear()
    stored = [m for m in sandbox.dataverse.store.rows("smsb_message") if m["smsb_sid"] in sent]
    assert sorted(m["smsb_sid"] for m in stored) == sorted(sent)
    sessions = {s["activityid"]: s for s in sandbox.dataverse.store.rows("smsb_messagesession")}
    for message in stored:
        assert sessions[message["smsb_session"].id]["smsb_phonenumber"] == sent[message["smsb_sid"]]
    assert len(sandbox.rows("smsb_conversation")) == 20
    assert queued(sandbox, "sms-inbound-poison") == 0
    assert sandbox.dataverse.requests.count(status=429) > 0


@pytest.mark.parametrize(("sender", "name"), [
    ("+16562185892", "Avery Park"),     # stored "+1 (656) 218-5892"
    ("+16562185893", "Blake Rivera"),   # stored "656-218-5893"
    ("+16562185894", "Casey Nguyen"),   # stored "6562185894"
    ("+16562185895", "Devon Hughes"),   # stored "001 656 218 5895"
    ("+16562185896", "Emery Stone"),    # stored "+16562185896"
])
def test_customer_phone_of_the_devstack_reaches_the_seeded_contact(sandbox: Sandbox, sender: str, name: str) -> None:
    result = sandbox.twilio.send_inbound(sender, sandbox.options.number, f"Hi, this is {name}")
    assert result.delivery is not None
    assert result.delivery.status == 200
    sandbox.drain()
    (conversation,) = sandbox.rows("smsb_conversation", smsb_phonenumber=sender)
    assert conversation["smsb_customername"] == name
    (message,) = messages_from(sandbox, sender)
    assert message["smsb_sid"] == result.message_sid
    (session,) = sandbox.rows("smsb_messagesession", smsb_phonenumber=sender)
    assert session["regardingobjectid"] == Ref("contact", conversation["smsb_customerid"])

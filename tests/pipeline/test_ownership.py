"""One owner for a chat, end to end on the devstack: the platform's Assign on a conversation or on a session
(what the command bar, a bulk assign or a workflow does: an Update of `ownerid` on that row alone) → the registered
webhook step → function host → sms-outbound → the ownership flow brings the other rows in step; the webhooks its own
writes raise find the chat in step, so the queue runs dry; and the next text notifies the chat's new owner."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.dataverse_emulator import Ref
from devstack.sandbox import Sandbox
from messaging.envelopes import OwnershipJob
from messaging.ids import conversation_id
from messaging.names import ConversationState
from messaging.ownership import OwnershipProcessor
from messaging.plans import Changeset
from messaging.store import Answer, Item, Store
from tests.pipeline.conftest import queued

pytestmark = pytest.mark.azurite

NUMBER = "+16565550177"
LONG_AGO = "2020-01-01T00:00:00+00:00"
OTHER_TEAM = "00000000-0000-0000-0000-0000000b0b0b"
ROBIN = "00000000-0000-0000-0000-0000000b0b01"  # the other team's one member


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    store = sandbox.dataverse.store
    store.insert("team", {"teamid": OTHER_TEAM, "name": "Night shift", "teamtype": 0})
    store.insert("systemuser", {"systemuserid": ROBIN, "fullname": "Robin Lee", "firstname": "Robin",
                                "lastname": "Lee"})
    store.insert("teammembership", {"teammembershipid": str(uuid.uuid4()), "teamid": OTHER_TEAM,
                                    "systemuserid": ROBIN})
    return sandbox


def settle(sandbox: Sandbox, bound: float = 60) -> int:
    """Deliver webhooks and run both queues until nothing is left; returns the rounds that handled something. The
    bound only stops a test that would otherwise hang (a ping-pong would run to it and fail the round count)."""
    rounds, deadline = 0, time.monotonic() + bound
    while time.monotonic() < deadline:
        sandbox.dataverse.webhooks.drain(bound)
        handled = sandbox.drain("sms-outbound") + sandbox.drain("sms-inbound")
        if not handled and not queued(sandbox, "sms-outbound") and not queued(sandbox, "sms-inbound"):
            return rounds
        rounds += 1
    pytest.fail(f"the queues were still busy after {bound} s: the owners bounce back and forth")


def text_in(sandbox: Sandbox, body: str) -> None:
    sandbox.twilio.send_inbound(NUMBER, sandbox.options.number, body)
    sandbox.twilio.wait_idle(30)
    settle(sandbox)


def chat_rows(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    product = sandbox.product
    assert product is not None
    conversation = sandbox.dataverse.store.get("smsb_conversation",
                                               str(conversation_id(product.configuration_id, NUMBER)))
    assert conversation is not None
    (session,) = sandbox.rows("smsb_messagesession", smsb_phonenumber=NUMBER)
    return conversation, session, sandbox.rows("smsb_message", smsb_from=NUMBER)


def assign(sandbox: Sandbox, entity_set: str, row_id: str, owner: str) -> None:
    """The platform's Assign: an Update of the row's owner, nothing else."""
    sandbox.app.dataverse.update(entity_set, uuid.UUID(row_id), {"ownerid@odata.bind": owner})


def test_a_conversation_assigned_to_another_team_takes_its_open_session_and_waits_there_for_accept(
    sandbox: Sandbox,
) -> None:
    text_in(sandbox, "hello")
    conversation, session, _ = chat_rows(sandbox)
    alex = str(sandbox.demo["users"]["Alex Morgan"])
    sandbox.app.dataverse.update("smsb_conversations", uuid.UUID(conversation["smsb_conversationid"]), {
        "smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({alex})", "smsb_lastactivityon": LONG_AGO})

    assign(sandbox, "smsb_conversations", conversation["smsb_conversationid"], f"/teams({OTHER_TEAM})")
    rounds = settle(sandbox)

    conversation, session, messages = chat_rows(sandbox)
    night_shift = Ref("team", OTHER_TEAM)
    assert session["ownerid"] == conversation["ownerid"] == night_shift
    assert {m["ownerid"] for m in messages} == {night_shift}  # the session's messages follow it (cascade Assign)
    # Alex is not in the night shift: the chat waits there for Accept, and the change restarted its idle clock.
    assert (conversation["smsb_state"], conversation["smsb_acceptedby"]) == (int(ConversationState.PENDING), None)
    assert conversation["smsb_lastactivityon"] > datetime(2025, 1, 1, tzinfo=UTC)
    assert rounds <= 3  # the assign's job, then the webhooks of the flow's own writes, which change nothing
    assert sandbox.rows("smsb_errorlog") == []

    before = len(sandbox.dataverse.store.rows("appnotification"))
    text_in(sandbox, "anyone there?")
    notified = {n["ownerid"] for n in sandbox.dataverse.store.rows("appnotification")[before:]}
    assert notified == {Ref("systemuser", ROBIN)}


def test_a_session_assigned_to_a_user_takes_the_conversation_and_that_user_has_the_chat(sandbox: Sandbox) -> None:
    text_in(sandbox, "hello")
    _, session, _ = chat_rows(sandbox)
    priya = str(sandbox.demo["users"]["Priya Nair"])

    assign(sandbox, "smsb_messagesessions", session["activityid"], f"/systemusers({priya})")
    settle(sandbox)

    conversation, session, messages = chat_rows(sandbox)
    assert conversation["ownerid"] == session["ownerid"] == Ref("systemuser", priya)
    assert {m["ownerid"] for m in messages} == {Ref("systemuser", priya)}
    assert conversation["smsb_state"] == int(ConversationState.ACCEPTED)
    assert conversation["smsb_acceptedby"] == Ref("systemuser", priya)

    before = len(sandbox.dataverse.store.rows("appnotification"))
    text_in(sandbox, "thanks!")
    assert {n["ownerid"] for n in sandbox.dataverse.store.rows("appnotification")[before:]} == {
        Ref("systemuser", priya)}
    # The text of the session's window is filed with the chat's owner, in step with its session.
    assert {m["ownerid"] for m in sandbox.rows("smsb_message", smsb_from=NUMBER)} == {Ref("systemuser", priya)}


def test_the_chats_own_assign_to_a_team_needs_no_more_than_a_check(sandbox: Sandbox) -> None:
    """The chat moves the session, then the conversation with its state, Accepted By and activity: both webhooks
    find the chat in step once the conversation's write has landed."""
    text_in(sandbox, "hello")
    conversation, session, _ = chat_rows(sandbox)
    now = datetime.now(UTC).isoformat()
    sandbox.app.dataverse.update("smsb_messagesessions", uuid.UUID(session["activityid"]),
                                 {"ownerid@odata.bind": f"/teams({OTHER_TEAM})"})
    sandbox.app.dataverse.update("smsb_conversations", uuid.UUID(conversation["smsb_conversationid"]), {
        "ownerid@odata.bind": f"/teams({OTHER_TEAM})", "smsb_state": 1, "smsb_acceptedby@odata.bind": None,
        "smsb_lastactivityon": now})
    written = sandbox.dataverse.store.get("smsb_conversation", conversation["smsb_conversationid"])
    assert written is not None

    settle(sandbox)

    after = sandbox.dataverse.store.get("smsb_conversation", conversation["smsb_conversationid"])
    assert after is not None
    assert after["versionnumber"] == written["versionnumber"]  # nothing more was written to it
    assert chat_rows(sandbox)[1]["ownerid"] == Ref("team", OTHER_TEAM)


def test_a_chat_changed_while_its_owners_are_brought_in_step_is_read_and_decided_again(sandbox: Sandbox) -> None:
    """Every write of the flow holds only if its row is as it was read: a text filed in between (it moves the
    conversation's activity) fails the first changeset, and the flow reads the chat again and finishes."""
    text_in(sandbox, "hello")
    conversation, session, _ = chat_rows(sandbox)
    conversation_id = conversation["smsb_conversationid"]
    sandbox.dataverse.store.update("smsb_conversation", conversation_id, {"ownerid": Ref("team", OTHER_TEAM)},
                                   datetime.now(UTC))
    app = sandbox.app
    changesets: list[int] = []

    class TextArrivesMeanwhile(Store):
        def run(self, items: Sequence[Item], *, continue_on_error: bool = False) -> Answer:
            if any(isinstance(item, Changeset) for item in items):
                changesets.append(len(changesets))
                if len(changesets) == 1:
                    app.dataverse.update("smsb_conversations", uuid.UUID(conversation_id),
                                         {"smsb_lastmessagepreview": "a text filed meanwhile"})
            return super().run(items, continue_on_error=continue_on_error)

    outcome = OwnershipProcessor(TextArrivesMeanwhile(app.dataverse)).process(
        OwnershipJob("conversation", uuid.UUID(conversation_id), "c-1", owner_team=uuid.UUID(OTHER_TEAM)))

    assert changesets == [0, 1]
    assert (outcome.in_step, outcome.sessions_moved) == (False, 1)
    conversation, session, _ = chat_rows(sandbox)
    assert session["ownerid"] == Ref("team", OTHER_TEAM)
    assert conversation["smsb_lastmessagepreview"] == "a text filed meanwhile"

"""One owner for a chat (`ownership.rules`, `intake.dataverse`), over plain values: the row the event is about
leads, the other rows follow it, who has the chat follows the owner, a change of owner restarts the idle clock, and
rows already in step — what the app's own writes find when their webhooks come back — are left alone."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

import pytest

from dataverse import parse_webhook
from messaging.envelopes import OwnershipJob
from messaging.intake import jobs_for
from messaging.names import ConversationState
from messaging.ownership.rules import Facts, InStep, Moves, Reassigned, decide, membership_question
from messaging.plans import Write
from messaging.rows.conversation import Holding
from messaging.rows.owner import Owner
from messaging.rows.session import StoredSession
from tests.messaging.facts import NOW, TEAM_ID, conversation

AVERY = "+16562185892"
OTHER_TEAM = uuid.UUID(int=0x7F)
PRIYA, SAM = uuid.UUID(int=301), uuid.UUID(int=302)
SESSION, OLDER_SESSION = uuid.UUID(int=401), uuid.UUID(int=402)
CHANGED_AT = NOW - timedelta(seconds=5)
THE_TEAM = Owner(team=TEAM_ID)
NOBODY_SAID = Owner()


def chat(*, owner: Owner = THE_TEAM, state: ConversationState = ConversationState.ACCEPTED,
         accepted_by: uuid.UUID | None = PRIYA, last_activity: datetime | None = NOW - timedelta(hours=1)) -> Any:
    return conversation(AVERY, owner=owner, state=state, accepted_by=accepted_by, last_activity=last_activity,
                        etag='W/"7"')


def session(owner: Owner, *, row_id: uuid.UUID = SESSION, open_: bool = True, of: Any = None) -> StoredSession:
    return StoredSession(row_id, owner, open_, of.id if of is not None else chat().id, f'W/"{row_id.int}"')


def event(table: Literal["conversation", "session"] = "conversation", *, row_id: uuid.UUID | None = None,
          owner: Owner = NOBODY_SAID, restarts_clock: bool = False) -> Reassigned:
    return Reassigned(table, row_id or (chat().id if table == "conversation" else SESSION), owner, CHANGED_AT,
                      restarts_clock)


def facts(reassigned: Reassigned, stored: Any, sessions: tuple[StoredSession, ...], *,
          holder_in_team: bool | None = None) -> Facts:
    leader = next((s for s in sessions if s.id == reassigned.row_id), None) if reassigned.table == "session" else None
    return Facts(reassigned, stored, sessions, leader, holder_in_team)


def writes_to(moves: Moves, table: str) -> list[Write]:
    return [write for write in moves.changeset.writes if write.table.logical_name == table]


# -- the other rows follow the row that changed ---------------------------------------------------------------------
def test_a_conversation_the_platform_gave_to_another_team_takes_its_open_sessions_with_it() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM))
    sessions = (session(Owner(team=TEAM_ID)), session(Owner(team=TEAM_ID), row_id=OLDER_SESSION))

    moves = decide(facts(event(owner=Owner(team=OTHER_TEAM)), stored, sessions, holder_in_team=False), now=NOW)

    assert isinstance(moves, Moves)
    moved = writes_to(moves, "smsb_messagesession")
    assert [(w.row_id, w.values["ownerid@odata.bind"], w.etag) for w in moved] == [
        (SESSION, f"/teams({OTHER_TEAM})", f'W/"{SESSION.int}"'),
        (OLDER_SESSION, f"/teams({OTHER_TEAM})", f'W/"{OLDER_SESSION.int}"')]
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert "ownerid@odata.bind" not in the_conversation.values  # it has that owner already
    assert the_conversation.etag == 'W/"7"'


def test_a_session_the_platform_gave_to_a_user_takes_the_conversation_and_the_user_has_the_chat() -> None:
    stored = chat(state=ConversationState.PENDING, accepted_by=None)
    sessions = (session(Owner(user=SAM)),)

    moves = decide(facts(event("session", owner=Owner(user=SAM)), stored, sessions), now=NOW)

    assert isinstance(moves, Moves)
    assert writes_to(moves, "smsb_messagesession") == []
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert the_conversation.values == {
        "ownerid@odata.bind": f"/systemusers({SAM})", "smsb_state": int(ConversationState.ACCEPTED),
        "smsb_acceptedby@odata.bind": f"/systemusers({SAM})", "smsb_acceptedon": CHANGED_AT.isoformat(),
        "smsb_lastactivityon": CHANGED_AT.isoformat()}
    assert (moves.conversation, moves.holding, moves.restarts_clock) == (True, Holding(SAM), True)


def test_a_chat_handed_to_a_team_its_holder_is_not_in_waits_there_for_accept() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM), accepted_by=PRIYA)
    hand_over = facts(event(owner=Owner(team=OTHER_TEAM)), stored, (session(Owner(team=TEAM_ID)),))

    assert membership_question(hand_over) == (OTHER_TEAM, PRIYA)
    moves = decide(dataclasses.replace(hand_over, holder_in_team=False), now=NOW)

    assert isinstance(moves, Moves)
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert the_conversation.values["smsb_state"] == int(ConversationState.PENDING)
    assert the_conversation.values["smsb_acceptedby@odata.bind"] is None


def test_a_holder_who_belongs_to_the_new_team_keeps_the_chat() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM), accepted_by=PRIYA)

    moves = decide(facts(event(owner=Owner(team=OTHER_TEAM)), stored, (session(Owner(team=TEAM_ID)),),
                         holder_in_team=True), now=NOW)

    assert isinstance(moves, Moves)
    assert moves.holding is None
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert "smsb_acceptedby@odata.bind" not in the_conversation.values


def test_a_blocked_chat_moves_with_its_owner_and_stays_blocked() -> None:
    stored = chat(state=ConversationState.BLOCKED, accepted_by=None)

    moves = decide(facts(event("session", owner=Owner(user=SAM)), stored, (session(Owner(user=SAM)),)), now=NOW)

    assert isinstance(moves, Moves)
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert "smsb_state" not in the_conversation.values
    assert the_conversation.values["ownerid@odata.bind"] == f"/systemusers({SAM})"
    assert membership_question(facts(event(owner=Owner(team=OTHER_TEAM)), chat(
        owner=Owner(team=OTHER_TEAM), state=ConversationState.BLOCKED), ())) is None


# -- a change of owner is activity ----------------------------------------------------------------------------------
def test_the_platforms_assign_of_a_chat_already_in_step_restarts_its_idle_clock_once() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM), accepted_by=None)
    in_step = (session(Owner(team=OTHER_TEAM)),)

    moves = decide(facts(event(owner=Owner(team=OTHER_TEAM)), stored, in_step), now=NOW)

    assert isinstance(moves, Moves)
    (the_conversation,) = moves.changeset.writes
    assert the_conversation.values == {"smsb_lastactivityon": CHANGED_AT.isoformat()}
    # The same event again (a redelivery) finds the clock at the change already.
    restarted = dataclasses.replace(stored, last_activity=CHANGED_AT)
    assert isinstance(decide(facts(event(owner=Owner(team=OTHER_TEAM)), restarted, in_step), now=NOW), InStep)


def test_a_change_that_restarted_the_clock_itself_leaves_it_alone() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM), accepted_by=None)

    decision = decide(facts(event(owner=Owner(team=OTHER_TEAM), restarts_clock=True), stored,
                            (session(Owner(team=OTHER_TEAM)),)), now=NOW)

    assert isinstance(decision, InStep)


def test_a_later_activity_is_never_rolled_back_to_the_moment_of_the_change() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM), accepted_by=None, last_activity=NOW)

    moves = decide(facts(event(owner=Owner(team=OTHER_TEAM)), stored, (session(Owner(team=TEAM_ID)),)), now=NOW)

    assert isinstance(moves, Moves)
    assert not moves.restarts_clock
    (the_conversation,) = writes_to(moves, "smsb_conversation")
    assert the_conversation.values == {}  # only its ETag: a change made meanwhile fails the changeset


# -- no ping-pong ---------------------------------------------------------------------------------------------------
def test_the_webhooks_of_the_apps_own_writes_find_the_chat_in_step() -> None:
    stored = chat(owner=Owner(user=SAM), accepted_by=SAM, last_activity=CHANGED_AT)
    sessions = (session(Owner(user=SAM)),)

    from_the_session = decide(facts(event("session", owner=Owner(user=SAM)), stored, sessions), now=NOW)
    from_the_conversation = decide(facts(event(owner=Owner(user=SAM), restarts_clock=True), stored, sessions),
                                   now=NOW)

    assert isinstance(from_the_session, InStep)
    assert isinstance(from_the_conversation, InStep)
    assert from_the_session.reason == "the conversation and its open sessions already share one owner"


def test_a_change_overtaken_by_a_later_one_is_left_to_the_later_ones_event() -> None:
    stored = chat(owner=Owner(team=OTHER_TEAM))

    decision = decide(facts(event(owner=Owner(user=SAM)), stored, (session(Owner(user=SAM)),)), now=NOW)

    assert decision == InStep("the row changed owner again since; that change brings the chat in step")


@pytest.mark.parametrize(("leader", "reason"), [
    (None, "the session is gone"),
    (session(Owner(user=SAM), open_=False), "a closed session keeps the owner it had"),
    (dataclasses.replace(session(Owner(user=SAM)), conversation_id=None), "the session belongs to no conversation"),
])
def test_sessions_that_lead_nowhere_change_nothing(leader: StoredSession | None, reason: str) -> None:
    decision = decide(Facts(event("session"), None, (), leader), now=NOW)

    assert decision == InStep(reason)


def test_a_conversation_that_is_gone_changes_nothing() -> None:
    assert decide(Facts(event(), None, ()), now=NOW) == InStep("the conversation is gone")


# -- the events that ask for it -------------------------------------------------------------------------------------
def webhook(table: str, target: list[dict[str, Any]], *, message: str = "Update") -> Any:
    row_id = str(uuid.uuid4())
    contract = "http://schemas.microsoft.com/xrm/2011/Contracts"
    return parse_webhook(json.dumps({
        "MessageName": message, "PrimaryEntityName": table, "PrimaryEntityId": row_id, "Mode": 1, "Stage": 40,
        "Depth": 1, "OperationCreatedOn": "/Date(1796126400000)/",
        "InputParameters": [{"key": "Target", "value": {"__type": f"Entity:{contract}", "LogicalName": table,
                                                        "Id": row_id, "Attributes": target}}],
    }))


def owner_attribute(table: str, row_id: uuid.UUID) -> dict[str, Any]:
    contract = "http://schemas.microsoft.com/xrm/2011/Contracts"
    return {"key": "ownerid", "value": {"__type": f"EntityReference:{contract}", "Id": str(row_id),
                                        "LogicalName": table, "Name": None}}


def test_the_platforms_assign_of_a_session_asks_for_its_chat_to_be_brought_in_step() -> None:
    context = webhook("smsb_messagesession", [owner_attribute("systemuser", SAM)])

    (job,) = jobs_for(context, "c-1")

    assert job == OwnershipJob("session", context.primary_entity_id, "c-1", owner_user=SAM,
                               at=context.operation_created_on, restarts_clock=False)


def test_the_chats_assign_says_it_restarted_the_clock_itself() -> None:
    context = webhook("smsb_conversation", [owner_attribute("team", OTHER_TEAM),
                                            {"key": "smsb_lastactivityon", "value": "/Date(1796126400000)/"}])

    (job,) = jobs_for(context, "c-2")

    assert isinstance(job, OwnershipJob)
    assert (job.table, job.owner_team, job.owner_user, job.restarts_clock) == ("conversation", OTHER_TEAM, None,
                                                                                True)

"""One owner for a chat, however it changed (DESIGN 6.6), decided over plain values.

A conversation and its open sessions end with the same owner. The chat's own Assign moves both; the platform's
Assign (the command bar, a bulk assign, a workflow) moves only the row it is used on, so Dataverse tells the app
about every change of `ownerid` on either table and this decides what brings the other rows in step:

- The row the event is about leads: the conversation and every open session of it take *its current owner*. An
  event whose owner is no longer the row's was overtaken by a later change, which has an event of its own.
- Who has the chat follows the owner: a user who owns the chat has it (Accepted, their Accepted By); a chat given to
  a team whose holder is not one of its members waits for that team to Accept (Pending, no Accepted By), as the
  chat's Assign to a team leaves it. A blocked chat stays blocked.
- A change of owner is activity: the idle clock restarts at the moment of the change, unless the change restarted
  it itself (the chat's Assign writes `smsb_lastactivityon` with the owner) or a later activity already did.

Every write is made only if its row is as it was read (ETags, one changeset), and rows already in step are not
written at all: the webhooks the app's own writes raise find everything in step, so nothing bounces back and forth.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from messaging.names import ConversationState
from messaging.plans import Changeset, Write
from messaging.rows import conversation, session
from messaging.rows.conversation import Holding, StoredConversation
from messaging.rows.owner import Owner
from messaging.rows.session import StoredSession

__all__ = ["Facts", "InStep", "Moves", "Reassigned", "decide", "leading_owner", "membership_question"]


@dataclass(frozen=True)
class Reassigned:
    """What the event said: which row changed owner, to whom (unknown when the payload was trimmed), when, and
    whether the same write restarted the idle clock."""

    table: Literal["conversation", "session"]
    row_id: uuid.UUID
    owner: Owner
    at: datetime | None
    restarts_clock: bool


@dataclass(frozen=True)
class Facts:
    event: Reassigned
    conversation: StoredConversation | None
    sessions: tuple[StoredSession, ...]  # the conversation's open sessions
    leader: StoredSession | None = None  # the session the event is about (when it is about one)
    holder_in_team: bool | None = None  # whether who has the chat belongs to the team that owns it (None: not asked)


@dataclass(frozen=True)
class InStep:
    """Nothing to write, and why."""

    reason: str


@dataclass(frozen=True)
class Moves:
    """The writes that bring the chat in step, committed together or not at all."""

    changeset: Changeset
    owner: Owner
    sessions: tuple[uuid.UUID, ...]
    conversation: bool
    holding: Holding | None
    restarts_clock: bool


def leading_owner(facts: Facts) -> tuple[Owner, StoredConversation] | InStep:
    """The owner every row of the chat should have (the current owner of the row the event is about), and the
    conversation; or why there is nothing to bring in step."""
    event, stored = facts.event, facts.conversation
    problem = _session_problem(facts.leader) if event.table == "session" else None
    if problem is not None:
        return InStep(problem)
    if stored is None:
        return InStep("the conversation is gone")
    owner = facts.leader.owner if event.table == "session" and facts.leader is not None else stored.owner
    if not owner.known:
        return InStep("the row's owner could not be read")
    if event.owner.known and event.owner != owner:
        return InStep("the row changed owner again since; that change brings the chat in step")
    return owner, stored


def _session_problem(leader: StoredSession | None) -> str | None:
    if leader is None:
        return "the session is gone"
    if not leader.open:
        return "a closed session keeps the owner it had"
    if leader.conversation_id is None:
        return "the session belongs to no conversation"
    return None


def membership_question(facts: Facts) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(team, user) when it matters whether who has the chat is a member of the team it is going to."""
    lead = leading_owner(facts)
    if isinstance(lead, InStep):
        return None
    owner, stored = lead
    if owner.team is None or stored.accepted_by is None or stored.state is ConversationState.BLOCKED:
        return None
    return owner.team, stored.accepted_by


def decide(facts: Facts, *, now: datetime) -> InStep | Moves:
    lead = leading_owner(facts)
    if isinstance(lead, InStep):
        return lead
    owner, stored = lead
    sessions = tuple(row for row in facts.sessions if row.owner != owner)
    moves_conversation = stored.owner != owner
    holding = _holding(stored, owner, facts.holder_in_team)
    at = facts.event.at or now
    moved = bool(sessions) or moves_conversation or holding is not None
    # A change whose own write restarted the idle clock (the chat's Assign) needs no other unless rows move; a
    # session's change restarts it through the conversation it moves. Never back: a later activity stands.
    counted = facts.event.restarts_clock or facts.event.table == "session"
    later = stored.last_activity is not None and stored.last_activity >= at
    restart = (moved or not counted) and not later
    if not moved and not restart:
        return InStep("the conversation and its open sessions already share one owner")
    writes: list[Write] = [session.reassigned(row.id, owner, row.etag) for row in sessions]
    # The conversation is written in every plan, so a change made to it meanwhile fails the changeset (its ETag) and
    # the chat is read and decided again. A write that moves it carries its last activity even when that stands:
    # the webhook it raises then says the clock was counted, and finds nothing left to do.
    activity = at if restart else (stored.last_activity if moves_conversation or holding else None)
    writes.append(conversation.brought_in_step(stored.id, etag=stored.etag, at=at,
                                               owner=owner if moves_conversation else None, holding=holding,
                                               activity=activity))
    return Moves(Changeset(tuple(writes)), owner, tuple(row.id for row in sessions), moves_conversation, holding,
                 restart)


def _holding(stored: StoredConversation, owner: Owner, holder_in_team: bool | None) -> Holding | None:
    """Who has the chat once `owner` owns it; None when that does not change."""
    if stored.state is ConversationState.BLOCKED:
        return None
    if owner.user is not None:
        in_hand = stored.state is ConversationState.ACCEPTED and stored.accepted_by == owner.user
        return None if in_hand else Holding(owner.user)
    if stored.accepted_by is not None and holder_in_team is False:
        return Holding(None)
    return None

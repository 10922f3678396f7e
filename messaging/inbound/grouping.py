"""Which waiting texts are filed together, and what one read `$batch` asks for them: decisions over plain values.

A group never makes two change sets create the same row: a text whose conversation or session is not known to
exist (it may create them) goes alone among its conversation's texts, and the texts after it wait for the next
flush, when the rows it created are known. Texts of a conversation known to exist go together, in the order Twilio
received them (the change sets run in that order), and a second delivery of a text waits until the first is filed,
when it is found filed before. The read asks only what no text of the group holds already: conversations not
cached, sessions not known to exist, the customer match of numbers never seen (once per conversation), the
members of teams not cached.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["GroupRead", "Need", "Waiting", "choose_group", "plan_read"]


@dataclass(frozen=True)
class Waiting:
    """A text waiting to be filed, as the grouping sees it."""

    conversation: uuid.UUID
    session: uuid.UUID
    message: uuid.UUID
    received_at: datetime
    settled: bool  # its conversation and session are known to exist: filing it creates neither


def choose_group(waiting: Sequence[Waiting], limit: int) -> list[int]:
    """Indices of the texts to file together, in filing order: conversations in the order their first text
    arrived, each conversation's texts by the time Twilio received them. At least one whenever any wait."""
    by_conversation: dict[uuid.UUID, list[int]] = {}
    for index, text in enumerate(waiting):
        by_conversation.setdefault(text.conversation, []).append(index)
    chosen: list[int] = []
    for indices in by_conversation.values():
        messages: set[uuid.UUID] = set()
        for position, index in enumerate(sorted(indices, key=lambda i: (waiting[i].received_at, i))):
            if len(chosen) >= max(1, limit):
                return chosen
            text = waiting[index]
            if text.message in messages:
                break  # the same text delivered twice: the later delivery finds it filed, next time
            if not text.settled:
                if position == 0:
                    chosen.append(index)
                break
            chosen.append(index)
            messages.add(text.message)
    return chosen


@dataclass(frozen=True)
class Need:
    """What one text of a group lacks before it can be planned."""

    conversation: uuid.UUID
    session: uuid.UUID
    known: bool  # the worker holds the conversation (its state, owner, customer)
    conversation_exists: bool  # known to exist (then it is never matched again)
    session_exists: bool
    matchable: bool  # the sender's number could be read
    team: uuid.UUID | None  # a team whose members are to be read (notifications on, members not held)


@dataclass(frozen=True)
class GroupRead:
    conversations: tuple[uuid.UUID, ...]
    sessions: tuple[uuid.UUID, ...]
    matches: tuple[int, ...]  # the index of the text whose number is matched, one per conversation
    teams: tuple[uuid.UUID, ...]

    @property
    def empty(self) -> bool:
        return not (self.conversations or self.sessions or self.matches or self.teams)


def plan_read(needs: Sequence[Need]) -> GroupRead:
    """One read for the whole group, each row asked once."""
    conversations: dict[uuid.UUID, None] = {}
    sessions: dict[uuid.UUID, None] = {}
    matches: dict[uuid.UUID, int] = {}
    teams: dict[uuid.UUID, None] = {}
    for index, need in enumerate(needs):
        if not need.known:
            conversations[need.conversation] = None
            if not need.session_exists:
                sessions[need.session] = None
            if need.matchable and not need.conversation_exists:
                matches.setdefault(need.conversation, index)
        if need.team is not None:
            teams[need.team] = None
    return GroupRead(tuple(conversations), tuple(sessions), tuple(matches.values()), tuple(teams))

"""What filing an inbound text came to: the outcome its invocation reports, and a text filed but for its
pictures' files (stored afterwards by the invocation itself, so that a slow download holds up no other text)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from messaging.inbound.pictures import AwaitingFile
from messaging.inbound.rules import Text
from messaging.names import ConversationState

__all__ = ["Alone", "Filed", "InboundOutcome"]


@dataclass
class InboundOutcome:
    message_id: uuid.UUID
    stored: bool = False
    duplicate: bool = False
    conversation_created: bool = False
    session_created: bool = False
    notified: int = 0
    media_stored: int = 0
    media_unavailable: int = 0
    round_trips: int = 0  # of a text filed with others: the group's, shared by all of them
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)
    notified_as: ConversationState | None = None
    group_size: int = 1  # texts filed in the same `$batch`


@dataclass(frozen=True)
class Filed:
    """A text in Dataverse (or found there: `filed_before`), its pictures' files still to store."""

    text: Text
    outcome: InboundOutcome
    awaiting: tuple[AwaitingFile, ...] = ()
    filed_before: bool = False


@dataclass(frozen=True)
class Alone:
    """A text its group could not file (it met rows another worker created, or a conversation gone meanwhile):
    its invocation files it on its own, as without coalescing."""

    text: Text

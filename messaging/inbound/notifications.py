"""Who should hear about an inbound text (DESIGN 6.6), and the in-app notification each of them gets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from messaging.ids import notification_id
from messaging.names import SMSB_CONVERSATION, ConversationState
from messaging.rows.notification import Notification

__all__ = ["ConversationSnapshot", "notification_rows", "recipients"]

_TITLE_LENGTH = 200
_BODY_PREVIEW = 120


@dataclass(frozen=True)
class ConversationSnapshot:
    """What the inbound worker knows about a conversation when a text arrives: who owns its rows (the team, or a user
    the platform's Assign gave them to) and who has the chat (`holder`)."""

    id: uuid.UUID
    state: ConversationState
    owner_user: uuid.UUID | None
    owner_team: uuid.UUID | None
    last_activity: datetime | None
    display_name: str
    phone: str
    holder: uuid.UUID | None = None  # Accepted By while Accepted (a user owner when nobody accepted it)


def recipients(
    conversation: ConversationSnapshot,
    team_members: Iterable[uuid.UUID],
    *,
    now: datetime,
    idle_minutes: int,
) -> tuple[uuid.UUID, ...]:
    """Who hears of a text. The audience is who can see the chat: the members of the team that owns it
    (`team_members`), or the user who owns it. Pending → the audience; Accepted → whoever has the chat (its
    Accepted By), plus the audience once the chat has been idle longer than the idle timeout (they may take it
    over), and the audience alone when nobody has it; Blocked → nobody."""
    if conversation.state is ConversationState.BLOCKED:
        return ()
    audience = ((conversation.owner_user,) if conversation.owner_user is not None
                else tuple(dict.fromkeys(team_members)))
    holder = conversation.holder if conversation.state is ConversationState.ACCEPTED else None
    if holder is None:
        return audience
    idle = (conversation.last_activity is None
            or now - conversation.last_activity > timedelta(minutes=idle_minutes))
    if idle:
        return tuple(dict.fromkeys((holder, *audience)))
    return (holder,)


def notification_rows(
    conversation: ConversationSnapshot,
    message_id: uuid.UUID,
    body: str,
    people: Iterable[uuid.UUID],
) -> list[Notification]:
    """One notification per person; ids derive from the message and the person, so a retried write cannot
    notify anyone twice."""
    pending = conversation.state is ConversationState.PENDING
    title = (f"New conversation from {conversation.display_name}" if pending
             else f"New text from {conversation.display_name}")[:_TITLE_LENGTH]
    preview = body.strip() or "(picture)"
    if len(preview) > _BODY_PREVIEW:
        preview = preview[: _BODY_PREVIEW - 1] + "…"
    action_title = "Accept, Dismiss or Block" if pending else "View Message"
    data = json.dumps({
        "actions": [{
            "title": action_title,
            "data": {
                "url": f"?pagetype=entityrecord&etn={SMSB_CONVERSATION.logical_name}&id={conversation.id}",
                "navigationTarget": "newWindow",
            },
        }],
    })
    return [
        Notification(
            id=notification_id(message_id, person),
            recipient=person,
            title=title,
            body=f"{conversation.phone}: {preview}",
            data=data,
        )
        for person in people
    ]

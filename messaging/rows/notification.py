"""The in-app notification row (appnotification) a user sees pop up in Dynamics: posted for an inbound text, and
taken back when it went to the wrong people."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dataverse.odata import bind
from messaging.names import (
    APPNOTIFICATION,
    SYSTEMUSER,
    AppnotificationIcontype,
    AppnotificationPriority,
    AppnotificationToasttype,
    bind_key,
)
from messaging.plans import Mode, Write

__all__ = ["TTL_SECONDS", "Notification", "posted", "withdrawn"]

_C = APPNOTIFICATION.columns
# A text that nobody answered within a day is stale as a pop-up; the inbox pane still lists it.
TTL_SECONDS = 86_400


@dataclass(frozen=True)
class Notification:
    id: uuid.UUID
    recipient: uuid.UUID
    title: str
    body: str
    data: str


def posted(note: Notification) -> Write:
    return Write(APPNOTIFICATION, note.id, {
        _C.title: note.title,
        _C.body: note.body,
        _C.data: note.data,
        _C.icontype: int(AppnotificationIcontype.INFO),
        _C.toasttype: int(AppnotificationToasttype.TIMED),
        _C.priority: int(AppnotificationPriority.HIGH),
        _C.ttlinseconds: TTL_SECONDS,
        bind_key(APPNOTIFICATION.navigation.ownerid): bind(SYSTEMUSER.entity_set, note.recipient),
    }, Mode.CREATE_WITH_ID)


def withdrawn(note: Notification) -> Write:
    return Write(APPNOTIFICATION, note.id, mode=Mode.DELETE)

"""Deterministic row ids (DESIGN 5): the same input always names the same row, so every write is idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

__all__ = [
    "NAMESPACE",
    "conversation_id",
    "inbound_message_id",
    "media_id",
    "notification_id",
    "outbound_message_id",
    "session_id",
]

# Fixed for the life of the product: changing it would orphan every row already written.
NAMESPACE = uuid.UUID("6f1c5d0e-4a8b-5e7e-9a51-5d3b1c0f8e21")


def _norm(value: uuid.UUID | str) -> str:
    return str(uuid.UUID(str(value)))


def conversation_id(configuration_id: uuid.UUID | str, e164: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"conversation:{_norm(configuration_id)}:{e164}")


def session_id(conversation: uuid.UUID | str, window_start: datetime) -> uuid.UUID:
    start = window_start.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return uuid.uuid5(NAMESPACE, f"session:{_norm(conversation)}:{start}")


def inbound_message_id(message_sid: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"message:{message_sid}")


def outbound_message_id(outbox_id: uuid.UUID | str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"message:outbox:{_norm(outbox_id)}")


def media_id(message_id: uuid.UUID, index: int) -> uuid.UUID:
    """The Message Media row of a text's picture `index` (0-based, as Twilio numbers MediaUrl0…)."""
    return uuid.uuid5(NAMESPACE, f"media:{message_id}:{index}")


def notification_id(message_id: uuid.UUID, recipient: uuid.UUID) -> uuid.UUID:
    """One in-app notification per text and person: a retried write cannot notify anyone twice."""
    return uuid.uuid5(NAMESPACE, f"notification:{message_id}:{recipient}")

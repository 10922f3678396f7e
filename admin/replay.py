"""Poison queues: see what failed and why, then put it back once the cause is fixed.

The Functions host moves a message that failed `maxDequeueCount` times to `<queue>-poison` with its content
unchanged; the worker wrote an Error Log row with the same correlation id. Listing joins the two; replaying moves
messages back to their queue (oldest first), where the normal, idempotent pipeline takes them again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure.storage.queue import QueueServiceClient

__all__ = ["PoisonMessage", "ReplayReport", "list_poison", "replay", "source_queue"]

PEEK_LIMIT = 32  # the most one peek returns
_REPLAY_VISIBILITY = 60
ErrorLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class PoisonMessage:
    id: str
    inserted_on: datetime | None
    kind: str
    correlation_id: str | None
    reference: str | None
    error: str | None


@dataclass
class ReplayReport:
    queue: str
    target: str
    moved: list[str] = field(default_factory=list)
    dry_run: bool = False


def source_queue(poison_queue: str) -> str:
    if not poison_queue.endswith("-poison"):
        raise ValueError(f"{poison_queue} is not a poison queue (its name ends with -poison)")
    return poison_queue.removesuffix("-poison")


def _describe(content: str) -> tuple[str, str | None, str | None]:
    """Kind, correlation id and a reference (Twilio SID or row id) — never the text of a message."""
    try:
        data: Any = json.loads(base64.b64decode(content, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return "unreadable", None, None
    if not isinstance(data, dict):
        return "unreadable", None, None
    kind = str(data.get("kind", "unknown"))
    form = data.get("form") if kind == "deferred" else None
    if isinstance(form, list):
        # A webhook queued before its signature was checked: the SID as Twilio (or whoever) sent it.
        sids = [str(p[1]) for p in form if isinstance(p, list) and len(p) == 2 and p[0] == "MessageSid"]
        return kind, data.get("correlation_id"), sids[0] if sids else None
    twilio = data.get("message") or data.get("callback")
    if isinstance(twilio, dict):
        # Queued Twilio webhooks keep every (name, value) pair Twilio sent; only the SID is shown.
        pairs = {str(p[0]): str(p[1]) for p in twilio.get("raw", []) if isinstance(p, list) and len(p) == 2}
        return kind, data.get("correlation_id"), pairs.get("MessageSid")
    reference = next((str(v) for k, v in data.items() if k.endswith("_id") and k != "correlation_id"), None)
    return kind, data.get("correlation_id"), reference


def list_poison(service: QueueServiceClient, queue: str, errors: ErrorLookup | None = None) -> list[PoisonMessage]:
    """Up to 32 messages waiting in `queue` (a poison queue), with the error recorded for each."""
    source_queue(queue)
    listed: list[PoisonMessage] = []
    for message in service.get_queue_client(queue).peek_messages(max_messages=PEEK_LIMIT):
        kind, correlation, reference = _describe(message.content)
        listed.append(PoisonMessage(
            id=message.id, inserted_on=message.inserted_on, kind=kind, correlation_id=correlation,
            reference=reference, error=errors(correlation) if errors and correlation else None,
        ))
    return listed


def replay(service: QueueServiceClient, queue: str, *, dry_run: bool = False, limit: int | None = None,
           progress: Callable[[int], None] | None = None) -> ReplayReport:
    """Move messages from `queue` back to the queue they came from; with `dry_run`, only say which."""
    target = source_queue(queue)
    report = ReplayReport(queue=queue, target=target, dry_run=dry_run)
    poison = service.get_queue_client(queue)
    if dry_run:
        report.moved = [m.id for m in poison.peek_messages(max_messages=min(limit or PEEK_LIMIT, PEEK_LIMIT))]
        return report
    destination = service.get_queue_client(target)
    while limit is None or len(report.moved) < limit:
        batch = list(poison.receive_messages(max_messages=PEEK_LIMIT, visibility_timeout=_REPLAY_VISIBILITY))
        if not batch:
            break
        for message in batch:
            if limit is not None and len(report.moved) >= limit:
                # Received but not moved: it becomes visible in the poison queue again shortly.
                break
            # Send before delete: a crash in between leaves a copy in both queues, never in neither; the
            # pipeline is idempotent, so the copy costs nothing.
            destination.send_message(message.content)
            poison.delete_message(message.id, message.pop_receipt)
            report.moved.append(message.id)
            if progress:
                progress(len(report.moved))
    return report

"""Whose Dataverse rights fill in an Outbox's text (house rule: what the app reads for a person runs with that
person's rights, never the application user's).

Anyone who may create an Outbox chooses its To and Regarding records and its text, so those records (the phone
number, consent column and every column a `{placeholder}` names) are read while impersonating the Outbox's owner
(`MSCRMCallerID`); Dataverse then answers only what both the owner and the application user may read.

Impersonation needs a user (a systemuserid). For an Outbox owned by a team, the text is filled in as the user who
created it: the person (or the workflow's owner) who asked for the text, whose rights are what they could have
read themselves. Both decisions are pure; the outbound reader makes the read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from messaging.names import OutboxStatus
from messaging.outbound.gates import Stop
from messaging.rows.outbox import Outbox, Party

__all__ = ["ACT_ON_BEHALF", "ReadRefused", "reader_of", "refused"]

ACT_ON_BEHALF = "prvActOnBehalfOfAnotherUser"


@dataclass(frozen=True)
class ReadRefused:
    """Dataverse refused a read made as someone (403): its error code and message."""

    code: str | None
    message: str


def reader_of(outbox: Outbox, application_user: uuid.UUID) -> uuid.UUID | Stop | None:
    """The user whose rights read the To record: None when that is the application user itself (no
    impersonation needed); a `Stop` when no user can be named."""
    user = outbox.owner_user
    if user is None and outbox.owner_team is not None:
        user = outbox.created_by
    if user is None:
        return Stop(OutboxStatus.FAILED, "The Outbox has no owning user or creator to fill its text in as, so "
                                         "nothing was read or sent; assign it to a user")
    return None if user == application_user else user


def refused(outbox: Outbox, error: ReadRefused, reader: uuid.UUID, record_read: Party | None = None) -> Stop:
    """The verdict when Dataverse refuses the read made as `reader` (of the To record, or of `record_read`): Failed,
    saying whose rights fell short and naming no value of the record."""
    if ACT_ON_BEHALF.lower() in (error.message or "").lower():
        return Stop(OutboxStatus.FAILED,
                    f"Not sent: the application user may not act on behalf of other users (it lacks {ACT_ON_BEHALF}), "
                    "so the text could not be filled in with its owner's rights; import the current solution and run "
                    "`smsbridge setup-team`, or give the application user the Delegate role (`smsbridge doctor`)")
    party = record_read or outbox.to
    table = party.table if party is not None and party.table else "record"
    record = f"{table} {party.id}" if party is not None and party.id else table
    who = "the owner" if reader == outbox.owner_user else "the user who created this Outbox (its owner is a team)"
    privilege = f" (Dataverse {error.code})" if error.code else ""
    return Stop(OutboxStatus.FAILED,
                f"Not sent: {who} may not read this {table} ({record}){privilege}, so nothing was filled in from it. "
                f"Give {who} read access to the {table}, or send the text from a user who has it")

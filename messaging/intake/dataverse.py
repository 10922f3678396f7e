"""Dataverse webhook events → the jobs they call for. Pure: the HTTP function enqueues what this returns."""

from __future__ import annotations

from dataverse.webhook import EntityReference, WebhookContext
from messaging.envelopes import ConfigurationJob, Job, OutboxJob, OwnershipJob, RecordTypeJob
from messaging.errors import UnhandledEvent
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_MESSAGESESSION,
    SMSB_OUTBOX,
    SMSB_RECORDTYPE,
    SYSTEMUSER,
    TEAM,
)

__all__ = ["jobs_for"]

_VALIDATE_REQUEST = SMSB_CONFIGURATION.columns.smsb_validaterequestedon
_LAST_ACTIVITY = SMSB_CONVERSATION.columns.smsb_lastactivityon
_OWNER = SMSB_CONVERSATION.columns.ownerid
_WRITES = ("Create", "Update")
_CHATS = (SMSB_CONVERSATION.logical_name, SMSB_MESSAGESESSION.logical_name)


def jobs_for(context: WebhookContext, correlation_id: str) -> list[Job]:
    table, message, row_id = context.primary_entity_name, context.message_name, context.primary_entity_id
    if table == SMSB_OUTBOX.logical_name and message in _WRITES:
        # An Update is registered only for send-after: a held row released early. The worker sends a row only
        # while it is Pending and due, so a job for anything else is a harmless no-op.
        return [OutboxJob(row_id, correlation_id, "webhook")]
    if table == SMSB_CONFIGURATION.logical_name and message in _WRITES:
        # A trimmed payload (over 256 KB) carries no Target: let the worker compare the dates itself.
        validate = context.target_omitted or (context.target is not None and _VALIDATE_REQUEST in context.target)
        return [ConfigurationJob(row_id, correlation_id, validate)]
    if table == SMSB_RECORDTYPE.logical_name and message in _WRITES:
        return [RecordTypeJob(row_id, correlation_id)]
    if table in _CHATS and message == "Update":
        return [_ownership(context, correlation_id)]
    raise UnhandledEvent(f"no handler for {message} of {table}; remove that step from the SMS Bridge webhook")


def _ownership(context: WebhookContext, correlation_id: str) -> OwnershipJob:
    """A conversation or session whose owner changed (the step filters on `ownerid`). The Target says who it was
    given to and whether the same write restarted the idle clock (the chat's Assign does, the platform's does not);
    a trimmed payload says neither, and the worker reads the rows as they are."""
    target = context.target
    owner = target.get(_OWNER) if target is not None else None
    user = team = None
    if isinstance(owner, EntityReference):
        user = owner.id if owner.logical_name == SYSTEMUSER.logical_name else None
        team = owner.id if owner.logical_name == TEAM.logical_name else None
    restarts_clock = target is not None and _LAST_ACTIVITY in target
    return OwnershipJob("conversation" if context.primary_entity_name == SMSB_CONVERSATION.logical_name else "session",
                        context.primary_entity_id, correlation_id, user, team, context.operation_created_on,
                        restarts_clock)

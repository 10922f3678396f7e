"""Dataverse webhook events → the jobs they call for. Pure: the HTTP function enqueues what this returns."""

from __future__ import annotations

from dataverse.webhook import WebhookContext
from messaging.envelopes import ConfigurationJob, Job, OutboxJob, RecordTypeJob
from messaging.errors import UnhandledEvent
from messaging.names import SMSB_CONFIGURATION, SMSB_OUTBOX, SMSB_RECORDTYPE

__all__ = ["jobs_for"]

_VALIDATE_REQUEST = SMSB_CONFIGURATION.columns.smsb_validaterequestedon
_WRITES = ("Create", "Update")


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
    raise UnhandledEvent(f"no handler for {message} of {table}; remove that step from the SMS Bridge webhook")

"""Dataverse webhook events → the jobs they call for. Pure: the HTTP function enqueues what this returns."""

from __future__ import annotations

from dataverse import WebhookContext
from messaging.errors import UnhandledEvent
from messaging.jobs import ConfigurationJob, Job, OutboxJob, RecordTypeJob

__all__ = ["jobs_for"]

_VALIDATE_REQUEST = "smsb_validaterequestedon"


def jobs_for(context: WebhookContext, correlation_id: str) -> list[Job]:
    table, message, row_id = context.primary_entity_name, context.message_name, context.primary_entity_id
    if table == "smsb_outbox" and message in ("Create", "Update"):
        # An Update is registered only for send-after: a held row released early. The worker sends a row only
        # while it is Pending and due, so a job for anything else is a harmless no-op.
        return [OutboxJob(row_id, correlation_id, "webhook")]
    if table == "smsb_configuration" and message in ("Create", "Update"):
        # A trimmed payload (over 256 KB) carries no Target: let the worker compare the dates itself.
        validate = context.target_omitted or (context.target is not None and _VALIDATE_REQUEST in context.target)
        return [ConfigurationJob(row_id, correlation_id, validate)]
    if table == "smsb_recordtype" and message in ("Create", "Update"):
        return [RecordTypeJob(row_id, correlation_id)]
    raise UnhandledEvent(f"no handler for {message} of {table}; remove that step from the SMS Bridge webhook")

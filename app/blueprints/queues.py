"""Queue workers: `sms-inbound` files texts and statuses into Dataverse; `sms-outbound` sends Outbox rows and
looks after Configurations and Record Types."""

from __future__ import annotations

import json

import azure.functions as func

from app import runtime
from app.logs import invocation

bp = func.Blueprint()


def _correlation(body: bytes) -> str | None:
    # Only a hint for the log scope: whatever the body is, the worker decides what it means (and records why not).
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    value = data.get("correlation_id") if isinstance(data, dict) else None
    return str(value) if value else None


@bp.queue_trigger(arg_name="msg", queue_name="sms-inbound", connection="AzureWebJobsStorage")
def inbound_worker(msg: func.QueueMessage) -> None:
    body = msg.get_body()
    with invocation(_correlation(body)):
        runtime.current().inbound_worker.handle(body, msg.dequeue_count or 1)


@bp.queue_trigger(arg_name="msg", queue_name="sms-outbound", connection="AzureWebJobsStorage")
def outbound_worker(msg: func.QueueMessage) -> None:
    body = msg.get_body()
    with invocation(_correlation(body)):
        runtime.current().outbound_worker.handle(body, msg.dequeue_count or 1)

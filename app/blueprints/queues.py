"""Queue workers: `sms-inbound` files texts and statuses into Dataverse; `sms-outbound` sends Outbox rows and
looks after Configurations and Record Types."""

from __future__ import annotations

import azure.functions as func

from app import runtime
from app.logs import invocation
from messaging.envelopes import read_inbound, read_outbound

bp = func.Blueprint()


# Each message is parsed once, here; one that cannot be read reaches the worker as such, which records why. A message
# Dataverse throttles goes back to its own queue as it came (`Runtime.requeue`).
@bp.queue_trigger(arg_name="msg", queue_name="sms-inbound", connection="AzureWebJobsStorage")
def inbound_worker(msg: func.QueueMessage) -> None:
    body = msg.get_body()
    message = read_inbound(body)
    with invocation(message.correlation_id):
        app = runtime.current()
        app.inbound_worker.handle(message, msg.dequeue_count or 1, app.requeue("sms-inbound", body))


@bp.queue_trigger(arg_name="msg", queue_name="sms-outbound", connection="AzureWebJobsStorage")
def outbound_worker(msg: func.QueueMessage) -> None:
    body = msg.get_body()
    job = read_outbound(body)
    with invocation(job.correlation_id):
        app = runtime.current()
        app.outbound_worker.handle(job, msg.dequeue_count or 1, app.requeue("sms-outbound", body))

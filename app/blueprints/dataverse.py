"""Dataverse's webhook (function key): parse the RemoteExecutionContext, enqueue the job, answer 202 at once."""

from __future__ import annotations

import typing

import azure.functions as func

from app import runtime
from app.http import http_endpoint, json_response
from app.logs import correlation_id
from dataverse import parse_webhook
from messaging.envelopes import ConfigurationJob
from messaging.errors import UnhandledEvent
from messaging.intake import jobs_for
from messaging.names import Severity
from messaging.rows.errorlog import ErrorSource, LoggedError

bp = func.Blueprint()


@bp.route(route="dataverse/webhook", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.queue_output(arg_name="outbound", queue_name="sms-outbound", connection="AzureWebJobsStorage")
@http_endpoint
def dataverse_webhook(
    req: func.HttpRequest,
    # Microsoft's Python worker refuses PEP 585's list[str] inside func.Out ("invalid non-type annotation")
    outbound: func.Out[typing.List[str]],  # noqa: UP006 - the worker accepts only typing generics here
) -> func.HttpResponse:
    context = parse_webhook(req.get_body(), dict(req.headers.items()))
    cid = correlation_id() or ""
    try:
        jobs = jobs_for(context, cid)
    except UnhandledEvent as exc:
        runtime.current().store.record(LoggedError(
            source=ErrorSource.WEBHOOK, name="Webhook for an event SMS Bridge does not handle", details=str(exc),
            severity=Severity.WARNING, correlation_id=cid, related_entity=context.primary_entity_name,
            related_id=str(context.primary_entity_id),
        ))
        raise
    if any(isinstance(job, ConfigurationJob) for job in jobs):
        # Twilio may use a new or changed number at once: reload the Configuration map (in the background).
        runtime.current().directory.request_refresh()
    outbound.set([job.to_json() for job in jobs])
    return json_response({"accepted": len(jobs)}, 202)

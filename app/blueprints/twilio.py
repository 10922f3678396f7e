"""Twilio's webhooks: verify, parse, enqueue, answer — no Dataverse writes on this path (DESIGN 4.1)."""

from __future__ import annotations

import azure.functions as func

from app import runtime
from app.http import http_endpoint
from app.logs import correlation_id
from messaging.intake import IncomingRequest

bp = func.Blueprint()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
QUEUE = "sms-inbound"


def _incoming(req: func.HttpRequest) -> IncomingRequest:
    content_type = req.headers.get("Content-Type", "")
    form = req.form if content_type.startswith("application/x-www-form-urlencoded") else None
    return IncomingRequest(url=req.url, form=form, body=req.get_body(), content_type=content_type,
                           headers=dict(req.headers.items()))


@bp.route(route="twilio/messages", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.queue_output(arg_name="inbound", queue_name=QUEUE, connection="AzureWebJobsStorage")
@http_endpoint
def twilio_messages(req: func.HttpRequest, inbound: func.Out[str]) -> func.HttpResponse:
    envelope = runtime.current().intake.inbound(_incoming(req), correlation_id() or "")
    inbound.set(envelope.to_json())
    return func.HttpResponse(EMPTY_TWIML, status_code=200, mimetype="text/xml", charset="utf-8")


@bp.route(route="twilio/status", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.queue_output(arg_name="inbound", queue_name=QUEUE, connection="AzureWebJobsStorage")
@http_endpoint
def twilio_status(req: func.HttpRequest, inbound: func.Out[str]) -> func.HttpResponse:
    envelope = runtime.current().intake.status(_incoming(req), correlation_id() or "")
    inbound.set(envelope.to_json())
    return func.HttpResponse(status_code=204)

"""`GET /api/media/{id}`: an Outbox attachment for Twilio to fetch as MMS media, behind an expiring HMAC link.

What is served inline, with which type and name, is decided from the file's bytes (`messaging.outbound.served_media`):
only raster images; anything else is an attachment. Every answer carries `nosniff` and a sandbox policy."""

from __future__ import annotations

import uuid

import azure.functions as func

from app import runtime
from app.http import http_endpoint
from messaging.outbound.served_media import SECURITY_HEADERS, serve

bp = func.Blueprint()


@bp.route(route="media/{id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def media(req: func.HttpRequest) -> func.HttpResponse:
    app = runtime.current()
    outbox_id = req.route_params.get("id", "")
    app.media_links.verify(outbox_id, req.params.get("exp", ""), req.params.get("sig", ""))
    stored = app.dataverse.fetch_file("smsb_outboxes", uuid.UUID(outbox_id), "smsb_attachment")
    served = serve(stored.content, stored.file_name, f"{outbox_id}.bin")
    return func.HttpResponse(stored.content, status_code=200, mimetype=served.content_type, headers={
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": served.content_disposition,
        **SECURITY_HEADERS,
    })

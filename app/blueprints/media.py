"""`GET /api/media/{id}`: an Outbox attachment for Twilio to fetch as MMS media, behind an expiring HMAC link."""

from __future__ import annotations

import mimetypes
import uuid

import azure.functions as func

from app import runtime
from app.http import http_endpoint

bp = func.Blueprint()

_FALLBACK_TYPE = "application/octet-stream"


@bp.route(route="media/{id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def media(req: func.HttpRequest) -> func.HttpResponse:
    app = runtime.current()
    outbox_id = req.route_params.get("id", "")
    app.media_links.verify(outbox_id, req.params.get("exp", ""), req.params.get("sig", ""))
    stored = app.dataverse.fetch_file("smsb_outboxes", uuid.UUID(outbox_id), "smsb_attachment")
    name = stored.file_name or f"{outbox_id}.bin"
    content_type = mimetypes.guess_type(name)[0] or _FALLBACK_TYPE
    return func.HttpResponse(stored.content, status_code=200, mimetype=content_type, headers={
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f'inline; filename="{name}"',
    })

"""`GET /api/health` for operators and probes: settings sanity and reachability of what the app depends on."""

from __future__ import annotations

import azure.functions as func

from app.health import check_health
from app.http import http_endpoint, json_response

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    report = check_health()
    return json_response(report.to_json(), 200 if report.healthy else 503)

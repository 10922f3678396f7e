"""`GET /api/health` for operators and probes (anonymous: a status per check), and `GET /api/health/details`
(function key: what failed and why). Results are kept for a few seconds, so probes cost Dataverse next to nothing."""

from __future__ import annotations

import azure.functions as func

from app import runtime
from app.health import HealthMonitor, check_health
from app.http import http_endpoint, json_response

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    report = check_health(_monitor)
    return json_response(report.to_json(), 200 if report.healthy else 503)


@bp.route(route="health/details", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@http_endpoint
def health_details(req: func.HttpRequest) -> func.HttpResponse:
    report = check_health(_monitor)
    return json_response(report.to_json(details=True), 200 if report.healthy else 503)


def _monitor() -> HealthMonitor:
    return runtime.current().health

"""Test control over HTTP under ``/_devstack/``: request log, faults, reset, webhook deliveries, seed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from .errors import INVALID_ARGUMENT, ODataError
from .protocol import Outcome

if TYPE_CHECKING:
    from .service import DataverseEmulator

_FAULT_FIELDS = {"path_pattern", "status", "retry_after", "count", "share", "latency_ms", "method"}


def handle_devstack(emulator: DataverseEmulator, request: Request) -> Outcome:
    route = _ROUTES.get((request.method, request.path.rstrip("/")))
    if route is None:
        routes = ", ".join(f"{m} {p}" for m, p in _ROUTES)
        return Outcome.error(
            ODataError(404, "0x80060888", f"No devstack route {request.method} {request.path}. Routes: {routes}.")
        )
    try:
        return route(emulator, request)
    except (ValueError, TypeError) as exc:
        return Outcome.error(ODataError(400, INVALID_ARGUMENT, str(exc)))
    except ODataError as err:
        return Outcome.error(err)


def _requests(emulator: DataverseEmulator, _request: Request) -> Outcome:
    return Outcome.json(
        200, {"requests": [r.to_json() for r in emulator.requests.records], "counters": emulator.requests.counters()}
    )


def _clear_requests(emulator: DataverseEmulator, _request: Request) -> Outcome:
    emulator.requests.clear()
    return Outcome(204)


def _faults(emulator: DataverseEmulator, _request: Request) -> Outcome:
    return Outcome.json(200, {"faults": [r.to_json() for r in emulator.faults.rules]})


def _add_fault(emulator: DataverseEmulator, request: Request) -> Outcome:
    spec = _json(request)
    if "path_pattern" not in spec:
        raise ODataError(400, INVALID_ARGUMENT, "A fault needs path_pattern.")
    unknown = set(spec) - _FAULT_FIELDS
    if unknown:
        raise ODataError(400, INVALID_ARGUMENT, f"Unknown fault field(s): {', '.join(sorted(unknown))}.")
    return Outcome.json(201, emulator.faults.add(**spec).to_json())


def _clear_faults(emulator: DataverseEmulator, _request: Request) -> Outcome:
    emulator.faults.clear()
    return Outcome(204)


def _reset(emulator: DataverseEmulator, _request: Request) -> Outcome:
    emulator.reset()
    return Outcome(204)


def _webhooks(emulator: DataverseEmulator, _request: Request) -> Outcome:
    return Outcome.json(200, {"deliveries": [d.to_json() for d in emulator.webhooks.deliveries]})


def _seed(emulator: DataverseEmulator, _request: Request) -> Outcome:
    return Outcome.json(200, emulator.seed_demo())


def _json(request: Request) -> dict[str, Any]:
    data = json.loads(request.get_data() or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


_ROUTES: dict[tuple[str, str], Callable[[DataverseEmulator, Request], Outcome]] = {
    ("GET", "/_devstack/requests"): _requests,
    ("DELETE", "/_devstack/requests"): _clear_requests,
    ("GET", "/_devstack/faults"): _faults,
    ("POST", "/_devstack/faults"): _add_fault,
    ("DELETE", "/_devstack/faults"): _clear_faults,
    ("POST", "/_devstack/reset"): _reset,
    ("GET", "/_devstack/webhooks"): _webhooks,
    ("POST", "/_devstack/seed"): _seed,
}

"""Test control over HTTP under ``/_devstack/``: request log, faults, service protection, reset, webhook deliveries,
seed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from werkzeug.wrappers import Request

from .errors import INVALID_ARGUMENT, ODataError
from .faults import Faults, RequestLog
from .protocol import Outcome
from .service_limits import Limits
from .service_protection import ServiceProtection
from .webhooks import WebhookDispatcher

__all__ = ["Controlled", "handle_devstack"]

_FAULT_FIELDS = {"path_pattern", "status", "retry_after", "count", "share", "latency_ms", "method"}


class Controlled(Protocol):
    """What the control routes reach: the emulator's request log, faults and deliveries, reset and seed."""

    requests: RequestLog
    faults: Faults
    protection: ServiceProtection
    webhooks: WebhookDispatcher

    def reset(self) -> None: ...

    def seed_demo(self) -> dict[str, Any]: ...


def handle_devstack(emulator: Controlled, request: Request) -> Outcome:
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


def _requests(emulator: Controlled, _request: Request) -> Outcome:
    return Outcome.json(
        200, {"requests": [r.to_json() for r in emulator.requests.records], "counters": emulator.requests.counters()}
    )


def _clear_requests(emulator: Controlled, _request: Request) -> Outcome:
    emulator.requests.clear()
    return Outcome(204)


def _faults(emulator: Controlled, _request: Request) -> Outcome:
    return Outcome.json(200, {"faults": [r.to_json() for r in emulator.faults.rules]})


def _add_fault(emulator: Controlled, request: Request) -> Outcome:
    spec = _json(request)
    if "path_pattern" not in spec:
        raise ODataError(400, INVALID_ARGUMENT, "A fault needs path_pattern.")
    unknown = set(spec) - _FAULT_FIELDS
    if unknown:
        raise ODataError(400, INVALID_ARGUMENT, f"Unknown fault field(s): {', '.join(sorted(unknown))}.")
    return Outcome.json(201, emulator.faults.add(**spec).to_json())


def _clear_faults(emulator: Controlled, _request: Request) -> Outcome:
    emulator.faults.clear()
    return Outcome(204)


def _limits(emulator: Controlled, _request: Request) -> Outcome:
    return Outcome.json(200, emulator.protection.describe())


def _set_limits(emulator: Controlled, request: Request) -> Outcome:
    """Turn service protection on, with the documented figures or the given ones (``Limits`` fields)."""
    spec = _json(request)
    unknown = set(spec) - set(Limits.__dataclass_fields__)
    if unknown:
        raise ODataError(400, INVALID_ARGUMENT, f"Unknown limit field(s): {', '.join(sorted(unknown))}.")
    emulator.protection.configure(Limits(**spec))
    return Outcome.json(200, emulator.protection.describe())


def _clear_limits(emulator: Controlled, _request: Request) -> Outcome:
    emulator.protection.configure(None)
    return Outcome(204)


def _reset(emulator: Controlled, _request: Request) -> Outcome:
    emulator.reset()
    return Outcome(204)


def _webhooks(emulator: Controlled, _request: Request) -> Outcome:
    return Outcome.json(200, {"deliveries": [d.to_json() for d in emulator.webhooks.deliveries]})


def _seed(emulator: Controlled, _request: Request) -> Outcome:
    return Outcome.json(200, emulator.seed_demo())


def _json(request: Request) -> dict[str, Any]:
    data = json.loads(request.get_data() or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


_ROUTES: dict[tuple[str, str], Callable[[Controlled, Request], Outcome]] = {
    ("GET", "/_devstack/requests"): _requests,
    ("DELETE", "/_devstack/requests"): _clear_requests,
    ("GET", "/_devstack/faults"): _faults,
    ("POST", "/_devstack/faults"): _add_fault,
    ("DELETE", "/_devstack/faults"): _clear_faults,
    ("GET", "/_devstack/limits"): _limits,
    ("POST", "/_devstack/limits"): _set_limits,
    ("DELETE", "/_devstack/limits"): _clear_limits,
    ("POST", "/_devstack/reset"): _reset,
    ("GET", "/_devstack/webhooks"): _webhooks,
    ("POST", "/_devstack/seed"): _seed,
}

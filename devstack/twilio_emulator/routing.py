"""What every route handler gets and answers with: the authenticated call, and Twilio-shaped JSON responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.openapi import OperationSpec
from devstack.twilio_emulator.resources import Account

if TYPE_CHECKING:
    from devstack.twilio_emulator.core import EmulatorCore

__all__ = ["NOBODY", "Call", "Handler", "api_error", "json_response", "object_body"]


@dataclass(frozen=True, slots=True)
class Call:
    """One request, the emulator it is for, the account it acts for, its path values and its operation."""

    emulator: EmulatorCore
    request: Request
    account: Account
    path: Mapping[str, str]
    spec: OperationSpec | None


Handler = Callable[[Call], Response]
# The caller of the routes that need no credentials (/_devstack, the CDN).
NOBODY = Account(sid="", auth_token="", friendly_name="anonymous")


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=dict(headers or {}))


def api_error(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(error.body(), error.status, headers)


def object_body(request: Request) -> dict[str, Any]:
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise EmulatorError("expected a JSON object or a form")
    return data

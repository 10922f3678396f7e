"""The emulator's own routes: the media CDN (``/_cdn/<token>``) and ``/_devstack/…``, where tests and people play
the customer's phone, read what was sent and delivered, and inject faults and carrier outcomes."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import requests
from werkzeug.wrappers import Response

from devstack.twilio_emulator.errors import EmulatorError
from devstack.twilio_emulator.faults import Fault
from devstack.twilio_emulator.resources import InboundMedia, Message
from devstack.twilio_emulator.routing import Call, Handler, json_response, object_body

__all__ = ["CONTROL_ROUTES"]


def cdn(call: Call) -> Response:
    media = call.emulator.media_handler.cdn_fetch(
        call.path["token"], authorization=call.request.headers.get("Authorization") is not None
    )
    if media is None:
        return Response("expired or unknown media link", status=403, mimetype="text/plain")
    return Response(media.content, status=200, content_type=media.content_type)


def inbound(call: Call) -> Response:
    request = call.request
    if request.is_json:
        data = request.get_json()
        if not isinstance(data, dict):
            raise EmulatorError("the inbound body must be a JSON object")
        media = [
            InboundMedia(base64.b64decode(item["content_base64"]), item.get("content_type", "image/jpeg"))
            for item in data.get("Media", [])
        ]
        fields: Mapping[str, Any] = data
        urls = list(data.get("MediaUrl", []))
    else:
        media = [
            InboundMedia(upload.read(), upload.mimetype or "application/octet-stream")
            for upload in request.files.values()
        ]
        fields = request.form
        urls = request.form.getlist("MediaUrl")
    media += [_download(url) for url in urls]
    if not fields.get("From") or not fields.get("To"):
        raise EmulatorError("the customer phone needs From and To")
    if call.emulator.base_url is None:
        call.emulator.base_url = request.host_url.rstrip("/")
    result = call.emulator.send_inbound(str(fields["From"]), str(fields["To"]), str(fields.get("Body", "")), media)
    return json_response(result.to_json())


def all_messages(call: Call) -> Response:
    return json_response({"messages": [_devstack_message(m) for m in call.emulator.messages]})


def webhooks(call: Call) -> Response:
    kind = call.request.args.get("kind")
    sid = call.request.args.get("message_sid")
    deliveries = [
        d.to_json()
        for d in call.emulator.deliveries.all()
        if (kind is None or d.kind == kind) and (sid is None or d.message_sid == sid)
    ]
    return json_response({"deliveries": deliveries})


def api_requests(call: Call) -> Response:
    return json_response({"requests": [r.to_json() for r in call.emulator.requests]})


def cdn_requests(call: Call) -> Response:
    requests_seen = call.emulator.cdn_requests
    return json_response(
        {"requests": [{"media_sid": r.media_sid, "authorization": r.authorization} for r in requests_seen]}
    )


def reset(call: Call) -> Response:
    call.emulator.reset()
    return Response(status=204)


def list_faults(call: Call) -> Response:
    return json_response({"faults": [f.to_json() for f in call.emulator.faults.active()]})


def add_fault(call: Call) -> Response:
    fault = call.emulator.faults.add(Fault.from_json(object_body(call.request)))
    return json_response(fault.to_json(), 201)


def clear_faults(call: Call) -> Response:
    call.emulator.faults.clear()
    return Response(status=204)


def set_outcome(call: Call) -> Response:
    data = object_body(call.request)
    code = data.get("error_code")
    call.emulator.set_outcome(str(data["to"]), str(data["status"]), int(code) if code is not None else None)
    return Response(status=204)


def add_number(call: Call) -> Response:
    """Add a number, or reconfigure it when it exists (``sms_url``, ``sms_method``, ...)."""
    data = {key: str(value) for key, value in object_body(call.request).items()}
    phone = data.pop("phone_number")
    account_sid = data.pop("account_sid", call.emulator.default_account_sid)
    if any(n.phone_number == phone for n in call.emulator.numbers):
        return json_response(call.emulator.configure_number(phone, **data).to_json(), 200)
    return json_response(call.emulator.add_number(account_sid, phone, **data).to_json(), 201)


def add_account(call: Call) -> Response:
    data = object_body(call.request)
    account = call.emulator.add_account(
        str(data["sid"]), str(data["auth_token"]), status=str(data.get("status", "active"))
    )
    return json_response(account.to_json(), 201)


def _download(url: str) -> InboundMedia:
    try:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise EmulatorError(f"could not fetch MediaUrl {url}: {exc}") from exc
    return InboundMedia(response.content, response.headers.get("Content-Type", "application/octet-stream"))


def _devstack_message(message: Message) -> dict[str, Any]:
    data = message.to_json()
    data["from"] = message.from_
    data["status_callback"] = message.status_callback
    data["media"] = [m.to_json() for m in message.media]
    return data


CONTROL_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"^/_cdn/(?P<token>[A-Za-z0-9_-]+)$", cdn),
    ("POST", r"^/_devstack/inbound$", inbound),
    ("GET", r"^/_devstack/messages$", all_messages),
    ("GET", r"^/_devstack/webhooks$", webhooks),
    ("GET", r"^/_devstack/cdn$", cdn_requests),
    ("GET", r"^/_devstack/requests$", api_requests),
    ("POST", r"^/_devstack/reset$", reset),
    ("GET", r"^/_devstack/faults$", list_faults),
    ("POST", r"^/_devstack/faults$", add_fault),
    ("DELETE", r"^/_devstack/faults$", clear_faults),
    ("POST", r"^/_devstack/outcomes$", set_outcome),
    ("POST", r"^/_devstack/numbers$", add_number),
    ("POST", r"^/_devstack/accounts$", add_account),
]

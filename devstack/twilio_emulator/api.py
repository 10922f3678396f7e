"""HTTP face of the emulator: Twilio's REST paths, the messaging v1 paths, the CDN and ``/_devstack``.

Domain mapping: twilio-python builds every URL as ``<domain base URL>/<path>``; the emulator serves
``api.twilio.com`` paths (``/2010-04-01/...``) and ``messaging.twilio.com`` paths (``/v1/Services...``)
on the same server, which cannot collide. Point both domains at it::

    client.api.base_url = client.messaging.base_url = emulator_url
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.faults import Fault
from devstack.twilio_emulator.openapi import OperationSpec, load_spec
from devstack.twilio_emulator.resources import Account, InboundMedia, Message, utcnow

if TYPE_CHECKING:
    from devstack.twilio_emulator.emulator import TwilioEmulator

__all__ = ["ApiRequest", "EmulatorApp"]

Handler = Callable[["Call"], Response]
_API = r"^/2010-04-01/Accounts/(?P<AccountSid>[^/]+)"
_SERVICE_PARAMS = frozenset(
    {
        "FriendlyName",
        "InboundRequestUrl",
        "InboundMethod",
        "FallbackUrl",
        "FallbackMethod",
        "StatusCallback",
        "StickySender",
        "MmsConverter",
        "SmartEncoding",
        "ScanMessageContent",
        "FallbackToLongCode",
        "AreaCodeGeomatch",
        "ValidityPeriod",
        "SynchronousValidation",
        "Usecase",
        "UseInboundWebhookOnNumber",
    }
)


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated API request, its path values and the operation it maps to."""

    request: Request
    account: Account
    path: Mapping[str, str]
    spec: OperationSpec | None


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request the emulator answered (``/_devstack`` and CDN requests are not recorded)."""

    method: str
    path: str
    query: str
    status: int
    faulted: bool
    at: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "faulted": self.faulted,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    spec_path: str | None  # the OpenAPI path of a 2010 operation
    auth: bool


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=dict(headers or {}))


def _api_error(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    return _json(error.body(), error.status, headers)


class EmulatorApp:
    """The WSGI application; ``emulator.wsgi_app`` is an instance."""

    def __init__(self, emulator: TwilioEmulator) -> None:
        self.emulator = emulator
        self._released = threading.Event()
        self._routes = self._build_routes()
        self._requests: list[ApiRequest] = []
        self._requests_lock = threading.Lock()

    @property
    def requests(self) -> list[ApiRequest]:
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def _record(self, request: Request, status: int, faulted: bool) -> None:
        entry = ApiRequest(request.method, request.path, request.query_string.decode("latin-1"), status, faulted)
        with self._requests_lock:
            self._requests.append(entry)

    def release_hangs(self) -> None:
        """Let requests held by a ``hang`` fault finish now (the server is stopping)."""
        self._released.set()

    # ----------------------------------------------------------------- routing

    def _build_routes(self) -> list[_Route]:
        api: list[tuple[str, str, Handler, str | None]] = [
            ("GET", r"^/2010-04-01/Accounts/(?P<Sid>[^/]+)\.json$", self._fetch_account, "/Accounts/{Sid}.json"),
            ("GET", _API + r"/Messages\.json$", self._list_messages, "/Messages.json"),
            ("POST", _API + r"/Messages\.json$", self._create_message, "/Messages.json"),
            ("GET", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", self._fetch_message, "/Messages/{Sid}.json"),
            ("POST", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", self._update_message, "/Messages/{Sid}.json"),
            ("DELETE", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", self._delete_message, "/Messages/{Sid}.json"),
            ("GET", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media\.json$", self._list_media, "/Media.json"),
            (
                "GET",
                _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/]+)\.json$",
                self._fetch_media,
                "/Media/{Sid}.json",
            ),
            (
                "DELETE",
                _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/]+)\.json$",
                self._delete_media,
                "/Media/{Sid}.json",
            ),
            ("GET", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/.]+)$", self._media_content, None),
            ("GET", _API + r"/IncomingPhoneNumbers\.json$", self._list_numbers, "/IncomingPhoneNumbers.json"),
            (
                "GET",
                _API + r"/IncomingPhoneNumbers/(?P<Sid>[^/]+)\.json$",
                self._fetch_number,
                "/IncomingPhoneNumbers/{Sid}.json",
            ),
            (
                "POST",
                _API + r"/IncomingPhoneNumbers/(?P<Sid>[^/]+)\.json$",
                self._update_number,
                "/IncomingPhoneNumbers/{Sid}.json",
            ),
            ("GET", r"^/v1/Services$", self._list_services, None),
            ("GET", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})$", self._fetch_service, None),
            ("POST", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})$", self._update_service, None),
            ("GET", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})/PhoneNumbers$", self._service_numbers, None),
        ]
        devstack: list[tuple[str, str, Handler]] = [
            ("GET", r"^/_cdn/(?P<token>[A-Za-z0-9_-]+)$", self._cdn),
            ("POST", r"^/_devstack/inbound$", self._inbound),
            ("GET", r"^/_devstack/messages$", self._all_messages),
            ("GET", r"^/_devstack/webhooks$", self._webhooks),
            ("GET", r"^/_devstack/cdn$", self._cdn_requests),
            ("GET", r"^/_devstack/requests$", self._api_requests),
            ("POST", r"^/_devstack/reset$", self._reset),
            ("GET", r"^/_devstack/faults$", self._list_faults),
            ("POST", r"^/_devstack/faults$", self._add_fault),
            ("DELETE", r"^/_devstack/faults$", self._clear_faults),
            ("POST", r"^/_devstack/outcomes$", self._set_outcome),
            ("POST", r"^/_devstack/numbers$", self._add_number),
            ("POST", r"^/_devstack/accounts$", self._add_account),
        ]
        routes = [
            _Route(method, re.compile(pattern), handler, _spec_path(tail), auth=True)
            for method, pattern, handler, tail in api
        ]
        routes += [
            _Route(method, re.compile(pattern), handler, None, auth=False) for method, pattern, handler in devstack
        ]
        return routes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            faulted: list[Fault] = []
            try:
                response = self._run(route, request, match.groupdict(), faulted)
            except ApiError as error:
                headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else None
                response = _api_error(error, headers)
            except EmulatorError as error:
                response = _json({"error": str(error)}, 400)
            if route.auth:
                self._record(request, response.status_code, bool(faulted))
            return response
        if allowed:
            return _api_error(
                ApiError(405, 20004, f"Method {request.method} not allowed; use {', '.join(allowed)}"),
                {"Allow": ", ".join(allowed)},
            )
        return _api_error(ApiError(404, 20404, f"The requested resource {request.path} was not found"))

    def _run(self, route: _Route, request: Request, path: dict[str, str], faulted: list[Fault]) -> Response:
        if not route.auth:
            return route.handler(Call(request, _NOBODY, path, None))
        auth = request.authorization
        caller = self.emulator.authenticate(
            auth.username if auth else None, auth.password if auth and auth.type == "basic" else None
        )
        spec = load_spec().operation(route.method, route.spec_path) if route.spec_path else None
        if spec is not None:
            spec.check_path(path)
            if request.method == "POST":
                spec.check_form(request.form)
            else:
                spec.check_query(request.args)
        account_sid = path.get("AccountSid") or (path["Sid"] if route.handler == self._fetch_account else caller.sid)
        account = self.emulator.authorize(caller, account_sid, allow_inactive=route.handler == self._fetch_account)
        call = Call(request, account, path, spec)
        fault = self.emulator.faults.take(request.method, request.path)
        if fault is None:
            return route.handler(call)
        faulted.append(fault)
        return self._faulty(fault, route, call)

    def _faulty(self, fault: Fault, route: _Route, call: Call) -> Response:
        response = route.handler(call) if fault.create_anyway else None
        if fault.hang > 0:
            self._released.wait(fault.hang)
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            return _api_error(ApiError(fault.status, fault.error_code, fault.error_message), headers)
        return response if response is not None else route.handler(call)

    # ----------------------------------------------------------------- 2010 API

    def _fetch_account(self, call: Call) -> Response:
        return _json(call.account.to_json())

    def _create_message(self, call: Call) -> Response:
        _, answer = self.emulator.create_message_answer(call.account.sid, call.request.form)
        return _json(answer, 201)

    def _fetch_message(self, call: Call) -> Response:
        return _json(self.emulator.get_message(call.account.sid, call.path["Sid"]).to_json())

    def _update_message(self, call: Call) -> Response:
        message = self.emulator.update_message(call.account.sid, call.path["Sid"], call.request.form)
        return _json(message.to_json())

    def _delete_message(self, call: Call) -> Response:
        self.emulator.delete_message(call.account.sid, call.path["Sid"])
        return Response(status=204)

    def _list_messages(self, call: Call) -> Response:
        messages = self.emulator.list_messages(call.account.sid, call.request.args)
        return self._page(call, messages, "messages", lambda m: m.to_json())

    def _list_media(self, call: Call) -> Response:
        message = self.emulator.get_message(call.account.sid, call.path["MessageSid"])
        return self._page(call, list(message.media), "media_list", lambda m: m.to_json())

    def _fetch_media(self, call: Call) -> Response:
        media = self.emulator.get_media(call.account.sid, call.path["MessageSid"], call.path["Sid"])
        return _json(media.to_json())

    def _delete_media(self, call: Call) -> Response:
        self.emulator.delete_media(call.account.sid, call.path["MessageSid"], call.path["Sid"])
        return Response(status=204)

    def _media_content(self, call: Call) -> Response:
        media = self.emulator.get_media(call.account.sid, call.path["MessageSid"], call.path["Sid"])
        token = self.emulator.cdn_token(media)
        base = (self.emulator.cdn_base_url or call.request.host_url).rstrip("/")
        return Response(status=307, headers={"Location": f"{base}/_cdn/{token}"})

    def _list_numbers(self, call: Call) -> Response:
        numbers = self.emulator.list_numbers(call.account.sid, call.request.args.get("PhoneNumber"))
        return self._page(call, numbers, "incoming_phone_numbers", lambda n: n.to_json())

    def _fetch_number(self, call: Call) -> Response:
        return _json(self.emulator.get_number(call.account.sid, call.path["Sid"]).to_json())

    def _update_number(self, call: Call) -> Response:
        number = self.emulator.update_number(call.account.sid, call.path["Sid"], call.request.form)
        return _json(number.to_json())

    def _page(self, call: Call, items: Sequence[Any], key: str, render: Callable[[Any], dict[str, Any]]) -> Response:
        args = call.request.args
        size = int(args.get("PageSize", "50"))
        page = int(args.get("Page", "0"))
        start = page * size
        token = args.get("PageToken")
        if token and token.startswith("PA"):
            # The token names the last item already seen, so inserts meanwhile do not repeat items.
            sids = [getattr(item, "sid", "") for item in items]
            if token[2:] in sids:
                start = sids.index(token[2:]) + 1
        chunk = items[start : start + size]
        filters = [(k, v) for k, v in args.items(multi=True) if k not in ("PageSize", "Page", "PageToken")]

        def uri(page_number: int, page_token: str | None = None) -> str:
            query = [*filters, ("PageSize", str(size)), ("Page", str(page_number))]
            if page_token:
                query.append(("PageToken", page_token))
            return f"{call.request.path}?{urlencode(query)}"

        has_next = start + size < len(items)
        return _json(
            {
                key: [render(item) for item in chunk],
                "end": start + len(chunk) - 1 if chunk else start,
                "first_page_uri": uri(0),
                "next_page_uri": uri(page + 1, "PA" + getattr(chunk[-1], "sid", "")) if has_next and chunk else None,
                "page": page,
                "page_size": size,
                "previous_page_uri": uri(page - 1) if page > 0 else None,
                "start": start,
                "uri": uri(page, token),
            }
        )

    # ----------------------------------------------------------------- messaging v1

    def _v1_form(self, call: Call) -> MultiDict[str, str]:
        form = call.request.form
        unknown = sorted(set(form) - _SERVICE_PARAMS)
        if unknown:
            raise ApiError(400, 20001, f"Unknown parameter(s) {unknown}; allowed: {sorted(_SERVICE_PARAMS)}")
        return form

    def _list_services(self, call: Call) -> Response:
        base = call.request.host_url.rstrip("/")
        services = self.emulator.list_services(call.account.sid)
        return _json(_v1_page(base, "/v1/Services", "services", [s.to_json(base) for s in services]))

    def _fetch_service(self, call: Call) -> Response:
        service = self.emulator.get_service(call.account.sid, call.path["Sid"])
        return _json(service.to_json(call.request.host_url.rstrip("/")))

    def _update_service(self, call: Call) -> Response:
        service = self.emulator.update_service(call.account.sid, call.path["Sid"], self._v1_form(call))
        return _json(service.to_json(call.request.host_url.rstrip("/")))

    def _service_numbers(self, call: Call) -> Response:
        base = call.request.host_url.rstrip("/")
        service = self.emulator.get_service(call.account.sid, call.path["Sid"])
        items = [service.phone_number_json(base, n) for n in self.emulator.service_numbers(service)]
        return _json(_v1_page(base, f"/v1/Services/{service.sid}/PhoneNumbers", "phone_numbers", items))

    # ----------------------------------------------------------------- CDN and devstack

    def _cdn(self, call: Call) -> Response:
        media = self.emulator.cdn_fetch(
            call.path["token"], authorization=call.request.headers.get("Authorization") is not None
        )
        if media is None:
            return Response("expired or unknown media link", status=403, mimetype="text/plain")
        return Response(media.content, status=200, content_type=media.content_type)

    def _inbound(self, call: Call) -> Response:
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
        if self.emulator.base_url is None:
            self.emulator.base_url = request.host_url.rstrip("/")
        result = self.emulator.send_inbound(str(fields["From"]), str(fields["To"]), str(fields.get("Body", "")), media)
        return _json(result.to_json())

    def _all_messages(self, _call: Call) -> Response:
        return _json({"messages": [_devstack_message(m) for m in self.emulator.messages]})

    def _webhooks(self, call: Call) -> Response:
        kind = call.request.args.get("kind")
        sid = call.request.args.get("message_sid")
        deliveries = [
            d.to_json()
            for d in self.emulator.deliveries.all()
            if (kind is None or d.kind == kind) and (sid is None or d.message_sid == sid)
        ]
        return _json({"deliveries": deliveries})

    def _api_requests(self, _call: Call) -> Response:
        return _json({"requests": [r.to_json() for r in self.requests]})

    def _cdn_requests(self, _call: Call) -> Response:
        requests_seen = self.emulator.cdn_requests
        return _json(
            {"requests": [{"media_sid": r.media_sid, "authorization": r.authorization} for r in requests_seen]}
        )

    def _reset(self, _call: Call) -> Response:
        self.emulator.reset()
        return Response(status=204)

    def _list_faults(self, _call: Call) -> Response:
        return _json({"faults": [f.to_json() for f in self.emulator.faults.active()]})

    def _add_fault(self, call: Call) -> Response:
        fault = self.emulator.faults.add(Fault.from_json(_object(call.request)))
        return _json(fault.to_json(), 201)

    def _clear_faults(self, _call: Call) -> Response:
        self.emulator.faults.clear()
        return Response(status=204)

    def _set_outcome(self, call: Call) -> Response:
        data = _object(call.request)
        code = data.get("error_code")
        self.emulator.set_outcome(str(data["to"]), str(data["status"]), int(code) if code is not None else None)
        return Response(status=204)

    def _add_number(self, call: Call) -> Response:
        """Add a number, or reconfigure it when it exists (``sms_url``, ``sms_method``, ...)."""
        data = {key: str(value) for key, value in _object(call.request).items()}
        phone = data.pop("phone_number")
        account_sid = data.pop("account_sid", self.emulator.default_account_sid)
        if any(n.phone_number == phone for n in self.emulator.numbers):
            return _json(self.emulator.configure_number(phone, **data).to_json(), 200)
        return _json(self.emulator.add_number(account_sid, phone, **data).to_json(), 201)

    def _add_account(self, call: Call) -> Response:
        data = _object(call.request)
        account = self.emulator.add_account(
            str(data["sid"]), str(data["auth_token"]), status=str(data.get("status", "active"))
        )
        return _json(account.to_json(), 201)


_NOBODY = Account(sid="", auth_token="", friendly_name="anonymous")


def _spec_path(tail: str | None) -> str | None:
    if tail is None:
        return None
    if tail.startswith("/Accounts/"):
        return "/2010-04-01" + tail
    if tail.startswith("/Media"):
        return "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}" + tail
    return "/2010-04-01/Accounts/{AccountSid}" + tail


def _v1_page(base: str, path: str, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"{base}{path}?PageSize=50&Page=0"
    meta = {
        "page": 0,
        "page_size": 50,
        "first_page_url": url,
        "previous_page_url": None,
        "url": url,
        "next_page_url": None,
        "key": key,
    }
    return {key: items, "meta": meta}


def _object(request: Request) -> dict[str, Any]:
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise EmulatorError("expected a JSON object or a form")
    return data


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

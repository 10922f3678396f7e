"""Twilio's REST paths the product uses: ``api.twilio.com/2010-04-01`` (accounts, messages, media, incoming phone
numbers) and ``messaging.twilio.com/v1`` (Messaging Services and their numbers), with Twilio's paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from devstack.twilio_emulator.errors import ApiError
from devstack.twilio_emulator.routing import Call, Handler, json_response

__all__ = ["REST_ROUTES", "fetch_account"]

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


def fetch_account(call: Call) -> Response:
    return json_response(call.account.to_json())


def create_message(call: Call) -> Response:
    _, answer = call.emulator.message_handler.create(call.account.sid, call.request.form)
    return json_response(answer, 201)


def fetch_message(call: Call) -> Response:
    return json_response(call.emulator.message_handler.get(call.account.sid, call.path["Sid"]).to_json())


def update_message(call: Call) -> Response:
    message = call.emulator.message_handler.update(call.account.sid, call.path["Sid"], call.request.form)
    return json_response(message.to_json())


def delete_message(call: Call) -> Response:
    call.emulator.message_handler.delete(call.account.sid, call.path["Sid"])
    return Response(status=204)


def list_messages(call: Call) -> Response:
    messages = call.emulator.message_handler.search(call.account.sid, call.request.args)
    return _page(call, messages, "messages", lambda m: m.to_json())


def list_media(call: Call) -> Response:
    message = call.emulator.message_handler.get(call.account.sid, call.path["MessageSid"])
    return _page(call, list(message.media), "media_list", lambda m: m.to_json())


def fetch_media(call: Call) -> Response:
    media = call.emulator.media_handler.get(call.account.sid, call.path["MessageSid"], call.path["Sid"])
    return json_response(media.to_json())


def delete_media(call: Call) -> Response:
    call.emulator.media_handler.delete(call.account.sid, call.path["MessageSid"], call.path["Sid"])
    return Response(status=204)


def media_content(call: Call) -> Response:
    media = call.emulator.media_handler.get(call.account.sid, call.path["MessageSid"], call.path["Sid"])
    token = call.emulator.media_handler.cdn_token(media)
    base = (call.emulator.cdn_base_url or call.request.host_url).rstrip("/")
    return Response(status=307, headers={"Location": f"{base}/_cdn/{token}"})


def list_numbers(call: Call) -> Response:
    numbers = call.emulator.number_handler.search(call.account.sid, call.request.args.get("PhoneNumber"))
    return _page(call, numbers, "incoming_phone_numbers", lambda n: n.to_json())


def fetch_number(call: Call) -> Response:
    return json_response(call.emulator.number_handler.get(call.account.sid, call.path["Sid"]).to_json())


def update_number(call: Call) -> Response:
    number = call.emulator.number_handler.update(call.account.sid, call.path["Sid"], call.request.form)
    return json_response(number.to_json())


def _page(call: Call, items: Sequence[Any], key: str, render: Callable[[Any], dict[str, Any]]) -> Response:
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
    return json_response(
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


def _v1_form(call: Call) -> MultiDict[str, str]:
    form = call.request.form
    unknown = sorted(set(form) - _SERVICE_PARAMS)
    if unknown:
        raise ApiError(400, 20001, f"Unknown parameter(s) {unknown}; allowed: {sorted(_SERVICE_PARAMS)}")
    return form


def list_services(call: Call) -> Response:
    base = call.request.host_url.rstrip("/")
    services = call.emulator.service_handler.search(call.account.sid)
    return json_response(_v1_page(base, "/v1/Services", "services", [s.to_json(base) for s in services]))


def fetch_service(call: Call) -> Response:
    service = call.emulator.service_handler.get(call.account.sid, call.path["Sid"])
    return json_response(service.to_json(call.request.host_url.rstrip("/")))


def update_service(call: Call) -> Response:
    service = call.emulator.service_handler.update(call.account.sid, call.path["Sid"], _v1_form(call))
    return json_response(service.to_json(call.request.host_url.rstrip("/")))


def service_numbers(call: Call) -> Response:
    base = call.request.host_url.rstrip("/")
    service = call.emulator.service_handler.get(call.account.sid, call.path["Sid"])
    items = [service.phone_number_json(base, n) for n in call.emulator.service_handler.numbers_of(service)]
    return json_response(_v1_page(base, f"/v1/Services/{service.sid}/PhoneNumbers", "phone_numbers", items))


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


# (method, path pattern, handler, the OpenAPI path of a 2010 operation to check the request against)
REST_ROUTES: list[tuple[str, str, Handler, str | None]] = [
    ("GET", r"^/2010-04-01/Accounts/(?P<Sid>[^/]+)\.json$", fetch_account, "/Accounts/{Sid}.json"),
    ("GET", _API + r"/Messages\.json$", list_messages, "/Messages.json"),
    ("POST", _API + r"/Messages\.json$", create_message, "/Messages.json"),
    ("GET", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", fetch_message, "/Messages/{Sid}.json"),
    ("POST", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", update_message, "/Messages/{Sid}.json"),
    ("DELETE", _API + r"/Messages/(?P<Sid>[^/]+)\.json$", delete_message, "/Messages/{Sid}.json"),
    ("GET", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media\.json$", list_media, "/Media.json"),
    ("GET", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/]+)\.json$", fetch_media, "/Media/{Sid}.json"),
    ("DELETE", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/]+)\.json$", delete_media,
     "/Media/{Sid}.json"),
    ("GET", _API + r"/Messages/(?P<MessageSid>[^/]+)/Media/(?P<Sid>[^/.]+)$", media_content, None),
    ("GET", _API + r"/IncomingPhoneNumbers\.json$", list_numbers, "/IncomingPhoneNumbers.json"),
    ("GET", _API + r"/IncomingPhoneNumbers/(?P<Sid>[^/]+)\.json$", fetch_number, "/IncomingPhoneNumbers/{Sid}.json"),
    ("POST", _API + r"/IncomingPhoneNumbers/(?P<Sid>[^/]+)\.json$", update_number,
     "/IncomingPhoneNumbers/{Sid}.json"),
    ("GET", r"^/v1/Services$", list_services, None),
    ("GET", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})$", fetch_service, None),
    ("POST", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})$", update_service, None),
    ("GET", r"^/v1/Services/(?P<Sid>MG[0-9a-fA-F]{32})/PhoneNumbers$", service_numbers, None),
]

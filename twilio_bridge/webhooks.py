"""Parsing of verified Twilio webhooks into frozen dataclasses.

Run ``signature.verify`` first, then::

    message = parse_inbound_message(verified.params)   # -> InboundMessage
    status = parse_status_callback(verified.params)    # -> StatusCallback
    text = message.to_json(); InboundMessage.from_json(text) == message

Input is the (name, value) pairs of the form, repeats kept. Every parameter survives in ``raw`` so
nothing Twilio adds later is lost; the typed fields are checked against Twilio's documented shapes
and a violation raises ``MalformedWebhook(reason, field)``:

- ``MessageSid`` ``^(SM|MM)[0-9a-fA-F]{32}$``, ``AccountSid`` ``^AC…``, ``MessagingServiceSid``
  ``^MG…`` (patterns of Twilio's OpenAPI description; an empty ``MessagingServiceSid`` means none);
- ``From``/``To``: E.164 (``+`` and 2-15 digits), a short code (3-8 digits) or a channel address
  (``whatsapp:+…``, ``messenger:…``, ``rcs:…``); a status callback's ``From`` may also be an
  alphanumeric sender ID;
- ``Body`` at most 1600 characters; ``NumMedia`` 0-10 with exactly ``MediaUrl0``…``MediaUrl{N-1}``
  present (absolute http(s) URLs) and no more;
- ``NumSegments`` a non-negative integer; ``OptOutType`` one of STOP, START, HELP;
- ``MessageStatus`` (or the older ``SmsStatus``) one of Twilio's statuses; ``ErrorCode`` an integer.

A typed field given twice is malformed. ``to_json``/``from_json`` (and ``to_document``/``from_document``, for a
JSON document that carries a message) keep the raw pairs and parse them again on the way back, so what comes out
of a queue is validated and equal to what went in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twilio_bridge.errors import MalformedWebhook
from twilio_bridge.statuses import MessageStatus

__all__ = [
    "MAX_BODY_LENGTH",
    "MAX_MEDIA",
    "InboundMessage",
    "MediaRef",
    "StatusCallback",
    "WebhookRoute",
    "parse_inbound_message",
    "parse_route",
    "parse_status_callback",
]

MAX_BODY_LENGTH = 1600
MAX_MEDIA = 10
OPT_OUT_TYPES = frozenset({"STOP", "START", "HELP"})

_MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
_MEDIA_SID = re.compile(r"ME[0-9a-fA-F]{32}")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SHORT_CODE = re.compile(r"[0-9]{3,8}")
_CHANNEL = re.compile(r"[a-z][a-z0-9-]{1,30}:\S.*")
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_MEDIA_KEY = re.compile(r"Media(Url|ContentType)([0-9]+)")
_INBOUND_KIND = "twilio.inbound_message"
_STATUS_KIND = "twilio.status_callback"
_JSON_VERSION = 1

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MediaRef:
    url: str
    content_type: str

    @property
    def media_sid(self) -> str | None:
        """The ``ME…`` SID at the end of a Twilio media URL, if it is one."""
        last = urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
        return last if _MEDIA_SID.fullmatch(last) else None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_sid: str
    account_sid: str
    messaging_service_sid: str | None
    from_: str
    to: str
    body: str
    media: tuple[MediaRef, ...]
    num_segments: int | None
    opt_out_type: str | None
    from_city: str | None
    from_state: str | None
    from_zip: str | None
    from_country: str | None
    to_city: str | None
    to_state: str | None
    to_zip: str | None
    to_country: str | None
    raw: Pairs

    def to_json(self) -> str:
        return json.dumps(self.to_document())

    def to_document(self) -> dict[str, Any]:
        """The message as a JSON-ready object, for a document that carries it (a queue envelope)."""
        return _document(_INBOUND_KIND, self.raw)

    @classmethod
    def from_json(cls, text: str) -> InboundMessage:
        return cls.from_document(_loads(text))

    @classmethod
    def from_document(cls, document: Any) -> InboundMessage:
        """Parse what `to_document` wrote, once it is read from JSON."""
        return parse_inbound_message(_pairs(_INBOUND_KIND, document))


@dataclass(frozen=True, slots=True)
class StatusCallback:
    message_sid: str
    account_sid: str
    message_status: MessageStatus
    error_code: int | None
    error_message: str | None
    raw_dlr_done_date: str | None
    from_: str | None
    to: str | None
    messaging_service_sid: str | None
    raw: Pairs

    def to_json(self) -> str:
        return json.dumps(self.to_document())

    def to_document(self) -> dict[str, Any]:
        return _document(_STATUS_KIND, self.raw)

    @classmethod
    def from_json(cls, text: str) -> StatusCallback:
        return cls.from_document(_loads(text))

    @classmethod
    def from_document(cls, document: Any) -> StatusCallback:
        return parse_status_callback(_pairs(_STATUS_KIND, document))


class _Fields:
    """Single-valued lookups over the raw pairs, with the errors phrased once."""

    def __init__(self, params: Iterable[tuple[str, str]]) -> None:
        self.raw: Pairs = tuple((str(name), str(value)) for name, value in params)
        self._values: dict[str, list[str]] = {}
        for name, value in self.raw:
            self._values.setdefault(name, []).append(value)

    def names(self) -> Iterable[str]:
        return self._values.keys()

    def optional(self, name: str) -> str | None:
        values = self._values.get(name)
        if values is None:
            return None
        if len(values) > 1:
            raise MalformedWebhook(f"given {len(values)} times, expected once", name)
        return values[0]

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None or value == "":
            raise MalformedWebhook("missing", name)
        return value

    def blank_as_none(self, name: str) -> str | None:
        value = self.optional(name)
        return value if value else None

    def sid(self, name: str, pattern: re.Pattern[str], shape: str) -> str:
        return self._check_sid(name, self.required(name), pattern, shape)

    def optional_sid(self, name: str, pattern: re.Pattern[str], shape: str) -> str | None:
        value = self.blank_as_none(name)
        return None if value is None else self._check_sid(name, value, pattern, shape)

    @staticmethod
    def _check_sid(name: str, value: str, pattern: re.Pattern[str], shape: str) -> str:
        if not pattern.fullmatch(value):
            raise MalformedWebhook(f"{value!r} is not a {shape} SID", name)
        return value

    def integer(self, name: str, low: int, high: int | None = None) -> int | None:
        value = self.blank_as_none(name)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit():
            raise MalformedWebhook(f"{value!r} is not a whole number", name)
        number = int(value)
        if number < low or (high is not None and number > high):
            bound = f"{low}-{high}" if high is not None else f"at least {low}"
            raise MalformedWebhook(f"{number} is outside {bound}", name)
        return number

    def address(self, name: str) -> str:
        return self._check_address(name, self.required(name), alphanumeric=False)

    def optional_address(self, name: str, *, alphanumeric: bool = False) -> str | None:
        value = self.blank_as_none(name)
        return None if value is None else self._check_address(name, value, alphanumeric=alphanumeric)

    @staticmethod
    def _check_address(name: str, value: str, *, alphanumeric: bool) -> str:
        if _E164.fullmatch(value) or _SHORT_CODE.fullmatch(value) or _CHANNEL.fullmatch(value):
            return value
        if alphanumeric and _ALPHANUMERIC_SENDER.fullmatch(value):
            return value
        raise MalformedWebhook(f"{value!r} is neither an E.164 number, a short code nor a channel address", name)


@dataclass(frozen=True, slots=True)
class WebhookRoute:
    """Whom an unverified webhook says it is for: enough to find the auth token that checks its signature."""

    account_sid: str
    number: str
    messaging_service_sid: str | None


def parse_route(params: Iterable[tuple[str, str]], number_field: str, *, alphanumeric: bool = False) -> WebhookRoute:
    """The account, our number (`To` of a text, `From` of a status callback) and Messaging Service, each checked
    against Twilio's shapes *before* anything is looked up: a request that cannot be Twilio's is refused without
    costing a lookup. Nothing else of the request is read before its signature matched."""
    fields = _Fields(params)
    number = fields.required(number_field)
    return WebhookRoute(
        account_sid=fields.sid("AccountSid", _ACCOUNT_SID, "account (AC)"),
        number=_Fields._check_address(number_field, number, alphanumeric=alphanumeric),
        messaging_service_sid=fields.optional_sid("MessagingServiceSid", _SERVICE_SID, "service (MG)"),
    )


def parse_inbound_message(params: Iterable[tuple[str, str]]) -> InboundMessage:
    """Parse the parameters of Twilio's incoming-message webhook."""
    fields = _Fields(params)
    message_sid = fields.sid("MessageSid", _MESSAGE_SID, "message (SM/MM)")
    account_sid = fields.sid("AccountSid", _ACCOUNT_SID, "account (AC)")
    body = fields.optional("Body") or ""
    if len(body) > MAX_BODY_LENGTH:
        raise MalformedWebhook(f"{len(body)} characters, at most {MAX_BODY_LENGTH} allowed", "Body")
    opt_out = fields.blank_as_none("OptOutType")
    if opt_out is not None:
        opt_out = opt_out.upper()
        if opt_out not in OPT_OUT_TYPES:
            raise MalformedWebhook(f"{opt_out!r} is not one of STOP, START, HELP", "OptOutType")
    from_ = fields.address("From")
    to = fields.address("To")
    return InboundMessage(
        message_sid=message_sid,
        account_sid=account_sid,
        messaging_service_sid=fields.optional_sid("MessagingServiceSid", _SERVICE_SID, "service (MG)"),
        from_=from_,
        to=to,
        body=body,
        media=_media(fields),
        num_segments=fields.integer("NumSegments", 0),
        opt_out_type=opt_out,
        from_city=fields.blank_as_none("FromCity"),
        from_state=fields.blank_as_none("FromState"),
        from_zip=fields.blank_as_none("FromZip"),
        from_country=fields.blank_as_none("FromCountry"),
        to_city=fields.blank_as_none("ToCity"),
        to_state=fields.blank_as_none("ToState"),
        to_zip=fields.blank_as_none("ToZip"),
        to_country=fields.blank_as_none("ToCountry"),
        raw=fields.raw,
    )


def parse_status_callback(params: Iterable[tuple[str, str]]) -> StatusCallback:
    """Parse the parameters of a message status callback."""
    fields = _Fields(params)
    message_sid = fields.sid("MessageSid", _MESSAGE_SID, "message (SM/MM)")
    account_sid = fields.sid("AccountSid", _ACCOUNT_SID, "account (AC)")
    status_field = "MessageStatus" if fields.optional("MessageStatus") is not None else "SmsStatus"
    status_text = fields.required(status_field)
    try:
        status = MessageStatus(status_text.lower())
    except ValueError:
        raise MalformedWebhook(f"{status_text!r} is not a known message status", status_field) from None
    return StatusCallback(
        message_sid=message_sid,
        account_sid=account_sid,
        message_status=status,
        error_code=fields.integer("ErrorCode", 0),
        error_message=fields.blank_as_none("ErrorMessage"),
        raw_dlr_done_date=fields.blank_as_none("RawDlrDoneDate"),
        from_=fields.optional_address("From", alphanumeric=True),
        to=fields.optional_address("To"),
        messaging_service_sid=fields.optional_sid("MessagingServiceSid", _SERVICE_SID, "service (MG)"),
        raw=fields.raw,
    )


def _media(fields: _Fields) -> tuple[MediaRef, ...]:
    count = fields.integer("NumMedia", 0, MAX_MEDIA) or 0
    for name in fields.names():
        match = _MEDIA_KEY.fullmatch(name)
        if match and int(match.group(2)) >= count:
            raise MalformedWebhook(f"present although NumMedia is {count}", name)
    refs: list[MediaRef] = []
    for index in range(count):
        url = fields.required(f"MediaUrl{index}")
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise MalformedWebhook(f"{url!r} is not an absolute http(s) URL", f"MediaUrl{index}")
        content_type = fields.blank_as_none(f"MediaContentType{index}") or "application/octet-stream"
        refs.append(MediaRef(url=url, content_type=content_type.lower()))
    return tuple(refs)


def _document(kind: str, raw: Pairs) -> dict[str, Any]:
    return {"kind": kind, "version": _JSON_VERSION, "raw": [list(pair) for pair in raw]}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedWebhook(f"not JSON: {exc.msg}") from exc


def _pairs(kind: str, document: Any) -> Pairs:
    if not isinstance(document, dict) or document.get("kind") != kind:
        raise MalformedWebhook(f"not a serialized {kind}")
    if document.get("version") != _JSON_VERSION:
        raise MalformedWebhook(f"unsupported version {document.get('version')!r}", "version")
    raw = document.get("raw")
    if not isinstance(raw, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in raw
    ):
        raise MalformedWebhook("expected a list of [name, value] string pairs", "raw")
    return tuple((pair[0], pair[1]) for pair in raw)

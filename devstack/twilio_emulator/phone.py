"""The customer's phone: a text (or MMS) to one of the emulated numbers becomes an inbound message and its signed
webhook, delivered at once; opt-out keywords are applied and TwiML ``<Message>`` replies are sent back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from devstack.twilio_emulator.callbacks import Callbacks
from devstack.twilio_emulator.errors import EmulatorError
from devstack.twilio_emulator.messages import MAX_MEDIA
from devstack.twilio_emulator.optout import opt_out_type
from devstack.twilio_emulator.resources import API_VERSION, InboundMedia, Media, Message, MessagingService, PhoneNumber
from devstack.twilio_emulator.sids import new_sid
from devstack.twilio_emulator.store import EmulatorStore, EmulatorUrls
from devstack.twilio_emulator.twiml import parse_twiml_messages
from devstack.twilio_emulator.webhooks import Delivery, build_request
from twilio_bridge.segments import segment_info

__all__ = ["DEFAULT_BASE_URL", "CustomerPhone", "InboundResult"]

DEFAULT_BASE_URL = "http://127.0.0.1:7073"


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What the customer phone's text produced: the message and the webhook delivery (None: no URL)."""

    message_sid: str
    message: dict[str, object]
    delivery: Delivery | None
    opt_out_type: str | None
    replies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "message_sid": self.message_sid,
            "replies": list(self.replies),
            "message": self.message,
            "delivery": None if self.delivery is None else self.delivery.to_json(),
            "opt_out_type": self.opt_out_type,
        }


class CustomerPhone:
    def __init__(self, store: EmulatorStore, callbacks: Callbacks, urls: EmulatorUrls) -> None:
        self.store = store
        self.callbacks = callbacks
        self.urls = urls

    def send(self, from_: str, to: str, body: str = "", media: Sequence[InboundMedia] = ()) -> InboundResult:
        """A customer texts ``to``: store the message and deliver the signed webhook synchronously."""
        if len(media) > MAX_MEDIA:
            raise EmulatorError("an MMS carries at most 10 media")
        with self.store.lock:
            number = self.store.number_by_phone(to)
            if number is None:
                raise EmulatorError(f"no account owns {to}")
            account = self.store.accounts[number.account_sid]
            service = self.store.services.get(number.messaging_service_sid or "")
            message = Message(
                sid=new_sid("MM" if media else "SM"),
                account_sid=account.sid,
                direction="inbound",
                from_=from_,
                to=to,
                body=body,
                status="received",
                num_segments=segment_info(body).segments,
                messaging_service_sid=service.sid if service else None,
            )
            message.date_sent = message.date_created
            message.media = [
                Media(sid=new_sid("ME"), account_sid=account.sid, parent_sid=message.sid,
                      content_type=item.content_type, content=item.content)
                for item in media
            ]
            self.store.messages[message.sid] = message
            keyword = opt_out_type(body)
            sender_key = service.sid if service else to
            if keyword == "STOP":
                self.store.opt_outs.add((sender_key, from_))
            elif keyword == "START":
                self.store.opt_outs.discard((sender_key, from_))
            params = self._params(message, keyword if service else None)
            url, method, fallback, fallback_method = _target(number, service)
            rendered = message.to_json()
        delivery = None
        answer = None
        if url:
            delivery = answer = self.callbacks.deliver(
                "inbound", message.sid, build_request(method, url, params, account.auth_token, new_sid("ID"))
            )
            if not delivery.ok and fallback:
                fallback_params = [*params, ("ErrorCode", "11200"), ("ErrorUrl", url)]
                answer = self.callbacks.deliver(
                    "inbound-fallback",
                    message.sid,
                    build_request(fallback_method, fallback, fallback_params, account.auth_token, new_sid("ID")),
                )
        replies: tuple[str, ...] = ()
        if answer is not None and answer.ok:
            replies = tuple(self._send_replies(message, answer.body))
        return InboundResult(message.sid, rendered, delivery, keyword, replies)

    def _send_replies(self, inbound: Message, twiml: str) -> list[str]:
        """Messages the app asked for in its TwiML answer (``<Message>``), sent back as Twilio would."""
        sids = []
        for reply in parse_twiml_messages(twiml):
            with self.store.lock:
                message = Message(
                    sid=new_sid("MM" if reply.media_urls else "SM"),
                    account_sid=inbound.account_sid,
                    direction="outbound-reply",
                    from_=reply.from_ or inbound.to,
                    to=reply.to or inbound.from_ or "",
                    body=reply.body,
                    status="queued",
                    num_segments=segment_info(reply.body).segments,
                    status_callback=reply.status_callback,
                    media_urls=reply.media_urls,
                )
                self.store.messages[message.sid] = message
            self.callbacks.start_lifecycle(message)
            sids.append(message.sid)
        return sids

    def _params(self, message: Message, keyword: str | None) -> list[tuple[str, str]]:
        """The webhook's form, in the order Twilio sends it."""
        base = self.urls.base_url or DEFAULT_BASE_URL
        to_country, from_country = _country(message.to), _country(message.from_ or "")
        params: list[tuple[str, str]] = [
            ("ToCountry", to_country),
            ("ToState", ""),
            ("SmsMessageSid", message.sid),
            ("NumMedia", str(len(message.media))),
            ("ToCity", ""),
            ("FromZip", ""),
            ("SmsSid", message.sid),
            ("FromState", ""),
            ("SmsStatus", "received"),
            ("FromCity", ""),
            ("Body", message.body),
            ("FromCountry", from_country),
            ("To", message.to),
        ]
        if message.messaging_service_sid:
            params.append(("MessagingServiceSid", message.messaging_service_sid))
        params += [
            ("ToZip", ""),
            ("NumSegments", str(message.num_segments)),
            ("MessageSid", message.sid),
            ("AccountSid", message.account_sid),
            ("From", message.from_ or ""),
            ("ApiVersion", API_VERSION),
        ]
        if keyword is not None:
            params.append(("OptOutType", keyword))
        for index, media in enumerate(message.media):
            params.append((f"MediaContentType{index}", media.content_type))
            params.append((f"MediaUrl{index}", base + media.content_uri))
        return params


def _target(number: PhoneNumber, service: MessagingService | None) -> tuple[str, str, str, str]:
    """URL, method, fallback URL and fallback method of the inbound webhook: the service's unless it defers."""
    if service is not None and not service.use_inbound_webhook_on_number:
        return (service.inbound_request_url, service.inbound_method, service.fallback_url, service.fallback_method)
    return (number.sms_url, number.sms_method, number.sms_fallback_url, number.sms_fallback_method)


def _country(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ""
    return str(phonenumbers.region_code_for_number(parsed) or "")

"""Twilio's own record of messages, read back: the texts Twilio received for a number in a window (to recover
any the app missed while its webhook was down) and the current state of messages it sent.

Inbound records are turned into the same `InboundMessage` a webhook would have produced, so recovered texts go
through the normal pipeline; the webhook's geo fields are not in Twilio's record and stay empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twilio_bridge.client import TwilioClients, TwilioCredentials, call_api
from twilio_bridge.webhooks import InboundMessage, StatusCallback, parse_inbound_message, parse_status_callback

__all__ = ["HistoricMessage", "MessageHistory"]

_PAGE_SIZE = 100
_API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class HistoricMessage:
    message: InboundMessage
    date_sent: datetime | None


class MessageHistory:
    """Reads Messages and Media through the shared ``TwilioClients``."""

    def __init__(self, clients: TwilioClients, api_base_url: str = "https://api.twilio.com") -> None:
        self._clients = clients
        self._api_base_url = api_base_url.rstrip("/")

    def received(self, credentials: TwilioCredentials, number: str, since: datetime,
                 limit: int | None = None) -> Iterator[HistoricMessage]:
        """Texts Twilio received for `number` sent since `since`, oldest pages first as Twilio pages them."""
        account = self._clients.client(credentials).api.v2010.accounts(credentials.account_sid)
        records = call_api(lambda: list(account.messages.stream(to=number, date_sent_after=since, limit=limit,
                                                                 page_size=_PAGE_SIZE)))
        for record in records:
            if not str(record.direction or "").startswith("inbound"):
                continue
            media = self._media(account, str(record.sid))
            yield HistoricMessage(parse_inbound_message(self._webhook_params(record, media)),
                                  record.date_sent)

    @staticmethod
    def _media(account: Any, message_sid: str) -> list[Any]:
        return call_api(lambda: list(account.messages(message_sid).media.list()))

    def current_status(self, credentials: TwilioCredentials, message_sid: str) -> StatusCallback:
        """A sent message's state now, as the status callback that would report it."""
        account = self._clients.client(credentials).api.v2010.accounts(credentials.account_sid)
        record = call_api(lambda: account.messages(message_sid).fetch())
        params = [("MessageSid", record.sid), ("SmsSid", record.sid), ("AccountSid", record.account_sid),
                  ("MessageStatus", str(record.status)), ("SmsStatus", str(record.status)),
                  ("ApiVersion", _API_VERSION)]
        for name, value in (("From", record.from_), ("To", record.to),
                            ("MessagingServiceSid", record.messaging_service_sid),
                            ("ErrorCode", record.error_code), ("ErrorMessage", record.error_message)):
            if value not in (None, ""):
                params.append((name, str(value)))
        return parse_status_callback(params)

    def _webhook_params(self, record: Any, media: list[Any]) -> list[tuple[str, str]]:
        params = [
            ("MessageSid", record.sid), ("SmsSid", record.sid), ("SmsMessageSid", record.sid),
            ("AccountSid", record.account_sid), ("From", record.from_), ("To", record.to),
            ("Body", record.body or ""), ("NumMedia", str(len(media))),
            ("NumSegments", str(record.num_segments or 1)), ("SmsStatus", "received"), ("ApiVersion", _API_VERSION),
        ]
        if record.messaging_service_sid:
            params.append(("MessagingServiceSid", record.messaging_service_sid))
        for index, item in enumerate(media):
            # The media content URL is the resource URI without ".json", on the API host: what webhooks carry.
            uri = str(item.uri).removesuffix(".json")
            params.append((f"MediaUrl{index}", f"{self._api_base_url}{uri}"))
            params.append((f"MediaContentType{index}", str(item.content_type)))
        return params

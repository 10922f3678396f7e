"""The emulator's in-memory resources and their JSON shapes (fields as in Twilio's OpenAPI description).

Records are mutable because the emulator moves them through their lifecycle; they are only touched under
the emulator's lock. Rendering takes the field list from the spec, so a response carries every field of
the resource (``null`` where the emulator has nothing to say), like Twilio's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from devstack.twilio_emulator.openapi import load_spec

__all__ = [
    "API_VERSION",
    "Account",
    "InboundMedia",
    "Media",
    "Message",
    "MessagingService",
    "PhoneNumber",
    "rfc2822",
    "utcnow",
]

API_VERSION = "2010-04-01"
ACCOUNT = "api.v2010.account"
MESSAGE = "api.v2010.account.message"
MEDIA = "api.v2010.account.message.media"
NUMBER = "api.v2010.account.incoming_phone_number"


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def _shape(resource: str, values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in load_spec().resource_fields(resource)}


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    status: str = "active"
    type: str = "Full"
    owner_account_sid: str | None = None
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{self.sid}"
        return _shape(
            ACCOUNT,
            {
                "auth_token": self.auth_token,
                "date_created": rfc2822(self.date_created),
                "date_updated": rfc2822(self.date_updated),
                "friendly_name": self.friendly_name,
                "owner_account_sid": self.owner_account_sid or self.sid,
                "sid": self.sid,
                "status": self.status,
                "type": self.type,
                "uri": self.uri,
                "subresource_uris": {
                    "messages": f"{base}/Messages.json",
                    "incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
                },
            },
        )


@dataclass
class PhoneNumber:
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    sms_url: str = ""
    sms_method: str = "POST"
    sms_fallback_url: str = ""
    sms_fallback_method: str = "POST"
    status_callback: str = ""
    status_callback_method: str = "POST"
    voice_url: str = ""
    voice_method: str = "POST"
    voice_fallback_url: str = ""
    voice_fallback_method: str = "POST"
    messaging_service_sid: str | None = None
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        return _shape(
            NUMBER,
            {
                "account_sid": self.account_sid,
                "address_requirements": "none",
                "api_version": API_VERSION,
                "beta": False,
                "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
                "date_created": rfc2822(self.date_created),
                "date_updated": rfc2822(self.date_updated),
                "friendly_name": self.friendly_name,
                "phone_number": self.phone_number,
                "origin": "twilio",
                "sid": self.sid,
                "sms_fallback_method": self.sms_fallback_method,
                "sms_fallback_url": self.sms_fallback_url,
                "sms_method": self.sms_method,
                "sms_url": self.sms_url,
                "status_callback": self.status_callback,
                "status_callback_method": self.status_callback_method,
                "uri": self.uri,
                "voice_caller_id_lookup": False,
                "voice_fallback_method": self.voice_fallback_method,
                "voice_fallback_url": self.voice_fallback_url,
                "voice_method": self.voice_method,
                "voice_url": self.voice_url,
                "voice_receive_mode": "voice",
                "emergency_status": "Inactive",
                "emergency_address_status": "unregistered",
                "status": "in-use",
                "type": "local",
            },
        )


@dataclass
class MessagingService:
    sid: str
    account_sid: str
    friendly_name: str
    inbound_request_url: str = ""
    inbound_method: str = "POST"
    fallback_url: str = ""
    fallback_method: str = "POST"
    status_callback: str = ""
    use_inbound_webhook_on_number: bool = False
    phone_number_sids: list[str] = field(default_factory=list)
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    def to_json(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}/v1/Services/{self.sid}"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "date_created": _iso(self.date_created),
            "date_updated": _iso(self.date_updated),
            "inbound_request_url": self.inbound_request_url or None,
            "inbound_method": self.inbound_method,
            "fallback_url": self.fallback_url or None,
            "fallback_method": self.fallback_method,
            "status_callback": self.status_callback or None,
            "sticky_sender": True,
            "mms_converter": True,
            "smart_encoding": True,
            "scan_message_content": "inherit",
            "fallback_to_long_code": True,
            "area_code_geomatch": True,
            "synchronous_validation": True,
            "validity_period": 36000,
            "url": url,
            "links": {"phone_numbers": f"{url}/PhoneNumbers"},
            "usecase": "undeclared",
            "us_app_to_person_registered": False,
            "use_inbound_webhook_on_number": self.use_inbound_webhook_on_number,
        }

    def phone_number_json(self, base_url: str, number: PhoneNumber) -> dict[str, Any]:
        return {
            "sid": number.sid,
            "account_sid": self.account_sid,
            "service_sid": self.sid,
            "date_created": _iso(number.date_created),
            "date_updated": _iso(number.date_updated),
            "phone_number": number.phone_number,
            "country_code": "US",
            "capabilities": ["SMS", "MMS", "Voice"],
            "url": f"{base_url}/v1/Services/{self.sid}/PhoneNumbers/{number.sid}",
        }


def _iso(moment: datetime) -> str:
    # The v1 APIs (messaging.twilio.com) use ISO 8601, unlike the 2010 API's RFC 2822.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class InboundMedia:
    """A picture (or other file) the customer phone attaches to a text."""

    content: bytes
    content_type: str


@dataclass
class Media:
    sid: str
    account_sid: str
    parent_sid: str
    content_type: str
    content: bytes
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    @property
    def content_uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.parent_sid}/Media/{self.sid}"

    def to_json(self) -> dict[str, Any]:
        return _shape(
            MEDIA,
            {
                "account_sid": self.account_sid,
                "content_type": self.content_type,
                "date_created": rfc2822(self.date_created),
                "date_updated": rfc2822(self.date_updated),
                "parent_sid": self.parent_sid,
                "sid": self.sid,
                "uri": self.content_uri + ".json",
            },
        )


@dataclass
class Message:
    sid: str
    account_sid: str
    direction: str
    from_: str | None
    to: str
    body: str
    status: str
    num_segments: int
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    send_at: datetime | None = None
    media: list[Media] = field(default_factory=list)
    media_urls: tuple[str, ...] = ()
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)
    date_sent: datetime | None = None

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        # Behind a Messaging Service the sender and segment count are only known once queued.
        pending = self.status in ("accepted", "scheduled")
        return _shape(
            MESSAGE,
            {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": self.body,
                "date_created": rfc2822(self.date_created),
                "date_sent": rfc2822(self.date_sent),
                "date_updated": rfc2822(self.date_updated),
                "direction": self.direction,
                "error_code": self.error_code,
                "error_message": self.error_message,
                "from": None if pending and self.messaging_service_sid else self.from_,
                "messaging_service_sid": self.messaging_service_sid,
                "num_media": str(len(self.media) or len(self.media_urls)),
                "num_segments": "0" if pending and self.messaging_service_sid else str(self.num_segments),
                "price": None,
                "price_unit": "USD",
                "sid": self.sid,
                "status": self.status,
                "subresource_uris": {"media": self.uri.removesuffix(".json") + "/Media.json"},
                "to": self.to,
                "uri": self.uri,
            },
        )

"""The rows the messaging domain reads, parsed once from Dataverse into frozen values, and the choice values it
writes (DESIGN 5). Column names live here and in the modules that write them; nothing passes dicts around."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dataverse import Row

__all__ = [
    "CONFIGURATION_COLUMNS",
    "RECORD_TYPE_COLUMNS",
    "Configuration",
    "ConversationState",
    "Customer",
    "Direction",
    "MediaFileStatus",
    "OutboxStatus",
    "RecordType",
    "Severity",
    "StatusChoice",
    "message_preview",
    "parse_datetime",
]


class ConversationState(enum.IntEnum):
    PENDING = 1
    ACCEPTED = 2
    BLOCKED = 3


class Direction(enum.IntEnum):
    INCOMING = 1
    OUTGOING = 2


class StatusChoice(enum.IntEnum):
    """`smsb_status` choice values, by the Twilio status each stands for."""

    QUEUED = 1
    SENDING = 2
    SENT = 3
    DELIVERED = 4
    UNDELIVERED = 5
    FAILED = 6
    RECEIVED = 7
    READ = 8
    CANCELED = 9
    ACCEPTED = 10
    SCHEDULED = 11
    UNKNOWN = 12

    @classmethod
    def from_twilio(cls, status: str) -> StatusChoice:
        # partially_delivered is terminal like undelivered; receiving is on the way to received.
        aliases = {"partially_delivered": cls.UNDELIVERED, "receiving": cls.RECEIVED}
        key = str(status)
        if key in aliases:
            return aliases[key]
        try:
            return cls[key.upper()]
        except KeyError:
            return cls.UNKNOWN

    @property
    def twilio(self) -> str:
        return self.name.lower()


class OutboxStatus(enum.IntEnum):
    PENDING = 1
    SENDING = 2
    SENT = 3
    FAILED = 4
    SKIPPED = 5
    UNKNOWN = 6


class MediaFileStatus(enum.IntEnum):
    """`smsb_filestatus` of a Message Media row: is its file stored?"""

    AWAITING_FILE = 1
    STORED = 2
    UNAVAILABLE = 3


class Severity(enum.IntEnum):
    WARNING = 1
    ERROR = 2
    CRITICAL = 3


PREVIEW_LENGTH = 200  # smsb_lastmessagepreview's length


def message_preview(body: str, has_media: bool) -> str:
    """A conversation's one-line preview of a text: whitespace folded, long texts cut with an ellipsis."""
    text = " ".join(body.split())
    if not text:
        return "(picture)" if has_media else ""
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def parse_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


CONFIGURATION_COLUMNS = (
    "smsb_configurationid", "smsb_name", "smsb_mobilenumber", "smsb_messagingservicesid", "smsb_accountsid",
    "smsb_authtoken", "smsb_sessiontimeout", "smsb_idletimeout", "_smsb_assignedteam_value",
    "smsb_sendappnotifications", "smsb_deletetwiliomedia", "smsb_validationstatus", "statecode",
)

RECORD_TYPE_COLUMNS = (
    "smsb_recordtypeid", "smsb_name", "smsb_entitylogicalname", "smsb_phonefield", "smsb_compliancefield",
    "smsb_defaultcountrycode", "smsb_priorityorder", "smsb_validationmessage", "_smsb_configuration_value",
)


@dataclass(frozen=True)
class Configuration:
    """One Twilio sender (smsb_configuration)."""

    id: uuid.UUID
    name: str
    mobile_number: str | None
    messaging_service_sid: str | None
    account_sid: str
    auth_token_sealed: str | None
    session_timeout_minutes: int
    idle_timeout_minutes: int
    team_id: uuid.UUID | None
    send_app_notifications: bool
    delete_twilio_media: bool
    active: bool

    @classmethod
    def from_row(cls, row: Row) -> Configuration:
        return cls(
            id=uuid.UUID(str(row["smsb_configurationid"])),
            name=str(row.get("smsb_name") or ""),
            mobile_number=row.get("smsb_mobilenumber"),
            messaging_service_sid=row.get("smsb_messagingservicesid"),
            account_sid=str(row.get("smsb_accountsid") or ""),
            auth_token_sealed=row.get("smsb_authtoken"),
            session_timeout_minutes=int(row.get("smsb_sessiontimeout") or 1440),
            idle_timeout_minutes=int(row.get("smsb_idletimeout") or 5),
            team_id=row.guid("_smsb_assignedteam_value"),
            send_app_notifications=row.get("smsb_sendappnotifications") is not False,
            delete_twilio_media=row.get("smsb_deletetwiliomedia") is True,
            active=row.get("statecode", 0) == 0,
        )


@dataclass(frozen=True)
class RecordType:
    """Which table the Configuration can text, and which of its columns holds the number."""

    id: uuid.UUID
    name: str
    entity: str
    phone_field: str
    compliance_field: str | None
    default_country_code: str | None
    priority: int
    usable: bool

    @classmethod
    def from_row(cls, row: Row) -> RecordType:
        return cls(
            id=uuid.UUID(str(row["smsb_recordtypeid"])),
            name=str(row.get("smsb_name") or ""),
            entity=str(row.get("smsb_entitylogicalname") or "").strip().lower(),
            phone_field=str(row.get("smsb_phonefield") or "").strip().lower(),
            compliance_field=(str(row["smsb_compliancefield"]).strip().lower()
                              if row.get("smsb_compliancefield") else None),
            default_country_code=row.get("smsb_defaultcountrycode"),
            priority=int(row.get("smsb_priorityorder") or 1_000_000),
            usable=not row.get("smsb_validationmessage"),
        )


@dataclass(frozen=True)
class Customer:
    """The record a conversation is about, and how it was found."""

    entity: str
    id: uuid.UUID
    name: str
    entity_set: str
    reason: str

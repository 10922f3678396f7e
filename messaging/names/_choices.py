"""The choice values of `messaging.names` (import them from there): one enum per choice column, named table +
column, holding only the values the domain reads or writes."""

from __future__ import annotations

from enum import IntEnum
from typing import Self


class Choice(IntEnum):
    """A value of a choice column; `label` is the label the table definition gives it."""

    _value_: int
    label: str

    def __new__(cls, value: int, label: str) -> Self:
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class SmsbConfigurationStatecode(Choice):
    ACTIVE = 0, "Active"
    INACTIVE = 1, "Inactive"


class SmsbConfigurationSmsbValidationstatus(Choice):
    DRAFT = 1, "Draft"
    VALID = 2, "Valid"
    INVALID = 3, "Invalid"


class SmsbMessagetemplateSmsbTemplatetype(Choice):
    ENTITY = 1, "Entity"
    GLOBAL = 2, "Global"


class SmsbMessagetemplateSmsbPublishstate(Choice):
    DRAFT = 1, "Draft"
    PUBLISHED = 2, "Published"


class SmsbConversationSmsbState(Choice):
    PENDING = 1, "Pending"
    ACCEPTED = 2, "Accepted"
    BLOCKED = 3, "Blocked"


class SmsbMessagesessionStatecode(Choice):
    OPEN = 0, "Open"
    COMPLETED = 1, "Completed"


class SmsbMessagesessionStatuscode(Choice):
    COMPLETED = 2, "Completed"


class SmsbMessageSmsbDirection(Choice):
    INCOMING = 1, "Incoming"
    OUTGOING = 2, "Outgoing"


class SmsbMessageSmsbStatus(Choice):
    QUEUED = 1, "Queued"
    SENDING = 2, "Sending"
    SENT = 3, "Sent"
    DELIVERED = 4, "Delivered"
    UNDELIVERED = 5, "Undelivered"
    FAILED = 6, "Failed"
    RECEIVED = 7, "Received"
    READ = 8, "Read"
    CANCELED = 9, "Canceled"
    ACCEPTED = 10, "Accepted"
    SCHEDULED = 11, "Scheduled"
    UNKNOWN = 12, "Unknown"


class SmsbMessageSmsbEncoding(Choice):
    GSM_7 = 1, "GSM-7"
    UCS_2 = 2, "UCS-2"


class SmsbMessagemediaSmsbFilestatus(Choice):
    AWAITING_FILE = 1, "Awaiting File"
    STORED = 2, "Stored"
    UNAVAILABLE = 3, "Unavailable"


class SmsbOutboxSmsbSendstatus(Choice):
    PENDING = 1, "Pending"
    SENDING = 2, "Sending"
    SENT = 3, "Sent"
    FAILED = 4, "Failed"
    SKIPPED = 5, "Skipped"
    UNKNOWN = 6, "Unknown"


class SmsbErrorlogSmsbSeverity(Choice):
    WARNING = 1, "Warning"
    ERROR = 2, "Error"
    CRITICAL = 3, "Critical"


class ActivitypartyParticipationtypemask(Choice):
    TO_RECIPIENT = 2, "To Recipient"


class AppnotificationIcontype(Choice):
    INFO = 100000000, "Info"


class AppnotificationToasttype(Choice):
    TIMED = 200000000, "Timed"


class AppnotificationPriority(Choice):
    HIGH = 200000002, "High"

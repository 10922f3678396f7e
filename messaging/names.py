"""Every Dataverse name the messaging domain uses: tables, columns, navigation properties and choice values.

The names come from the module generated from `solution/tables` (`schema.names`); this module picks the ones the
domain uses, gives the choices the short names the domain reads (`OutboxStatus`, `ConversationState`, …) and adds
the few names the Web API derives (a lookup's `_x_value`, `x@odata.bind`). Nothing else in `messaging/` spells a
table, column or choice: `tests/messaging/test_names.py` fails on a `"smsb_…"` literal anywhere in the package and
holds what is read here to the table definitions. A customer table's names (its entity set, columns, and the
navigation properties that bind a session or a party to it) are never written down: they are read from Dataverse's
table definitions (`messaging.customers`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar

from schema.names import (
    ACTIVITYPARTY,
    APPNOTIFICATION,
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_ERRORLOG,
    SMSB_MESSAGE,
    SMSB_MESSAGEMEDIA,
    SMSB_MESSAGESESSION,
    SMSB_MESSAGETEMPLATE,
    SMSB_OUTBOX,
    SMSB_RECORDTYPE,
    SYSTEMUSER,
    TEAM,
    TEAMMEMBERSHIP,
    ActivitypartyParticipationtypemask,
    AppnotificationIcontype,
    AppnotificationPriority,
    AppnotificationToasttype,
    Choice,
    SmsbConfigurationSmsbValidationstatus,
    SmsbConfigurationStatecode,
    SmsbConversationSmsbState,
    SmsbErrorlogSmsbSeverity,
    SmsbMessagemediaSmsbFilestatus,
    SmsbMessagesessionStatecode,
    SmsbMessagesessionStatuscode,
    SmsbMessageSmsbDirection,
    SmsbMessageSmsbEncoding,
    SmsbMessageSmsbStatus,
    SmsbMessagetemplateSmsbPublishstate,
    SmsbMessagetemplateSmsbTemplatetype,
    SmsbOutboxSmsbSendstatus,
)

__all__ = [
    "ACTIVITYPARTY",
    "APPNOTIFICATION",
    "SMSB_CONFIGURATION",
    "SMSB_CONVERSATION",
    "SMSB_ERRORLOG",
    "SMSB_MESSAGE",
    "SMSB_MESSAGEMEDIA",
    "SMSB_MESSAGESESSION",
    "SMSB_MESSAGETEMPLATE",
    "SMSB_OUTBOX",
    "SMSB_RECORDTYPE",
    "SYSTEMUSER",
    "TEAM",
    "TEAMMEMBERSHIP",
    "ActivityState",
    "ActivityStatus",
    "AppnotificationIcontype",
    "AppnotificationPriority",
    "AppnotificationToasttype",
    "Choice",
    "ConversationState",
    "Direction",
    "EncodingChoice",
    "MediaFileStatus",
    "OutboxStatus",
    "Participation",
    "PublishState",
    "RowState",
    "Severity",
    "StatusChoice",
    "TemplateType",
    "ValidationStatus",
    "bind_key",
    "choice_of",
    "lookup_value",
]


def lookup_value(column: str) -> str:
    """The Web API property that holds a lookup column's GUID: `smsb_session` → `_smsb_session_value`."""
    return f"_{column}_value"


def bind_key(navigation: str) -> str:
    """The key that sets a lookup in a write: `smsb_session` → `smsb_session@odata.bind`."""
    return f"{navigation}@odata.bind"


E = TypeVar("E", bound=IntEnum)


def choice_of(kind: type[E], value: int) -> E:
    """The member of a choice for a stored value; `ValueError` for a value the column does not define."""
    for member in kind:
        if member.value == value:
            return member
    raise ValueError(f"{value} is not a {kind.__name__} value")


# -- the names the domain reads --------------------------------------------------------------------------------------
ValidationStatus = SmsbConfigurationSmsbValidationstatus
RowState = SmsbConfigurationStatecode  # statecode of every organization- and user-owned standard table: 0 Active
TemplateType = SmsbMessagetemplateSmsbTemplatetype
PublishState = SmsbMessagetemplateSmsbPublishstate
ConversationState = SmsbConversationSmsbState
ActivityState = SmsbMessagesessionStatecode  # the activity states of sessions and Outbox rows alike
ActivityStatus = SmsbMessagesessionStatuscode
Direction = SmsbMessageSmsbDirection
StatusChoice = SmsbMessageSmsbStatus
EncodingChoice = SmsbMessageSmsbEncoding
MediaFileStatus = SmsbMessagemediaSmsbFilestatus
OutboxStatus = SmsbOutboxSmsbSendstatus
Severity = SmsbErrorlogSmsbSeverity
Participation = ActivitypartyParticipationtypemask

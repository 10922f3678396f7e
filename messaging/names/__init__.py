"""Every Dataverse name the messaging domain uses: tables, columns, navigation properties and choice values.

Nothing else in `messaging/` spells a table, column or choice; `tests/messaging/test_names.py` holds every name here
to the table definitions in `solution/tables` and fails on a `"smsb_…"` literal anywhere else in the package.

The shape follows the names module generated from `solution/tables` (per table a frozen value with `logical_name`,
`entity_set`, `primary_id`, `primary_name`, `columns.<name>`, `navigation.<name>` and `collections.<name>`; one
`Choice` enum per choice column, named table + column), so moving to the generated module is one change here: import
its tables and enums instead of `_tables` and `_choices` (which hold the definitions until then, split only for
length) and delete those two. The short enum names the domain reads (`OutboxStatus`, `ConversationState`, …) are
aliases kept at the end.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar

from messaging.names._choices import (
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
from messaging.names._tables import (
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
    "party_navigation",
]


def lookup_value(column: str) -> str:
    """The Web API property that holds a lookup column's GUID: `smsb_session` → `_smsb_session_value`."""
    return f"_{column}_value"


def bind_key(navigation: str) -> str:
    """The key that sets a lookup in a write: `smsb_session` → `smsb_session@odata.bind`."""
    return f"{navigation}@odata.bind"


def party_navigation(table: str) -> str:
    """An activity party's navigation property for a record of `table` (`partyid_contact`, `partyid_account`, …)."""
    return f"partyid_{table}"


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

"""Every Dataverse name the messaging domain uses: tables, columns, navigation properties and choice values.

Nothing else in `messaging/` spells a table, column or choice; `tests/messaging/test_names.py` holds every name here
to the table definitions in `solution/tables` and fails on a `"smsb_…"` literal anywhere else in the package.

The shape follows the names module generated from `solution/tables` (a frozen value per table with `logical_name`,
`entity_set`, `primary_id`, `primary_name`, `columns.<name>` and `navigation.<name>`; one `Choice` enum per choice
column, named table + column), so moving to the generated module is one change here: import its tables and enums
under the same names and delete the definitions below. The short enum names the domain reads (`OutboxStatus`,
`ConversationState`, …) are aliases kept at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Self, TypeVar

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


class Choice(IntEnum):
    """A value of a choice column; `label` is the label the table definition gives it."""

    _value_: int
    label: str

    def __new__(cls, value: int, label: str) -> Self:
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


C = TypeVar("C", bound=IntEnum)


def choice_of(kind: type[C], value: int) -> C:
    """The member of a choice for a stored value; `ValueError` for a value the column does not define."""
    for member in kind:
        if member.value == value:
            return member
    raise ValueError(f"{value} is not a {kind.__name__} value")


# -- smsb_configuration --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbConfigurationColumns:
    smsb_configurationid: str = "smsb_configurationid"
    createdon: str = "createdon"
    statecode: str = "statecode"
    smsb_name: str = "smsb_name"
    smsb_mobilenumber: str = "smsb_mobilenumber"
    smsb_messagingservicesid: str = "smsb_messagingservicesid"
    smsb_accountsid: str = "smsb_accountsid"
    smsb_authtoken: str = "smsb_authtoken"
    smsb_callbackurl: str = "smsb_callbackurl"
    smsb_sessiontimeout: str = "smsb_sessiontimeout"
    smsb_idletimeout: str = "smsb_idletimeout"
    smsb_assignedteam: str = "smsb_assignedteam"
    smsb_validationstatus: str = "smsb_validationstatus"
    smsb_lastvalidatedon: str = "smsb_lastvalidatedon"
    smsb_validationmessage: str = "smsb_validationmessage"
    smsb_validaterequestedon: str = "smsb_validaterequestedon"
    smsb_autoconfigure: str = "smsb_autoconfigure"
    smsb_sendappnotifications: str = "smsb_sendappnotifications"
    smsb_deletetwiliomedia: str = "smsb_deletetwiliomedia"


@dataclass(frozen=True)
class SmsbConfiguration:
    logical_name: str = "smsb_configuration"
    entity_set: str = "smsb_configurations"
    primary_id: str = "smsb_configurationid"
    primary_name: str | None = "smsb_name"
    columns: SmsbConfigurationColumns = SmsbConfigurationColumns()


SMSB_CONFIGURATION: Final = SmsbConfiguration()


class SmsbConfigurationStatecode(Choice):
    ACTIVE = 0, "Active"
    INACTIVE = 1, "Inactive"


class SmsbConfigurationSmsbValidationstatus(Choice):
    DRAFT = 1, "Draft"
    VALID = 2, "Valid"
    INVALID = 3, "Invalid"


# -- smsb_recordtype -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbRecordtypeColumns:
    smsb_recordtypeid: str = "smsb_recordtypeid"
    createdon: str = "createdon"
    statecode: str = "statecode"
    smsb_name: str = "smsb_name"
    smsb_configuration: str = "smsb_configuration"
    smsb_entitylogicalname: str = "smsb_entitylogicalname"
    smsb_phonefield: str = "smsb_phonefield"
    smsb_compliancefield: str = "smsb_compliancefield"
    smsb_defaultcountrycode: str = "smsb_defaultcountrycode"
    smsb_priorityorder: str = "smsb_priorityorder"
    smsb_validationmessage: str = "smsb_validationmessage"


@dataclass(frozen=True)
class SmsbRecordtype:
    logical_name: str = "smsb_recordtype"
    entity_set: str = "smsb_recordtypes"
    primary_id: str = "smsb_recordtypeid"
    primary_name: str | None = "smsb_name"
    columns: SmsbRecordtypeColumns = SmsbRecordtypeColumns()


SMSB_RECORDTYPE: Final = SmsbRecordtype()


# -- smsb_messagetemplate ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbMessagetemplateColumns:
    smsb_messagetemplateid: str = "smsb_messagetemplateid"
    smsb_name: str = "smsb_name"
    smsb_templatetype: str = "smsb_templatetype"
    smsb_entitylogicalname: str = "smsb_entitylogicalname"
    smsb_body: str = "smsb_body"
    smsb_publishstate: str = "smsb_publishstate"


@dataclass(frozen=True)
class SmsbMessagetemplate:
    logical_name: str = "smsb_messagetemplate"
    entity_set: str = "smsb_messagetemplates"
    primary_id: str = "smsb_messagetemplateid"
    primary_name: str | None = "smsb_name"
    columns: SmsbMessagetemplateColumns = SmsbMessagetemplateColumns()


SMSB_MESSAGETEMPLATE: Final = SmsbMessagetemplate()


class SmsbMessagetemplateSmsbTemplatetype(Choice):
    ENTITY = 1, "Entity"
    GLOBAL = 2, "Global"


class SmsbMessagetemplateSmsbPublishstate(Choice):
    DRAFT = 1, "Draft"
    PUBLISHED = 2, "Published"


# -- smsb_conversation ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbConversationColumns:
    smsb_conversationid: str = "smsb_conversationid"
    ownerid: str = "ownerid"
    smsb_name: str = "smsb_name"
    smsb_configuration: str = "smsb_configuration"
    smsb_phonenumber: str = "smsb_phonenumber"
    smsb_state: str = "smsb_state"
    smsb_optedout: str = "smsb_optedout"
    smsb_optedouton: str = "smsb_optedouton"
    smsb_optoutkeyword: str = "smsb_optoutkeyword"
    smsb_customerentity: str = "smsb_customerentity"
    smsb_customerid: str = "smsb_customerid"
    smsb_customername: str = "smsb_customername"
    smsb_matchreason: str = "smsb_matchreason"
    smsb_lastinboundon: str = "smsb_lastinboundon"
    smsb_lastoutboundon: str = "smsb_lastoutboundon"
    smsb_lastactivityon: str = "smsb_lastactivityon"
    smsb_lastmessagepreview: str = "smsb_lastmessagepreview"


@dataclass(frozen=True)
class SmsbConversationNavigation:
    ownerid: str = "ownerid"
    smsb_configuration: str = "smsb_configuration"


@dataclass(frozen=True)
class SmsbConversation:
    logical_name: str = "smsb_conversation"
    entity_set: str = "smsb_conversations"
    primary_id: str = "smsb_conversationid"
    primary_name: str | None = "smsb_name"
    columns: SmsbConversationColumns = SmsbConversationColumns()
    navigation: SmsbConversationNavigation = SmsbConversationNavigation()


SMSB_CONVERSATION: Final = SmsbConversation()


class SmsbConversationSmsbState(Choice):
    PENDING = 1, "Pending"
    ACCEPTED = 2, "Accepted"
    BLOCKED = 3, "Blocked"


# -- smsb_messagesession (custom activity) -------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbMessagesessionColumns:
    activityid: str = "activityid"
    subject: str = "subject"
    ownerid: str = "ownerid"
    regardingobjectid: str = "regardingobjectid"
    actualstart: str = "actualstart"
    scheduledend: str = "scheduledend"
    actualend: str = "actualend"
    statecode: str = "statecode"
    statuscode: str = "statuscode"
    smsb_customer: str = "smsb_customer"
    smsb_conversation: str = "smsb_conversation"
    smsb_configuration: str = "smsb_configuration"
    smsb_phonenumber: str = "smsb_phonenumber"


@dataclass(frozen=True)
class SmsbMessagesessionNavigation:
    ownerid: str = "ownerid"
    smsb_customer_account: str = "smsb_customer_account"
    smsb_customer_contact: str = "smsb_customer_contact"
    smsb_conversation: str = "smsb_conversation"
    smsb_configuration: str = "smsb_configuration"


@dataclass(frozen=True)
class SmsbMessagesessionCollections:
    smsb_messagesession_activity_parties: str = "smsb_messagesession_activity_parties"


@dataclass(frozen=True)
class SmsbMessagesession:
    logical_name: str = "smsb_messagesession"
    entity_set: str = "smsb_messagesessions"
    primary_id: str = "activityid"
    primary_name: str | None = "subject"
    columns: SmsbMessagesessionColumns = SmsbMessagesessionColumns()
    navigation: SmsbMessagesessionNavigation = SmsbMessagesessionNavigation()
    collections: SmsbMessagesessionCollections = SmsbMessagesessionCollections()


SMSB_MESSAGESESSION: Final = SmsbMessagesession()


class SmsbMessagesessionStatecode(Choice):
    OPEN = 0, "Open"
    COMPLETED = 1, "Completed"
    CANCELED = 2, "Canceled"
    SCHEDULED = 3, "Scheduled"


class SmsbMessagesessionStatuscode(Choice):
    OPEN = 1, "Open"
    COMPLETED = 2, "Completed"
    CANCELED = 3, "Canceled"
    SCHEDULED = 4, "Scheduled"


# -- smsb_message --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbMessageColumns:
    smsb_messageid: str = "smsb_messageid"
    createdon: str = "createdon"
    ownerid: str = "ownerid"
    smsb_name: str = "smsb_name"
    smsb_session: str = "smsb_session"
    smsb_conversation: str = "smsb_conversation"
    smsb_configuration: str = "smsb_configuration"
    smsb_direction: str = "smsb_direction"
    smsb_body: str = "smsb_body"
    smsb_from: str = "smsb_from"
    smsb_to: str = "smsb_to"
    smsb_status: str = "smsb_status"
    smsb_sid: str = "smsb_sid"
    smsb_errorcode: str = "smsb_errorcode"
    smsb_errormessage: str = "smsb_errormessage"
    smsb_numsegments: str = "smsb_numsegments"
    smsb_encoding: str = "smsb_encoding"
    smsb_nummedia: str = "smsb_nummedia"
    smsb_receivedon: str = "smsb_receivedon"
    smsb_senton: str = "smsb_senton"
    smsb_deliveredon: str = "smsb_deliveredon"
    smsb_sentby: str = "smsb_sentby"
    smsb_outbox: str = "smsb_outbox"


@dataclass(frozen=True)
class SmsbMessageNavigation:
    ownerid: str = "ownerid"
    smsb_session: str = "smsb_session"
    smsb_conversation: str = "smsb_conversation"
    smsb_configuration: str = "smsb_configuration"
    smsb_sentby: str = "smsb_sentby"
    smsb_outbox: str = "smsb_outbox"


@dataclass(frozen=True)
class SmsbMessage:
    logical_name: str = "smsb_message"
    entity_set: str = "smsb_messages"
    primary_id: str = "smsb_messageid"
    primary_name: str | None = "smsb_name"
    columns: SmsbMessageColumns = SmsbMessageColumns()
    navigation: SmsbMessageNavigation = SmsbMessageNavigation()


SMSB_MESSAGE: Final = SmsbMessage()


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


# -- smsb_messagemedia ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbMessagemediaColumns:
    smsb_messagemediaid: str = "smsb_messagemediaid"
    createdon: str = "createdon"
    ownerid: str = "ownerid"
    smsb_name: str = "smsb_name"
    smsb_message: str = "smsb_message"
    smsb_contenttype: str = "smsb_contenttype"
    smsb_size: str = "smsb_size"
    smsb_file: str = "smsb_file"
    smsb_twiliomediasid: str = "smsb_twiliomediasid"
    smsb_filestatus: str = "smsb_filestatus"


@dataclass(frozen=True)
class SmsbMessagemediaNavigation:
    ownerid: str = "ownerid"
    smsb_message: str = "smsb_message"


@dataclass(frozen=True)
class SmsbMessagemedia:
    logical_name: str = "smsb_messagemedia"
    entity_set: str = "smsb_messagemedias"
    primary_id: str = "smsb_messagemediaid"
    primary_name: str | None = "smsb_name"
    columns: SmsbMessagemediaColumns = SmsbMessagemediaColumns()
    navigation: SmsbMessagemediaNavigation = SmsbMessagemediaNavigation()


SMSB_MESSAGEMEDIA: Final = SmsbMessagemedia()


class SmsbMessagemediaSmsbFilestatus(Choice):
    AWAITING_FILE = 1, "Awaiting File"
    STORED = 2, "Stored"
    UNAVAILABLE = 3, "Unavailable"


# -- smsb_outbox (custom activity) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbOutboxColumns:
    activityid: str = "activityid"
    createdon: str = "createdon"
    createdby: str = "createdby"
    modifiedon: str = "modifiedon"
    ownerid: str = "ownerid"
    regardingobjectid: str = "regardingobjectid"
    actualstart: str = "actualstart"
    statecode: str = "statecode"
    subject: str = "subject"
    smsb_configuration: str = "smsb_configuration"
    smsb_messagetemplate: str = "smsb_messagetemplate"
    smsb_freeform: str = "smsb_freeform"
    smsb_mobilenumber: str = "smsb_mobilenumber"
    smsb_session: str = "smsb_session"
    smsb_attachment: str = "smsb_attachment"
    smsb_sendafter: str = "smsb_sendafter"
    smsb_sendstatus: str = "smsb_sendstatus"
    smsb_sid: str = "smsb_sid"
    smsb_errorcode: str = "smsb_errorcode"
    smsb_failurereason: str = "smsb_failurereason"
    smsb_sendattempts: str = "smsb_sendattempts"
    smsb_message: str = "smsb_message"


@dataclass(frozen=True)
class SmsbOutboxNavigation:
    smsb_configuration: str = "smsb_configuration"
    smsb_messagetemplate: str = "smsb_messagetemplate"
    smsb_session: str = "smsb_session"
    smsb_message: str = "smsb_message"


@dataclass(frozen=True)
class SmsbOutboxCollections:
    smsb_outbox_activity_parties: str = "smsb_outbox_activity_parties"


@dataclass(frozen=True)
class SmsbOutbox:
    logical_name: str = "smsb_outbox"
    entity_set: str = "smsb_outboxes"
    primary_id: str = "activityid"
    primary_name: str | None = "subject"
    columns: SmsbOutboxColumns = SmsbOutboxColumns()
    navigation: SmsbOutboxNavigation = SmsbOutboxNavigation()
    collections: SmsbOutboxCollections = SmsbOutboxCollections()


SMSB_OUTBOX: Final = SmsbOutbox()


class SmsbOutboxStatecode(Choice):
    OPEN = 0, "Open"
    COMPLETED = 1, "Completed"
    CANCELED = 2, "Canceled"
    SCHEDULED = 3, "Scheduled"


class SmsbOutboxSmsbSendstatus(Choice):
    PENDING = 1, "Pending"
    SENDING = 2, "Sending"
    SENT = 3, "Sent"
    FAILED = 4, "Failed"
    SKIPPED = 5, "Skipped"
    UNKNOWN = 6, "Unknown"


# -- smsb_errorlog -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbErrorlogColumns:
    smsb_errorlogid: str = "smsb_errorlogid"
    smsb_name: str = "smsb_name"
    smsb_source: str = "smsb_source"
    smsb_severity: str = "smsb_severity"
    smsb_details: str = "smsb_details"
    smsb_correlationid: str = "smsb_correlationid"
    smsb_twiliosid: str = "smsb_twiliosid"
    smsb_relatedentity: str = "smsb_relatedentity"
    smsb_relatedid: str = "smsb_relatedid"
    smsb_occurredon: str = "smsb_occurredon"


@dataclass(frozen=True)
class SmsbErrorlog:
    logical_name: str = "smsb_errorlog"
    entity_set: str = "smsb_errorlogs"
    primary_id: str = "smsb_errorlogid"
    primary_name: str | None = "smsb_name"
    columns: SmsbErrorlogColumns = SmsbErrorlogColumns()


SMSB_ERRORLOG: Final = SmsbErrorlog()


class SmsbErrorlogSmsbSeverity(Choice):
    WARNING = 1, "Warning"
    ERROR = 2, "Error"
    CRITICAL = 3, "Critical"


# -- standard tables the product writes or reads -------------------------------------------------------------------
@dataclass(frozen=True)
class ActivitypartyColumns:
    partyid: str = "partyid"
    participationtypemask: str = "participationtypemask"
    addressused: str = "addressused"


@dataclass(frozen=True)
class Activityparty:
    logical_name: str = "activityparty"
    entity_set: str = "activityparties"
    primary_id: str = "activitypartyid"
    primary_name: str | None = None
    columns: ActivitypartyColumns = ActivitypartyColumns()

    @staticmethod
    def party_navigation(table: str) -> str:
        """The party's navigation property for a record of `table` (`partyid_contact`, `partyid_account`, …)."""
        return f"partyid_{table}"


ACTIVITYPARTY: Final = Activityparty()


class ActivitypartyParticipationtypemask(Choice):
    SENDER = 1, "Sender"
    TO_RECIPIENT = 2, "To Recipient"


@dataclass(frozen=True)
class AppnotificationColumns:
    appnotificationid: str = "appnotificationid"
    ownerid: str = "ownerid"
    title: str = "title"
    body: str = "body"
    data: str = "data"
    icontype: str = "icontype"
    toasttype: str = "toasttype"
    priority: str = "priority"
    ttlinseconds: str = "ttlinseconds"


@dataclass(frozen=True)
class AppnotificationNavigation:
    ownerid: str = "ownerid"


@dataclass(frozen=True)
class Appnotification:
    logical_name: str = "appnotification"
    entity_set: str = "appnotifications"
    primary_id: str = "appnotificationid"
    primary_name: str | None = "title"
    columns: AppnotificationColumns = AppnotificationColumns()
    navigation: AppnotificationNavigation = AppnotificationNavigation()


APPNOTIFICATION: Final = Appnotification()


class AppnotificationIcontype(Choice):
    INFO = 100000000, "Info"


class AppnotificationToasttype(Choice):
    TIMED = 200000000, "Timed"


class AppnotificationPriority(Choice):
    HIGH = 200000002, "High"


@dataclass(frozen=True)
class TeammembershipColumns:
    systemuserid: str = "systemuserid"
    teamid: str = "teamid"


@dataclass(frozen=True)
class Teammembership:
    logical_name: str = "teammembership"
    entity_set: str = "teammemberships"
    primary_id: str = "teammembershipid"
    primary_name: str | None = None
    columns: TeammembershipColumns = TeammembershipColumns()


TEAMMEMBERSHIP: Final = Teammembership()


@dataclass(frozen=True)
class Systemuser:
    logical_name: str = "systemuser"
    entity_set: str = "systemusers"
    primary_id: str = "systemuserid"
    primary_name: str | None = "fullname"


SYSTEMUSER: Final = Systemuser()


@dataclass(frozen=True)
class Team:
    logical_name: str = "team"
    entity_set: str = "teams"
    primary_id: str = "teamid"
    primary_name: str | None = "name"


TEAM: Final = Team()


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

"""The tables, columns and navigation properties of `messaging.names` (import them from there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Generic, TypeVar


@dataclass(frozen=True)
class _None:
    """A table with no navigation property (or collection) the domain uses."""


C = TypeVar("C")
N = TypeVar("N")
L = TypeVar("L")


@dataclass(frozen=True)
class Table(Generic[C, N, L]):
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str | None
    columns: C
    navigation: N
    collections: L


# -- smsb_configuration -----------------------------------------------------------------------------------------------
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


SMSB_CONFIGURATION: Final = Table("smsb_configuration", "smsb_configurations", "smsb_configurationid", "smsb_name",
                                  SmsbConfigurationColumns(), _None(), _None())


# -- smsb_recordtype --------------------------------------------------------------------------------------------------
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


SMSB_RECORDTYPE: Final = Table("smsb_recordtype", "smsb_recordtypes", "smsb_recordtypeid", "smsb_name",
                               SmsbRecordtypeColumns(), _None(), _None())


# -- smsb_messagetemplate ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbMessagetemplateColumns:
    smsb_messagetemplateid: str = "smsb_messagetemplateid"
    smsb_name: str = "smsb_name"
    smsb_templatetype: str = "smsb_templatetype"
    smsb_entitylogicalname: str = "smsb_entitylogicalname"
    smsb_body: str = "smsb_body"
    smsb_publishstate: str = "smsb_publishstate"


SMSB_MESSAGETEMPLATE: Final = Table("smsb_messagetemplate", "smsb_messagetemplates", "smsb_messagetemplateid",
                                    "smsb_name", SmsbMessagetemplateColumns(), _None(), _None())


# -- smsb_conversation ------------------------------------------------------------------------------------------------
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


SMSB_CONVERSATION: Final = Table("smsb_conversation", "smsb_conversations", "smsb_conversationid", "smsb_name",
                                 SmsbConversationColumns(), SmsbConversationNavigation(), _None())


# -- smsb_messagesession ----------------------------------------------------------------------------------------------
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


SMSB_MESSAGESESSION: Final = Table("smsb_messagesession", "smsb_messagesessions", "activityid", "subject",
                                   SmsbMessagesessionColumns(), SmsbMessagesessionNavigation(),
                                   SmsbMessagesessionCollections())


# -- smsb_message -----------------------------------------------------------------------------------------------------
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


SMSB_MESSAGE: Final = Table("smsb_message", "smsb_messages", "smsb_messageid", "smsb_name",
                            SmsbMessageColumns(), SmsbMessageNavigation(), _None())


# -- smsb_messagemedia ------------------------------------------------------------------------------------------------
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


SMSB_MESSAGEMEDIA: Final = Table("smsb_messagemedia", "smsb_messagemedias", "smsb_messagemediaid", "smsb_name",
                                 SmsbMessagemediaColumns(), SmsbMessagemediaNavigation(), _None())


# -- smsb_outbox ------------------------------------------------------------------------------------------------------
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


SMSB_OUTBOX: Final = Table("smsb_outbox", "smsb_outboxes", "activityid", "subject",
                           SmsbOutboxColumns(), SmsbOutboxNavigation(), SmsbOutboxCollections())


# -- smsb_errorlog ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsbErrorlogColumns:
    smsb_name: str = "smsb_name"
    smsb_source: str = "smsb_source"
    smsb_severity: str = "smsb_severity"
    smsb_details: str = "smsb_details"
    smsb_correlationid: str = "smsb_correlationid"
    smsb_twiliosid: str = "smsb_twiliosid"
    smsb_relatedentity: str = "smsb_relatedentity"
    smsb_relatedid: str = "smsb_relatedid"
    smsb_occurredon: str = "smsb_occurredon"


SMSB_ERRORLOG: Final = Table("smsb_errorlog", "smsb_errorlogs", "smsb_errorlogid", "smsb_name",
                             SmsbErrorlogColumns(), _None(), _None())


# -- activityparty ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivitypartyColumns:
    partyid: str = "partyid"
    participationtypemask: str = "participationtypemask"
    addressused: str = "addressused"


ACTIVITYPARTY: Final = Table("activityparty", "activityparties", "activitypartyid", None,
                             ActivitypartyColumns(), _None(), _None())


# -- appnotification --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppnotificationColumns:
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


APPNOTIFICATION: Final = Table("appnotification", "appnotifications", "appnotificationid", "title",
                               AppnotificationColumns(), AppnotificationNavigation(), _None())


# -- teammembership ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeammembershipColumns:
    systemuserid: str = "systemuserid"
    teamid: str = "teamid"


TEAMMEMBERSHIP: Final = Table("teammembership", "teammemberships", "teammembershipid", None,
                              TeammembershipColumns(), _None(), _None())


# -- systemuser -------------------------------------------------------------------------------------------------------
SYSTEMUSER: Final = Table("systemuser", "systemusers", "systemuserid", "fullname", _None(), _None(), _None())


# -- team -------------------------------------------------------------------------------------------------------------
TEAM: Final = Table("team", "teams", "teamid", "name", _None(), _None(), _None())

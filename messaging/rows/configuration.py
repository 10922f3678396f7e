"""The setup rows: Configurations (one Twilio sender each) and their Record Types, as read, and what the product
writes back to them (the sealed auth token, the validation verdict, a Record Type's check)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dataverse.rows import Row
from messaging.names import SMSB_CONFIGURATION, SMSB_RECORDTYPE, RowState, ValidationStatus, lookup_value
from messaging.plans import Write

__all__ = [
    "CONFIGURATION_COLUMNS",
    "RECORD_TYPE_COLUMNS",
    "Configuration",
    "RecordType",
    "record_type_checked",
    "token_sealed",
    "validated",
    "validation_waiting",
]

_C = SMSB_CONFIGURATION.columns
_R = SMSB_RECORDTYPE.columns
_MESSAGE_LENGTH = 2000
DEFAULT_SESSION_MINUTES = 1440
DEFAULT_IDLE_MINUTES = 5

CONFIGURATION_COLUMNS = (
    _C.smsb_configurationid, _C.smsb_name, _C.smsb_mobilenumber, _C.smsb_messagingservicesid, _C.smsb_accountsid,
    _C.smsb_authtoken, _C.smsb_sessiontimeout, _C.smsb_idletimeout, lookup_value(_C.smsb_assignedteam),
    _C.smsb_sendappnotifications, _C.smsb_deletetwiliomedia, _C.smsb_validationstatus, _C.statecode,
)

RECORD_TYPE_COLUMNS = (
    _R.smsb_recordtypeid, _R.smsb_name, _R.smsb_entitylogicalname, _R.smsb_relatedentitylogicalname,
    _R.smsb_phonefield, _R.smsb_compliancefield, _R.smsb_defaultcountrycode, _R.smsb_priorityorder,
    _R.smsb_validationmessage, lookup_value(_R.smsb_configuration), _R.modifiedon,
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
    validation_status: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Configuration:
        status = row.get(_C.smsb_validationstatus)
        return cls(
            id=uuid.UUID(str(row[_C.smsb_configurationid])),
            name=str(row.get(_C.smsb_name) or ""),
            mobile_number=row.get(_C.smsb_mobilenumber),
            messaging_service_sid=row.get(_C.smsb_messagingservicesid),
            account_sid=str(row.get(_C.smsb_accountsid) or ""),
            auth_token_sealed=row.get(_C.smsb_authtoken),
            session_timeout_minutes=int(row.get(_C.smsb_sessiontimeout) or DEFAULT_SESSION_MINUTES),
            idle_timeout_minutes=int(row.get(_C.smsb_idletimeout) or DEFAULT_IDLE_MINUTES),
            team_id=row.guid(lookup_value(_C.smsb_assignedteam)),
            send_app_notifications=row.get(_C.smsb_sendappnotifications) is not False,
            delete_twilio_media=row.get(_C.smsb_deletetwiliomedia) is True,
            active=row.get(_C.statecode, RowState.ACTIVE) == RowState.ACTIVE,
            validation_status=int(status) if status is not None else None,
        )

    @property
    def validated(self) -> bool:
        return self.validation_status == ValidationStatus.VALID


@dataclass(frozen=True)
class RecordType:
    """Which table the Configuration can text, and which of its columns holds the number; optionally the table a
    chat can be started from to text a record of it (`related_entity`: a Case texts its contact)."""

    id: uuid.UUID
    name: str
    entity: str
    phone_field: str
    compliance_field: str | None
    default_country_code: str | None
    priority: int
    usable: bool
    related_entity: str | None = None
    version: str = ""  # when the row last changed: the table definitions read for it are kept while it holds

    @classmethod
    def from_row(cls, row: Row) -> RecordType:
        related = str(row.get(_R.smsb_relatedentitylogicalname) or "").strip().lower()
        return cls(
            id=uuid.UUID(str(row[_R.smsb_recordtypeid])),
            name=str(row.get(_R.smsb_name) or ""),
            entity=str(row.get(_R.smsb_entitylogicalname) or "").strip().lower(),
            phone_field=str(row.get(_R.smsb_phonefield) or "").strip().lower(),
            compliance_field=(str(row[_R.smsb_compliancefield]).strip().lower()
                              if row.get(_R.smsb_compliancefield) else None),
            default_country_code=row.get(_R.smsb_defaultcountrycode),
            priority=int(row.get(_R.smsb_priorityorder) or 1_000_000),
            usable=not row.get(_R.smsb_validationmessage),
            related_entity=related or None,
            version=str(row.get(_R.modifiedon) or ""),
        )


def token_sealed(configuration_id: uuid.UUID, sealed: str, etag: str | None) -> Write:
    return Write(SMSB_CONFIGURATION, configuration_id, {_C.smsb_authtoken: sealed}, etag=etag)


def validated(configuration_id: uuid.UUID, *, valid: bool, message: str, at: datetime, callback_url: str | None,
              etag: str | None, taken_over: bool = False) -> Write:
    """Validate's verdict. A take-over done sets Take Over Number back to No: the admin agreed to one take-over,
    not to every later one."""
    values: dict[str, object] = {
        _C.smsb_validationstatus: int(ValidationStatus.VALID if valid else ValidationStatus.INVALID),
        _C.smsb_validationmessage: message[:_MESSAGE_LENGTH],
        _C.smsb_lastvalidatedon: at.isoformat(),
    }
    if callback_url:
        values[_C.smsb_callbackurl] = callback_url
    if taken_over:
        values[_C.smsb_takeovernumber] = False
    return Write(SMSB_CONFIGURATION, configuration_id, values, etag=etag)


def validation_waiting(configuration_id: uuid.UUID, message: str, etag: str | None) -> Write:
    """Why nothing happened yet, the status left as it was."""
    return Write(SMSB_CONFIGURATION, configuration_id, {_C.smsb_validationmessage: message[:_MESSAGE_LENGTH]},
                 etag=etag)


def record_type_checked(record_type_id: uuid.UUID, message: str, etag: str | None) -> Write:
    """A Record Type's verdict: empty (stored as no value) when it can be used."""
    return Write(SMSB_RECORDTYPE, record_type_id, {_R.smsb_validationmessage: message[:_MESSAGE_LENGTH] or None},
                 etag=etag)

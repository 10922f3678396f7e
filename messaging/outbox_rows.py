"""The Outbox row as the outbound processor reads it: one GET with its To party, template, Configuration and
chat session expanded (DESIGN 6.4), parsed once into `Outbox`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dataverse import Row
from messaging.model import CONFIGURATION_COLUMNS, OutboxStatus, parse_datetime

__all__ = ["OUTBOX_COLUMNS", "OUTBOX_EXPAND", "PARTY_TO", "Outbox", "Party"]

PARTY_TO = 2

OUTBOX_COLUMNS = (
    "activityid", "subject", "smsb_sendstatus", "smsb_sendafter", "smsb_mobilenumber", "smsb_freeform",
    "smsb_attachment", "_smsb_configuration_value", "_smsb_messagetemplate_value", "_smsb_session_value",
    "_regardingobjectid_value", "_ownerid_value", "smsb_sendattempts",
)
TEMPLATE_COLUMNS = ("smsb_messagetemplateid", "smsb_name", "smsb_body", "smsb_publishstate", "smsb_templatetype",
                    "smsb_entitylogicalname")
SESSION_COLUMNS = ("activityid", "smsb_phonenumber", "_smsb_conversation_value", "_smsb_configuration_value")
OUTBOX_EXPAND = (
    "smsb_outbox_activity_parties($select=participationtypemask,_partyid_value,addressused;"
    f"$filter=participationtypemask eq {PARTY_TO})",
    f"smsb_messagetemplate($select={','.join(TEMPLATE_COLUMNS)})",
    f"smsb_configuration($select={','.join(CONFIGURATION_COLUMNS)})",
    f"smsb_session($select={','.join(SESSION_COLUMNS)})",
)


@dataclass(frozen=True)
class Party:
    table: str | None
    id: uuid.UUID | None
    address: str | None


@dataclass(frozen=True)
class Outbox:
    id: uuid.UUID
    subject: str
    status: OutboxStatus
    etag: str | None
    send_after: datetime | None
    explicit_number: str | None
    freeform: str
    has_attachment: bool
    configuration_id: uuid.UUID | None
    configuration_row: Row | None
    template_id: uuid.UUID | None
    template_row: Row | None
    to: Party | None
    session_row: Row | None
    owner_user: uuid.UUID | None
    attempts: int = 0  # claims so far (smsb_sendattempts)

    @classmethod
    def from_row(cls, row: Row) -> Outbox:
        to = None
        for party in row.get("smsb_outbox_activity_parties") or ():
            if not isinstance(party, Row) or party.get("participationtypemask") != PARTY_TO:
                continue
            to = Party(party.lookup_tables.get("_partyid_value"), party.guid("_partyid_value"),
                       party.get("addressused") or None)
            break
        owner_table = row.lookup_tables.get("_ownerid_value")
        return cls(
            id=uuid.UUID(str(row["activityid"])),
            subject=str(row.get("subject") or ""),
            status=OutboxStatus(int(row.get("smsb_sendstatus") or OutboxStatus.PENDING)),
            etag=row.etag,
            send_after=parse_datetime(row.get("smsb_sendafter")),
            explicit_number=(str(row["smsb_mobilenumber"]).strip() or None) if row.get("smsb_mobilenumber") else None,
            freeform=str(row.get("smsb_freeform") or ""),
            has_attachment=bool(row.get("smsb_attachment")),
            configuration_id=row.guid("_smsb_configuration_value"),
            configuration_row=_expanded(row, "smsb_configuration"),
            template_id=row.guid("_smsb_messagetemplate_value"),
            template_row=_expanded(row, "smsb_messagetemplate"),
            to=to,
            session_row=_expanded(row, "smsb_session"),
            owner_user=row.guid("_ownerid_value") if owner_table == "systemuser" else None,
            attempts=int(row.get("smsb_sendattempts") or 0),
        )


def _expanded(row: Row, navigation: str) -> Row | None:
    value = row.get(navigation)
    return value if isinstance(value, Row) else None

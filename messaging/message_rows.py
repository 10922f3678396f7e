"""What an outgoing text writes before it is sent (DESIGN 6.4, step 3): the `Send` decided for an Outbox, and the
bodies of the conversation (first text to the number), the session (first of its window) and the outgoing message
row it becomes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from dataverse import Row, bind
from messaging.matching import TableInfo
from messaging.model import Configuration, ConversationState, Direction, RecordType, StatusChoice
from messaging.outbox_rows import PARTY_TO, Outbox
from messaging.windows import Window
from solution.schema import Schema
from twilio_bridge import Encoding, segment_info

__all__ = ["Send", "Sender", "conversation_body", "message_body", "session_body"]

_NAME_LENGTH = 200


@dataclass(frozen=True)
class Sender:
    configuration: Configuration
    validation_status: int | None
    record_types: tuple[RecordType, ...]


@dataclass(frozen=True)
class Send:
    """Everything decided before the message row is written."""

    sender: Sender
    number: str
    conversation: uuid.UUID
    conversation_row: Row | None
    window: Window
    session: uuid.UUID
    session_exists: bool
    body: str
    display_name: str


def conversation_body(send: Send, outbox: Outbox, record: Row | None, table: TableInfo | None) -> dict[str, Any]:
    configuration = send.sender.configuration
    body: dict[str, Any] = {
        "smsb_name": send.display_name[:_NAME_LENGTH],
        "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
        "smsb_phonenumber": send.number,
        "smsb_state": int(ConversationState.PENDING),
        "smsb_matchreason": f"Started by the outgoing text '{outbox.subject}'"[:_NAME_LENGTH],
        **({"ownerid@odata.bind": bind("teams", configuration.team_id)} if configuration.team_id else {}),
    }
    to = outbox.to
    if record is not None and table is not None and to is not None and to.id is not None:
        name = str(record.get(table.primary_name) or send.number)
        body.update({"smsb_name": name[:_NAME_LENGTH], "smsb_customerentity": table.logical_name,
                     "smsb_customerid": str(to.id), "smsb_customername": name[:_NAME_LENGTH]})
    return body


def session_body(send: Send, outbox: Outbox, record: Row | None, table: TableInfo | None,
                 schema: Schema) -> dict[str, Any]:
    configuration, window = send.sender.configuration, send.window
    name = send.display_name
    if record is not None and table is not None:
        name = str(record.get(table.primary_name) or send.number)
    body: dict[str, Any] = {
        "subject": f"SMS with {name} ({window.start:%Y-%m-%d %H:%M} UTC)"[:_NAME_LENGTH],
        "smsb_conversation@odata.bind": bind("smsb_conversations", send.conversation),
        "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
        "smsb_phonenumber": send.number,
        "actualstart": window.start.isoformat(),
        "scheduledend": window.end.isoformat(),
        **_owner(send),
    }
    to = outbox.to
    party: dict[str, Any] = {"participationtypemask": PARTY_TO, "addressused": send.number}
    if to is not None and to.id is not None and table is not None and record is not None:
        navigation = _navigation(schema, "regardingobjectid", table.logical_name)
        if navigation:
            body[f"{navigation}@odata.bind"] = bind(table.entity_set, to.id)
        if table.logical_name in ("contact", "account"):
            body[f"smsb_customer_{table.logical_name}@odata.bind"] = bind(table.entity_set, to.id)
            party = {"participationtypemask": PARTY_TO,
                     f"partyid_{table.logical_name}@odata.bind": bind(table.entity_set, to.id)}
    body["smsb_messagesession_activity_parties"] = [party]
    return body


def message_body(send: Send, outbox: Outbox) -> dict[str, Any]:
    configuration = send.sender.configuration
    info = segment_info(send.body)
    preview = send.body.strip() or "(picture)"
    body: dict[str, Any] = {
        "smsb_name": f"To {send.number}: {preview}"[:_NAME_LENGTH],
        "smsb_session@odata.bind": bind("smsb_messagesessions", send.session),
        "smsb_conversation@odata.bind": bind("smsb_conversations", send.conversation),
        "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
        "smsb_outbox@odata.bind": bind("smsb_outboxes", outbox.id),
        "smsb_direction": int(Direction.OUTGOING),
        "smsb_body": send.body,
        "smsb_from": configuration.mobile_number or configuration.messaging_service_sid,
        "smsb_to": send.number,
        "smsb_status": int(StatusChoice.QUEUED),
        "smsb_numsegments": info.segments,
        "smsb_encoding": 1 if info.encoding is Encoding.GSM_7 else 2,
        "smsb_nummedia": 1 if outbox.has_attachment else 0,
        **_owner(send),
    }
    if outbox.owner_user is not None:
        body["smsb_sentby@odata.bind"] = bind("systemusers", outbox.owner_user)
    return body


def _owner(send: Send) -> dict[str, str]:
    row = send.conversation_row
    if row is not None and row.guid("_ownerid_value") is not None:
        table = row.lookup_tables.get("_ownerid_value")
        owner = row.guid("_ownerid_value")
        if table == "systemuser":
            return {"ownerid@odata.bind": bind("systemusers", owner)}  # type: ignore[arg-type]
        if table == "team":
            return {"ownerid@odata.bind": bind("teams", owner)}  # type: ignore[arg-type]
    team = send.sender.configuration.team_id
    return {"ownerid@odata.bind": bind("teams", team)} if team is not None else {}


def _navigation(schema: Schema, attribute: str, target: str) -> str | None:
    for relationship in schema.relationships_from("smsb_messagesession", attribute):
        if relationship.referenced_table == target:
            return relationship.referencing_navigation
    return None

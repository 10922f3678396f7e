"""Plain values the messaging rules decide over, built the way the readers build them from Dataverse's answers."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from dataverse import Row
from messaging.customers import CustomerTable, Lookup
from messaging.names import ConversationState, OutboxStatus, ValidationStatus
from messaging.rows.configuration import Configuration, RecordType
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import MessageTemplate, Outbox, Party
from messaging.rows.owner import Owner

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONFIGURATION_ID = uuid.UUID("00000000-0000-0000-0000-0000000000c0")
TEAM_ID = uuid.UUID("00000000-0000-0000-0000-00000000007e")
APP_USER = uuid.UUID("00000000-0000-0000-0000-0000000000a0")
OWNER = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
CONTACT_ID = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
OUR_NUMBER = "+15005550006"


CASE_ID = uuid.UUID("00000000-0000-0000-0000-0000000000ca")
CONSENT = "smsb_smsconsent"  # a Yes/No column an admin adds to contact


def contact_table() -> CustomerTable:
    """contact as Dataverse's definition describes it (a few of its columns, with their AttributeType)."""
    columns = {"contactid": "Uniqueidentifier", "fullname": "String", "firstname": "String", "lastname": "String",
               "mobilephone": "String", "telephone1": "String", "emailaddress1": "String", "jobtitle": "String",
               "parentcustomerid": "Customer", "donotphone": "Boolean", "statecode": "State",
               "modifiedon": "DateTime", CONSENT: "Boolean"}
    return CustomerTable("contact", "contacts", "contactid", "fullname", MappingProxyType(columns),
                         regarding_navigation="regardingobjectid_contact_smsb_messagesession",
                         customer_navigation="smsb_customer_contact", party_navigation="partyid_contact",
                         display_name="Contact")


def account_table() -> CustomerTable:
    columns = {"accountid": "Uniqueidentifier", "name": "String", "telephone1": "String", "statecode": "State"}
    return CustomerTable("account", "accounts", "accountid", "name", MappingProxyType(columns),
                         regarding_navigation="regardingobjectid_account_smsb_messagesession",
                         customer_navigation="smsb_customer_account", party_navigation="partyid_account",
                         display_name="Account")


def case_table() -> CustomerTable:
    """incident (Case): no phone of its own, its customer through customerid (account or contact) and
    primarycontactid."""
    columns = {"incidentid": "Uniqueidentifier", "title": "String", "ticketnumber": "String",
               "customerid": "Customer", "primarycontactid": "Lookup", "prioritycode": "Picklist",
               "statecode": "State"}
    lookups = (Lookup("primarycontactid", "contact", "primarycontactid"),
               Lookup("customerid", "contact", "customerid_contact", customer=True),
               Lookup("customerid", "account", "customerid_account", customer=True))
    return CustomerTable("incident", "incidents", "incidentid", "title", MappingProxyType(columns),
                         regarding_navigation="regardingobjectid_incident_smsb_messagesession", lookups=lookups,
                         display_name="Case")


def tables(*defined: CustomerTable) -> dict[str, CustomerTable | None]:
    every = defined or (contact_table(), account_table(), case_table())
    return {table.logical_name: table for table in every}


def configuration(**changes: Any) -> Configuration:
    base = Configuration(
        id=CONFIGURATION_ID, name="Support line", mobile_number=OUR_NUMBER, messaging_service_sid=None,
        account_sid="AC" + "1" * 32, auth_token_sealed="enc:v1:sealed", session_timeout_minutes=1440,
        idle_timeout_minutes=5, team_id=TEAM_ID, send_app_notifications=True, delete_twilio_media=False,
        active=True, validation_status=int(ValidationStatus.VALID),
    )
    return dataclasses.replace(base, **changes)


def record_type(entity: str = "contact", phone: str = "mobilephone", **changes: Any) -> RecordType:
    base = RecordType(id=uuid.uuid4(), name=entity.title(), entity=entity, phone_field=phone, compliance_field=None,
                      default_country_code="+1", priority=1, usable=True)
    return dataclasses.replace(base, **changes)


def template(body: str, **changes: Any) -> MessageTemplate:
    base = MessageTemplate(name="Order ready", body=body, published=True, global_=False, entity="contact")
    return dataclasses.replace(base, **changes)


def outbox(text: str | None = "Hello", *, to_contact: bool = True, message_template: MessageTemplate | None = None,
           **changes: Any) -> Outbox:
    """An Outbox as a workflow creates it: To a contact, From the Configuration, free text or a template."""
    base = Outbox(
        id=uuid.uuid4(), subject="Order update", status=OutboxStatus.PENDING, etag='W/"1"', send_after=None,
        explicit_number=None, freeform=text or "", has_attachment=False, configuration_id=CONFIGURATION_ID,
        configuration=configuration(), template_id=uuid.uuid4() if message_template else None,
        template=message_template, to=Party("contact", CONTACT_ID, None) if to_contact else None,
        session_phone=None, owner_user=OWNER,
    )
    return dataclasses.replace(base, **changes)


def contact(**values: Any) -> Row:
    """A contact as the claim batch reads it (formatted values where Dataverse sends them)."""
    payload: dict[str, Any] = {"contactid": str(CONTACT_ID), "fullname": "Avery Park", "firstname": "Avery",
                               "mobilephone": "+1 (656) 218-5892"}
    payload.update(values)
    return Row.from_json(payload)


def conversation(number: str, *, state: ConversationState = ConversationState.ACCEPTED, opted_out: bool = False,
                 owner: Owner | None = None, last_activity: datetime | None = None,
                 conversation_id: uuid.UUID | None = None, **changes: Any) -> StoredConversation:
    from messaging.ids import conversation_id as deterministic

    base = StoredConversation(
        id=conversation_id or deterministic(CONFIGURATION_ID, number), state=state,
        owner_id=(owner.user or owner.team) if owner else None, owner=owner or Owner(),
        last_activity=last_activity, phone=number, name=number, customer_entity=None, customer_id=None,
        customer_name="", opted_out=opted_out, opted_out_on="2026-11-30T09:00:00Z" if opted_out else None,
    )
    return dataclasses.replace(base, **changes)

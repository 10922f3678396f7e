"""The gates an Outbox passes before it is sent (DESIGN 6.4): a validated Configuration to send from, a To record
that can be read, the record's consent column, the conversation's opt-out and block, a published template for the
right table, and a text Twilio will take. A gate that shuts raises `Stop` with the verdict and the reason an admin
reads in `smsb_failurereason`."""

from __future__ import annotations

from dataverse import Row
from messaging.matching import TableInfo
from messaging.model import Configuration, ConversationState, OutboxStatus, RecordType
from messaging.outbox_rows import Party

__all__ = [
    "Stop",
    "check_body",
    "check_compliance",
    "check_configuration",
    "check_consent",
    "check_template",
    "check_to_record",
]

MAX_BODY_LENGTH = 1600
VALID = 2
PUBLISHED = 2
ENTITY_TEMPLATE = 1
GLOBAL_TEMPLATE = 2
_VALIDATION_LABELS = {1: "Draft", 2: "Valid", 3: "Invalid"}


class Stop(Exception):
    """Ends the work on an Outbox with a verdict (Skipped or Failed) and the reason an admin reads."""

    def __init__(self, status: OutboxStatus, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code


def check_configuration(configuration: Configuration, validation_status: int | None) -> None:
    if validation_status != VALID:
        label = _VALIDATION_LABELS.get(validation_status or 1, "not validated")
        raise Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' is not validated "
                                         f"(status {label}); open it and press Validate")
    if not configuration.mobile_number and not configuration.messaging_service_sid:
        raise Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' has neither a number nor "
                                         "a Messaging Service to send from")


def check_to_record(to: Party, table: TableInfo | None, explicit_number: str | None, record_missing: bool,
                    record_error: str | None) -> None:
    """The To record of an Outbox that names one: a table SMS Bridge can text, still there, and readable."""
    if table is None and explicit_number is None:
        raise Stop(OutboxStatus.SKIPPED, f"The To record is a {to.table}, a table SMS Bridge cannot text; "
                                         "set a Mobile Number on the Outbox instead")
    if record_missing:
        raise Stop(OutboxStatus.SKIPPED, f"The To record ({to.table} {to.id}) no longer exists")
    if record_error is not None:
        raise Stop(OutboxStatus.FAILED, f"The To record ({to.table} {to.id}) could not be read: "
                                        f"{record_error}")


def check_compliance(rt: RecordType | None, record: Row | None, who: str) -> None:
    """The Record Type's consent column, when it names one, must be Yes on the record."""
    consent = rt.compliance_field if rt is not None else None
    if rt is not None and consent and record is not None and record.get(consent) is not True:
        raise Stop(OutboxStatus.SKIPPED, f"{who} has not agreed to receive texts: {rt.entity}.{consent} is "
                                         f"not Yes (Record Type '{rt.name}')")


def check_consent(conversation: Row | None, number: str) -> None:
    """The conversation with the number, when there is one: not opted out, not blocked."""
    if conversation is None:
        return
    if conversation.get("smsb_optedout") is True:
        since = conversation.get("smsb_optedouton")
        raise Stop(OutboxStatus.SKIPPED, f"{number} has opted out of texts from this number"
                                         + (f" (since {since})" if since else "") + "; they must text START first")
    if conversation.get("smsb_state") == int(ConversationState.BLOCKED):
        raise Stop(OutboxStatus.SKIPPED, f"{number} is blocked; an administrator can unblock the conversation")


def check_template(row: Row | None, table: str | None) -> Row:
    """The Outbox's Message Template: still there, Published, and global or for the To record's table."""
    if row is None:
        raise Stop(OutboxStatus.FAILED, "The Message Template of this Outbox no longer exists")
    name = str(row.get("smsb_name") or "")
    if row.get("smsb_publishstate") != PUBLISHED:
        raise Stop(OutboxStatus.FAILED, f"The Message Template '{name}' is not Published")
    entity = str(row.get("smsb_entitylogicalname") or "").strip().lower()
    if row.get("smsb_templatetype") != GLOBAL_TEMPLATE and entity and entity != table:
        raise Stop(OutboxStatus.FAILED, f"The Message Template '{name}' is for {entity}, "
                                        f"not {table or 'a number without a record'}")
    return row


def check_body(body: str, has_attachment: bool) -> None:
    if not body and not has_attachment:
        raise Stop(OutboxStatus.FAILED, "There is nothing to send: no template, no message text and no "
                                        "attachment")
    if len(body) > MAX_BODY_LENGTH:
        raise Stop(OutboxStatus.FAILED, f"The text is {len(body):,} characters once filled in; at most "
                                        f"{MAX_BODY_LENGTH:,} can be sent")

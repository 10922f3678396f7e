"""The gates an Outbox passes before it is sent (DESIGN 6.4): a validated Configuration to send from, To and
Regarding records that can be read, the recipient's consent column, the conversation's opt-out and block, a
published template for the right table, and a text Twilio will take. A gate that shuts returns a `Stop`: the
verdict (Skipped or Failed) and the reason an admin reads in `smsb_failurereason`."""

from __future__ import annotations

from dataclasses import dataclass

from messaging.customers import CustomerTable
from messaging.names import ConversationState, OutboxStatus, ValidationStatus
from messaging.outbound.templates import Record
from messaging.rows.configuration import Configuration, RecordType
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import MessageTemplate, Outbox, Party
from twilio_bridge.webhooks import MAX_BODY_LENGTH

__all__ = [
    "Stop",
    "check_body",
    "check_compliance",
    "check_configuration",
    "check_consent",
    "check_record",
    "check_template",
    "claimable",
]


@dataclass(frozen=True)
class Stop:
    """Ends the work on an Outbox with a verdict (Skipped or Failed) and the reason an admin reads."""

    status: OutboxStatus
    reason: str
    code: int | None = None


def claimable(sent: Outbox, unsent_claim: int | None) -> bool:
    """The first gate, the claim's lock: Pending; or still in Sending after a claim that sent nothing and could not
    be released, for the job that made it (`OutboxJob.unsent_claim`, the row's `smsb_sendattempts` after it)."""
    if sent.status is OutboxStatus.PENDING:
        return True
    return sent.status is OutboxStatus.SENDING and unsent_claim is not None and sent.attempts == unsent_claim


def check_configuration(configuration: Configuration) -> Stop | None:
    if not configuration.validated:
        status = configuration.validation_status or ValidationStatus.DRAFT
        label = {choice.value: choice.label for choice in ValidationStatus}.get(status, "not validated")
        return Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' is not validated "
                                          f"(status {label}); open it and press Validate")
    if not configuration.mobile_number and not configuration.messaging_service_sid:
        return Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' has neither a number nor "
                                          "a Messaging Service to send from")
    return None


def check_record(role: str, record: Party, table: CustomerTable | None, *, number: str | None, record_missing: bool,
                 record_error: str | None) -> Stop | None:
    """The To or Regarding record an Outbox names: of a table Dataverse knows, still there, and readable."""
    if table is None and number is None:
        return Stop(OutboxStatus.SKIPPED, f"The {role} record is a {record.table}, a table SMS Bridge cannot find "
                                          "in Dataverse's table definitions; set a Mobile Number on the Outbox "
                                          "instead")
    if record_missing:
        return Stop(OutboxStatus.SKIPPED, f"The {role} record ({record.table} {record.id}) no longer exists")
    if record_error is not None:
        return Stop(OutboxStatus.FAILED, f"The {role} record ({record.table} {record.id}) could not be read: "
                                         f"{record_error}")
    return None


def check_compliance(rt: RecordType | None, record: Record | None, who: str) -> Stop | None:
    """The Record Type's consent column, when it names one, must be Yes on the record."""
    consent = rt.compliance_field if rt is not None else None
    if rt is not None and consent and record is not None and record.get(consent) is not True:
        return Stop(OutboxStatus.SKIPPED, f"{who} has not agreed to receive texts: {rt.entity}.{consent} is "
                                          f"not Yes (Record Type '{rt.name}')")
    return None


def check_consent(conversation: StoredConversation | None, number: str) -> Stop | None:
    """The conversation with the number, when there is one: not opted out, not blocked."""
    if conversation is None:
        return None
    if conversation.opted_out:
        since = conversation.opted_out_on
        return Stop(OutboxStatus.SKIPPED, f"{number} has opted out of texts from this number"
                                          + (f" (since {since})" if since else "") + "; they must text START first")
    if conversation.state is ConversationState.BLOCKED:
        return Stop(OutboxStatus.SKIPPED, f"{number} is blocked; an administrator can unblock the conversation")
    return None


def check_template(template: MessageTemplate | None, table: str | None) -> Stop | None:
    """The Outbox's Message Template: still there, Published, and global or for the To record's table."""
    if template is None:
        return Stop(OutboxStatus.FAILED, "The Message Template of this Outbox no longer exists")
    if not template.published:
        return Stop(OutboxStatus.FAILED, f"The Message Template '{template.name}' is not Published")
    if not template.global_ and template.entity and template.entity != table:
        return Stop(OutboxStatus.FAILED, f"The Message Template '{template.name}' is for {template.entity}, "
                                         f"not {table or 'a number without a record'}")
    return None


def check_body(body: str, has_attachment: bool) -> Stop | None:
    if not body and not has_attachment:
        return Stop(OutboxStatus.FAILED, "There is nothing to send: no template, no message text and no attachment")
    if len(body) > MAX_BODY_LENGTH:
        return Stop(OutboxStatus.FAILED, f"The text is {len(body):,} characters once filled in; at most "
                                         f"{MAX_BODY_LENGTH:,} can be sent")
    return None

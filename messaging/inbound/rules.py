"""What an inbound text writes (DESIGN 6.2, 6.6), decided over plain values.

Every row has a deterministic id, so filing a text is a plan of create-only writes that one changeset carries:
the conversation (first contact: Pending, owned by the team, about the matched customer), the session (first text
of its window), the message, its pictures' rows (Awaiting File), and the conversation's activity and consent. The
in-app notifications follow the changeset in the same request and run only if it committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from messaging.customers import Customer, CustomerTable, RecordRef
from messaging.envelopes import InboundEnvelope
from messaging.ids import conversation_id, inbound_message_id, media_id, session_id
from messaging.inbound.consent import ConsentChange, classify
from messaging.inbound.notifications import ConversationSnapshot, notification_rows, recipients
from messaging.names import SMSB_MESSAGE, SMSB_MESSAGEMEDIA, ConversationState
from messaging.phones import PhoneNumber, normalize
from messaging.plans import Changeset, Write
from messaging.rows import conversation, media, message, notification, session
from messaging.rows.configuration import Configuration, RecordType
from messaging.rows.conversation import StoredConversation
from messaging.rows.owner import Owner, reassigned
from messaging.windows import Window, window_for
from twilio_bridge.webhooks import InboundMessage

__all__ = ["Correction", "Filing", "Known", "Text", "correction", "first_contact", "known_from", "owner_correction",
           "plan_filing"]


@dataclass(frozen=True)
class Text:
    """One inbound text and what follows from it alone: the sender's number (normalised once) and the ids of the
    rows it files."""

    envelope: InboundEnvelope
    configuration: Configuration
    record_types: tuple[RecordType, ...]
    sender: PhoneNumber
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    window: Window

    @classmethod
    def of(cls, envelope: InboundEnvelope, configuration: Configuration,
           record_types: Sequence[RecordType]) -> Text:
        sender = normalize(envelope.message.from_)
        return cls(envelope, configuration, tuple(record_types), sender,
                   conversation_id(configuration.id, sender.value), inbound_message_id(envelope.message.message_sid),
                   window_for(envelope.received_at, configuration.session_timeout_minutes))

    @property
    def message(self) -> InboundMessage:
        return self.envelope.message

    @property
    def number(self) -> str:
        """What the conversation stores: E.164 when the sender's number could be read, else as received."""
        return self.sender.value

    @property
    def received_at(self) -> datetime:
        return self.envelope.received_at

    def session_id(self, conversation: uuid.UUID) -> uuid.UUID:
        return session_id(conversation, self.window.start)


@dataclass(frozen=True)
class Known:
    """A conversation as this worker last saw it, plus the customer it is about and why."""

    snapshot: ConversationSnapshot
    customer: Customer | None
    reason: str = ""


def known_from(stored: StoredConversation, configuration: Configuration, table: CustomerTable | None) -> Known:
    """A conversation read from Dataverse. Its rows' owner is who may see it (an owner the answer did not name the
    table of is nobody's; a row without an owner is the team's); who has the chat is its Accepted By while it is
    Accepted (`StoredConversation.holder`)."""
    customer = None
    if table is not None and stored.customer_id is not None:
        customer = Customer(table, stored.customer_id, stored.customer_name)
    owner = stored.owner
    snapshot = ConversationSnapshot(
        id=stored.id,
        state=stored.state,
        owner_user=owner.user,
        owner_team=owner.team if owner.team is not None else (configuration.team_id if stored.owner_id is None
                                                              else None),
        last_activity=stored.last_activity,
        display_name=stored.customer_name or stored.name or stored.phone,
        phone=stored.phone,
        holder=stored.holder,
    )
    return Known(snapshot, customer)


def first_contact(text: Text, customer: Customer | None, reason: str) -> Known:
    """A number never seen on this Configuration: Pending, the team's, about the customer matched (if any)."""
    snapshot = ConversationSnapshot(
        id=text.conversation_id, state=ConversationState.PENDING, owner_user=None,
        owner_team=text.configuration.team_id, last_activity=None,
        display_name=customer.name if customer else text.number, phone=text.number,
    )
    return Known(snapshot, customer, reason)


@dataclass(frozen=True)
class Filing:
    changeset: Changeset
    notifications: tuple[Write, ...]  # posted in the same request, only if the changeset committed
    notified: tuple[uuid.UUID, ...]
    notified_as: ConversationState | None
    read_back: bool  # read the conversation back in the same request: people change it in Dynamics meanwhile
    creates_conversation: bool
    creates_session: bool
    owner: Owner  # whom the rows were filed for


def plan_filing(text: Text, known: Known, members: Sequence[uuid.UUID], *, create_conversation: bool,
                create_session: bool) -> Filing:
    snapshot, configuration, body = known.snapshot, text.configuration, text.message.body
    # New rows go to whoever owns the conversation (its team; a user only when the platform's Assign made one the
    # owner), never to the user who has the chat: the whole team keeps seeing its history (DESIGN 6.6).
    owner = Owner(snapshot.owner_user, snapshot.owner_team)
    change = classify(body, text.message.opt_out_type)
    activity = conversation.inbound_activity(
        text.received_at, body, bool(text.message.media),
        opted_out={ConsentChange.OPT_OUT: True, ConsentChange.OPT_IN: False}.get(change) if change else None,
        keyword=body.strip().upper() or (text.message.opt_out_type or ""))
    writes: list[Write] = []
    if create_conversation:
        writes.append(conversation.first_contact(snapshot.id, configuration_id=configuration.id, number=text.number,
                                                 customer=known.customer, reason=known.reason, owner=owner,
                                                 activity=activity))
    session_id = text.session_id(snapshot.id)
    if create_session:
        customer = known.customer
        writes.append(session.opened(
            session_id, conversation_id=snapshot.id, configuration_id=configuration.id, number=text.number,
            window=text.window, name=customer.name if customer else text.number, owner=owner,
            about=session.About(RecordRef(customer.table, customer.id)) if customer else None))
    incoming = text.message
    writes.append(message.inbound(
        text.message_id, session=session_id, conversation=snapshot.id, configuration=configuration.id,
        number=text.number, sid=incoming.message_sid, body=body, from_=incoming.from_, to=incoming.to,
        num_segments=incoming.num_segments, num_media=len(incoming.media), received_at=text.received_at,
        owner=owner))
    writes.extend(media.awaiting(media_id(text.message_id, index), text.message_id, index=index,
                                 media_sid=ref.media_sid, content_type=ref.content_type, owner=owner)
                  for index, ref in enumerate(incoming.media))
    # A text older than the conversation's last activity (queues do not keep order) must not roll the preview or
    # consent back to an earlier state; its message row is filed all the same. Dataverse keeps date-times to the
    # second, so two texts within one second are ordered by who writes last.
    newer = snapshot.last_activity is None or text.received_at >= snapshot.last_activity
    if not create_conversation and newer:
        writes.append(conversation.activity_update(snapshot.id, activity))
    if not configuration.send_app_notifications:
        # Read back all the same: the rows' owner may have changed meanwhile (`owner_correction`).
        return Filing(Changeset(tuple(writes)), (), (), None, read_back=True,
                      creates_conversation=create_conversation, creates_session=create_session, owner=owner)
    people = recipients(snapshot, members, now=text.received_at, idle_minutes=configuration.idle_timeout_minutes)
    notes = tuple(notification.posted(note) for note in notification_rows(snapshot, text.message_id, body, people))
    return Filing(Changeset(tuple(writes)), notes, people, snapshot.state, read_back=True,
                  creates_conversation=create_conversation, creates_session=create_session, owner=owner)


@dataclass(frozen=True)
class Correction:
    writes: tuple[Write, ...]
    notified: tuple[uuid.UUID, ...]


def correction(text: Text, current: ConversationSnapshot, members: Sequence[uuid.UUID], filing: Filing) -> (
        Correction | None):
    """Notifications sent on an out-of-date view of the conversation (people Accept, Block and Assign in Dynamics
    while this worker holds an older view), taken back and replaced by the right ones; None when the view was
    right. In-app notifications are fetched by Dynamics on its own schedule, so one taken back at once is never
    seen. The wording depends on the state too, so every notification sent on the old view is replaced."""
    wanted = recipients(current, members, now=text.received_at,
                        idle_minutes=text.configuration.idle_timeout_minutes)
    if set(wanted) == set(filing.notified) and filing.notified_as is current.state:
        return None
    body = text.message.body
    withdrawn = [notification.withdrawn(note) for note in notification_rows(current, text.message_id, body,
                                                                            filing.notified)]
    posted = [notification.posted(note) for note in notification_rows(current, text.message_id, body, wanted)]
    return Correction((*withdrawn, *posted), wanted)


def owner_correction(text: Text, filing: Filing, current: ConversationSnapshot) -> tuple[Write, ...]:
    """Rows filed for an owner the conversation no longer has (someone reassigned the chat while this worker held an
    older view), given to its owner now, so that the chat keeps one owner (DESIGN 6.6): the message and its pictures,
    and the session when this text opened it (an older one was brought in step when the owner changed)."""
    owner = Owner(current.owner_user, current.owner_team)
    if not owner.known or owner == filing.owner:
        return ()
    writes: list[Write] = []
    if filing.creates_session:
        writes.append(session.reassigned(text.session_id(current.id), owner, None))
    writes.append(reassigned(SMSB_MESSAGE, text.message_id, owner))
    writes.extend(reassigned(SMSB_MESSAGEMEDIA, media_id(text.message_id, index), owner)
                  for index in range(len(text.message.media)))
    return tuple(writes)

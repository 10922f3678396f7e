/**
 * The Outbox row the chat creates for a text, as plain data: whom it goes to (a party, or the record it is about),
 * on which Configuration and session, and how long it waits for its image.
 */
import {
    type Row,
    type TableRef,
    activityparty,
    bind,
    escapeTemplate,
    partyNavigation,
    regardingNavigation,
    smsb_configuration,
    smsb_messagesession,
    smsb_outbox,
    systemuser,
} from "@smsb/shared";
import type { SendRequest } from "../services/ChatService";

/**
 * Tables an Outbox's To party can point at when a chat's record is one of them: the customers the product texts
 * (their names are read from the host, never generated) and users.
 */
const PARTY_TABLES = new Set(["contact", "account", "lead", systemuser.ref.logicalName]);
/** How long an Outbox with an image is held back while its file uploads. */
export const ATTACHMENT_HOLD_MS = 5 * 60_000;

/** `recipient` is the table of `request.to` (its entity set read from the host), null when it is the conversation. */
export function outboxBody(request: SendRequest, recipient: TableRef | null, now: Date): Row {
    const body: Row = {
        [smsb_outbox.columns.subject]: `SMS to ${request.to.name ?? request.to.entityType}`.slice(0, 400),
        // The server renders free-form text as a template: escape it so the text goes out exactly as shown.
        [smsb_outbox.columns.smsb_freeform]: escapeTemplate(request.body),
    };
    if (request.configurationId) {
        body[`${smsb_outbox.navigation.smsb_configuration}@odata.bind`] = bind(
            smsb_configuration.ref,
            request.configurationId,
        );
    }
    if (request.sessionId) {
        body[`${smsb_outbox.navigation.smsb_session}@odata.bind`] = bind(smsb_messagesession.ref, request.sessionId);
    }
    if (recipient && PARTY_TABLES.has(request.to.entityType)) {
        body[smsb_outbox.collections.smsb_outbox_activity_parties] = [
            {
                [activityparty.columns.participationtypemask]: activityparty.choices.participationtypemask.ToRecipient,
                [`${partyNavigation(recipient.logicalName)}@odata.bind`]: bind(recipient, request.to.id),
            },
        ];
    } else if (recipient) {
        // A record that cannot be a party (a Case, a custom table's row) is what the text is about: the Outbox is
        // Regarding it, as the chat's sessions are, so the server can find the record and its number.
        body[`${regardingNavigation(smsb_outbox.ref, recipient.logicalName)}@odata.bind`] = bind(
            recipient,
            request.to.id,
        );
    }
    if (request.attachment) {
        // Creating the row starts the send; hold it until the image is in place (the sweep releases it).
        body[smsb_outbox.columns.smsb_sendafter] = new Date(now.getTime() + ATTACHMENT_HOLD_MS).toISOString();
    }
    return body;
}

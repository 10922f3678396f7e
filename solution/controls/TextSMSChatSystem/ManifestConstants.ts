/**
 * Every manifest property, table, column and choice value the control uses, in one place.
 * Names follow DESIGN.md section 5 and solution/tables/*.toml.
 */

export const ManifestConstants = {
    dataset: "sessions",
    heightPx: "heightPx",
    pollSeconds: "pollSeconds",
    parentTable: "parentTable",
} as const;

export const Defaults = {
    heightPx: 560,
    pollSeconds: 5,
    minPollSeconds: 2,
    maxPollSeconds: 60,
    /** Interval while the page is hidden, and the ceiling of the 429 back-off. */
    hiddenPollMs: 60_000,
    maxBackoffMs: 120_000,
    /** Twilio's MMS media limit. */
    maxAttachmentBytes: 5 * 1024 * 1024,
    /** DESIGN.md 6.4: the server refuses longer bodies. */
    maxBodyChars: 1600,
    /** Message pages read on the first load. */
    pageSize: 250,
    /** Sessions the subgrid hands over at once. */
    sessionPageSize: 100,
    maxPages: 8,
} as const;

export const Tables = {
    session: { name: "smsb_messagesession", set: "smsb_messagesessions", id: "activityid" },
    message: { name: "smsb_message", set: "smsb_messages", id: "smsb_messageid" },
    media: { name: "smsb_messagemedia", set: "smsb_messagemedias", id: "smsb_messagemediaid" },
    outbox: { name: "smsb_outbox", set: "smsb_outboxes", id: "activityid" },
    template: { name: "smsb_messagetemplate", set: "smsb_messagetemplates", id: "smsb_messagetemplateid" },
    configuration: { name: "smsb_configuration", set: "smsb_configurations", id: "smsb_configurationid" },
    conversation: { name: "smsb_conversation", set: "smsb_conversations", id: "smsb_conversationid" },
    systemuser: { name: "systemuser", set: "systemusers" },
    team: { name: "team", set: "teams" },
} as const;

export const SessionColumns = {
    subject: "subject",
    state: "statecode",
    start: "actualstart",
    end: "scheduledend",
    conversation: "smsb_conversation",
    configuration: "smsb_configuration",
    phone: "smsb_phonenumber",
    regarding: "regardingobjectid",
    owner: "ownerid",
    /** Activity parties collection of the session (To = the customer). */
    parties: "smsb_messagesession_activity_parties",
} as const;

export const MessageColumns = {
    id: "smsb_messageid",
    session: "smsb_session",
    conversation: "smsb_conversation",
    configuration: "smsb_configuration",
    direction: "smsb_direction",
    body: "smsb_body",
    from: "smsb_from",
    to: "smsb_to",
    status: "smsb_status",
    errorCode: "smsb_errorcode",
    errorMessage: "smsb_errormessage",
    numMedia: "smsb_nummedia",
    receivedOn: "smsb_receivedon",
    sentOn: "smsb_senton",
    deliveredOn: "smsb_deliveredon",
    readOn: "smsb_readon",
    sentBy: "smsb_sentby",
    outbox: "smsb_outbox",
    createdOn: "createdon",
    modifiedOn: "modifiedon",
    /** Collection navigation from a message to its media (relationship smsb_message_smsb_messagemedia). */
    media: "smsb_message_smsb_messagemedia",
} as const;

export const MediaColumns = {
    id: "smsb_messagemediaid",
    name: "smsb_name",
    contentType: "smsb_contenttype",
    file: "smsb_file",
} as const;

export const OutboxColumns = {
    id: "activityid",
    subject: "subject",
    parties: "smsb_outbox_activity_parties",
    configuration: "smsb_configuration",
    freeform: "smsb_freeform",
    session: "smsb_session",
    attachment: "smsb_attachment",
    sendAfter: "smsb_sendafter",
    sendStatus: "smsb_sendstatus",
    errorCode: "smsb_errorcode",
    failureReason: "smsb_failurereason",
    message: "smsb_message",
    messageTemplate: "smsb_messagetemplate",
    modifiedOn: "modifiedon",
} as const;

export const TemplateColumns = {
    id: "smsb_messagetemplateid",
    name: "smsb_name",
    type: "smsb_templatetype",
    table: "smsb_entitylogicalname",
    body: "smsb_body",
    configuration: "smsb_configuration",
    publishState: "smsb_publishstate",
} as const;

export const ConfigurationColumns = {
    id: "smsb_configurationid",
    name: "smsb_name",
    number: "smsb_mobilenumber",
    allowCreateTo: "smsb_allowcreateto",
    enterIsSend: "smsb_enterissend",
    idleTimeout: "smsb_idletimeout",
    validationStatus: "smsb_validationstatus",
} as const;

export const Direction = { incoming: 1, outgoing: 2 } as const;

export const MessageStatus = {
    queued: 1, sending: 2, sent: 3, delivered: 4, undelivered: 5, failed: 6, received: 7, read: 8,
    canceled: 9, accepted: 10, scheduled: 11, unknown: 12,
} as const;

export const SendStatus = { pending: 1, sending: 2, sent: 3, failed: 4, skipped: 5, unknown: 6 } as const;

export const TemplateType = { entity: 1, global: 2 } as const;
export const PublishState = { draft: 1, published: 2 } as const;
export const ActivityState = { open: 0, completed: 1 } as const;
export const PartyType = { to: 2 } as const;

export const Annotations = {
    formatted: "@OData.Community.Display.V1.FormattedValue",
    lookupTable: "@Microsoft.Dynamics.CRM.lookuplogicalname",
} as const;

/** The Web API property holding a lookup's id: `_<column>_value`. */
export function lookupValue(column: string): string {
    return `_${column}_value`;
}

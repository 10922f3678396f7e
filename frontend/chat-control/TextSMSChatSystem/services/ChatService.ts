/**
 * What the chat needs from Dataverse and from the hosting app, as typed interfaces. The control uses
 * `DataverseChatService` (the shared Dataverse layer over context.webAPI); tests use fakes.
 */
import { ChatMessage, MediaItem, OutboxUpdate } from "../model/messages";
import { EntityRef } from "../model/sessions";

export interface ConfigurationInfo {
    id: string;
    name: string;
    /** The Twilio number texts go out from (E.164). */
    number: string;
    enterIsSend: boolean;
    allowCreateTo: string[];
}

export interface TemplateInfo {
    id: string;
    name: string;
    body: string;
    global: boolean;
    /** A template tied to one Configuration is offered only when sending from it. */
    configurationId: string | null;
}

/** Which messages belong to the chat: those of the subgrid's sessions, or of their conversations. */
export interface FeedScope {
    sessionIds: readonly string[];
    conversationIds: readonly string[];
}

export interface SessionLinks {
    id: string;
    conversationId: string | null;
    configurationId: string | null;
}

export interface Attachment {
    name: string;
    type: string;
    size: number;
    /** The bytes, read when the Outbox is written. */
    read(): Promise<ArrayBuffer>;
}

export interface SendRequest {
    body: string;
    /** The Configuration to send from; null lets the server choose. */
    configurationId: string | null;
    /** The chat session ("Chat"), when there is one. */
    sessionId: string | null;
    /** The record texted: the To party of the Outbox. */
    to: EntityRef;
    templateId?: string | null;
    attachment?: Attachment | null;
}

export interface ChatService {
    /** Messages in scope changed at or after `since` (all of them when null), oldest change first. */
    listMessages(scope: FeedScope, since: string | null): Promise<ChatMessage[]>;
    /** Media rows read again by id (pictures whose file was on its way); rows no longer there are left out. */
    listMedia(mediaIds: readonly string[]): Promise<MediaItem[]>;
    /** The send state of Outbox rows this chat created. */
    listOutboxes(outboxIds: readonly string[]): Promise<OutboxUpdate[]>;
    /** The conversation and Configuration of sessions (a subgrid view may not carry them). */
    describeSessions(sessionIds: readonly string[]): Promise<SessionLinks[]>;
    /** Configurations a user can send from. */
    listConfigurations(): Promise<ConfigurationInfo[]>;
    /** Published templates for `table` plus the Global ones. */
    listTemplates(table: string): Promise<TemplateInfo[]>;
    /** The display values of `columns` of a record (formatted, else raw), for template rendering. */
    recordValues(record: EntityRef, columns: readonly string[]): Promise<Record<string, string | null>>;
    /** Creates the Outbox row (and uploads its attachment); the server sends it. */
    send(request: SendRequest): Promise<{ outboxId: string }>;
    /** Marks inbound messages read (`smsb_readon`). */
    markRead(messageIds: readonly string[], at: Date): Promise<void>;
    /** Sets a session's Regarding. */
    setRegarding(sessionId: string, target: EntityRef): Promise<void>;
    /**
     * Reassign Chat: to a user (they have the chat; the team keeps the rows) or to a team (it owns the conversation
     * and session, waiting for Accept). Restarts the idle clock.
     */
    assign(sessionId: string, conversationId: string | null, owner: EntityRef): Promise<void>;
    /**
     * The customer a conversation is with (its matched record), for a chat on the Conversation form: templates are
     * filled in from it and texts go To it. Null when the number matched nobody.
     */
    conversationCustomer(conversationId: string): Promise<EntityRef | null>;
    /** Display names of tables ("incident" → "Case"), falling back to the logical name. */
    tableLabels(tables: readonly string[]): Promise<Record<string, string>>;
}

export interface HostNavigation {
    /** Opens a create form for `table` prefilled from `from`; the saved record, or null when cancelled. */
    createRecord(table: string, from: EntityRef | null): Promise<EntityRef | null>;
    /** Lets the user pick a user or team. */
    pickOwner(): Promise<EntityRef | null>;
    /** Opens the user guide (Help) in a window of its own. */
    openHelp(): void;
}

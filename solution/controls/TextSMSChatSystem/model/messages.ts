/**
 * Messages as the chat shows them: parsed from Web API rows, merged with what polling brings, and laid out
 * by day. Pure functions only.
 */
import {
    Annotations,
    Direction,
    MediaColumns,
    MessageColumns,
    OutboxColumns,
    lookupValue,
} from "../ManifestConstants";
import { StatusDisplay, messageStatus, outboxStatus } from "./status";

export interface MediaItem {
    id: string;
    name: string;
    contentType: string;
    /** Where the browser loads it from (a Web API file URL, or an object URL before upload). */
    url: string;
}

export interface ChatMessage {
    /** The message id; an Outbox row not yet turned into a message is `outbox:<outbox id>`. */
    id: string;
    outboxId: string | null;
    sessionId: string | null;
    conversationId: string | null;
    direction: "in" | "out";
    body: string;
    /** ISO time the message belongs at (received, sent or created). */
    at: string;
    modifiedOn: string;
    sender: string;
    status: StatusDisplay;
    media: readonly MediaItem[];
    /** Inbound and not yet read by anyone (`smsb_readon` null). */
    unread: boolean;
}

export interface OutboxUpdate {
    outboxId: string;
    sendStatus: number | null;
    failureReason: string | null;
    errorCode: number | null;
    messageId: string | null;
    sessionId: string | null;
    modifiedOn: string;
}

export type Row = Readonly<Record<string, unknown>>;

const str = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" ? value : null);
const formatted = (row: Row, property: string): string | null => str(row[property + Annotations.formatted]);

export function normalizeId(id: string): string {
    return id.replace(/[{}]/g, "").toLowerCase();
}

const idOf = (value: unknown): string | null => {
    const text = str(value);
    return text ? normalizeId(text) : null;
};

/** The Web API `$select` and `$expand` of a message read. */
export const MESSAGE_SELECT = [
    MessageColumns.id, MessageColumns.direction, MessageColumns.body, MessageColumns.from, MessageColumns.to,
    MessageColumns.status, MessageColumns.errorCode, MessageColumns.errorMessage, MessageColumns.numMedia,
    MessageColumns.receivedOn, MessageColumns.sentOn, MessageColumns.readOn, MessageColumns.createdOn,
    MessageColumns.modifiedOn, lookupValue(MessageColumns.session), lookupValue(MessageColumns.conversation),
    lookupValue(MessageColumns.sentBy), lookupValue(MessageColumns.outbox),
] as const;
export const MESSAGE_EXPAND =
    `${MessageColumns.media}($select=${MediaColumns.id},${MediaColumns.name},${MediaColumns.contentType})`;

export interface RowContext {
    /** The URL of a media row's file. */
    mediaUrl(mediaId: string): string;
    /** Who an inbound message is from when the row does not say (the customer's name). */
    customerName?: string;
}

/** A message row (with its media expanded) as the chat shows it. */
export function messageFromRow(row: Row, context: RowContext): ChatMessage {
    const direction = num(row[MessageColumns.direction]) === Direction.incoming ? "in" : "out";
    const at = str(row[MessageColumns.receivedOn]) ?? str(row[MessageColumns.sentOn])
        ?? str(row[MessageColumns.createdOn]) ?? str(row[MessageColumns.modifiedOn]) ?? "";
    const media = Array.isArray(row[MessageColumns.media])
        ? (row[MessageColumns.media] as Row[]).map((item): MediaItem => {
            const id = idOf(item[MediaColumns.id]) ?? "";
            return {
                id,
                name: str(item[MediaColumns.name]) ?? "image",
                contentType: str(item[MediaColumns.contentType]) ?? "",
                url: context.mediaUrl(id),
            };
        })
        : [];
    const sender = direction === "in"
        ? context.customerName ?? formatted(row, lookupValue(MessageColumns.conversation))
            ?? str(row[MessageColumns.from]) ?? "Customer"
        : formatted(row, lookupValue(MessageColumns.sentBy)) ?? "Automated";
    return {
        id: idOf(row[MessageColumns.id]) ?? "",
        outboxId: idOf(row[lookupValue(MessageColumns.outbox)]),
        sessionId: idOf(row[lookupValue(MessageColumns.session)]),
        conversationId: idOf(row[lookupValue(MessageColumns.conversation)]),
        direction,
        body: str(row[MessageColumns.body]) ?? "",
        at,
        modifiedOn: str(row[MessageColumns.modifiedOn]) ?? at,
        sender,
        status: messageStatus(
            num(row[MessageColumns.status]),
            num(row[MessageColumns.errorCode]),
            str(row[MessageColumns.errorMessage]),
        ),
        media,
        unread: direction === "in" && row[MessageColumns.readOn] == null,
    };
}

/** An Outbox row as a status update for the message it will become. */
export function outboxUpdateFromRow(row: Row): OutboxUpdate {
    return {
        outboxId: idOf(row[OutboxColumns.id]) ?? "",
        sendStatus: num(row[OutboxColumns.sendStatus]),
        failureReason: str(row[OutboxColumns.failureReason]),
        errorCode: num(row[OutboxColumns.errorCode]),
        messageId: idOf(row[lookupValue(OutboxColumns.message)]),
        sessionId: idOf(row[lookupValue(OutboxColumns.session)]),
        modifiedOn: str(row[OutboxColumns.modifiedOn]) ?? "",
    };
}

export const pendingId = (outboxId: string): string => `outbox:${outboxId}`;

/** The message shown the moment the user sends, before its Outbox row exists (`id` is local). */
export function pendingMessage(input: {
    id: string; body: string; at: Date; sender: string; sessionId: string | null; media?: MediaItem[];
}): ChatMessage {
    const at = input.at.toISOString();
    return {
        id: input.id, outboxId: null, sessionId: input.sessionId, conversationId: null,
        direction: "out", body: input.body, at, modifiedOn: at, sender: input.sender,
        status: outboxStatus(1), media: input.media ?? [], unread: false,
    };
}

const time = (iso: string): number => {
    const value = Date.parse(iso);
    return Number.isNaN(value) ? 0 : value;
};

function compare(a: ChatMessage, b: ChatMessage): number {
    return time(a.at) - time(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * `current` with `incoming` merged in by id, oldest first. A row replaces the one it updates unless it is
 * older; a real message replaces the pending one of its Outbox. Returns `current` itself when nothing changed.
 */
export function mergeMessages(current: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
    if (incoming.length === 0) {
        return current;
    }
    const byId = new Map(current.map((message) => [message.id, message]));
    let changed = false;
    for (const message of incoming) {
        const existing = byId.get(message.id);
        if (existing && time(existing.modifiedOn) > time(message.modifiedOn)) {
            continue;
        }
        if (message.outboxId && message.id !== pendingId(message.outboxId)) {
            const pending = byId.get(pendingId(message.outboxId));
            if (pending) {
                byId.delete(pending.id);
                // Keep the local preview of an image until the stored media arrive.
                if (message.media.length === 0 && pending.media.length > 0) {
                    byId.set(message.id, { ...message, media: pending.media });
                    changed = true;
                    continue;
                }
            }
        }
        if (existing && sameMessage(existing, message)) {
            continue;
        }
        byId.set(message.id, message);
        changed = true;
    }
    return changed ? Array.from(byId.values()).sort(compare) : current;
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
    return a.modifiedOn === b.modifiedOn && a.body === b.body && a.status.label === b.status.label
        && a.status.reason === b.status.reason && a.unread === b.unread && a.media.length === b.media.length;
}

/** Apply Outbox polling to the pending messages: a new status, or gone once its message row is shown. */
export function applyOutboxUpdates(current: readonly ChatMessage[], updates: readonly OutboxUpdate[]): readonly ChatMessage[] {
    if (updates.length === 0) {
        return current;
    }
    const shown = new Set(current.map((message) => message.id));
    const byOutbox = new Map(updates.map((update) => [update.outboxId, update]));
    let changed = false;
    const next: ChatMessage[] = [];
    for (const message of current) {
        const update = message.outboxId && message.id === pendingId(message.outboxId) ? byOutbox.get(message.outboxId) : undefined;
        if (!update) {
            next.push(message);
            continue;
        }
        if (update.messageId && shown.has(update.messageId)) {
            changed = true;
            continue;
        }
        const status = outboxStatus(update.sendStatus, update.failureReason, update.errorCode);
        if (status.label !== message.status.label || status.reason !== message.status.reason) {
            next.push({ ...message, status, sessionId: message.sessionId ?? update.sessionId });
            changed = true;
        } else {
            next.push(message);
        }
    }
    return changed ? next : current;
}

/** Outbox ids still shown as pending (to poll their status). */
export function pendingOutboxes(messages: readonly ChatMessage[]): string[] {
    return messages
        .filter((message) => message.outboxId !== null && message.id === pendingId(message.outboxId)
            && (message.status.kind === "queued" || message.status.kind === "sent"))
        .map((message) => message.outboxId ?? "");
}

/** The newest `modifiedon` seen, the lower bound of the next poll. */
export function latestModified(messages: readonly ChatMessage[], previous: string | null): string | null {
    let best = previous;
    for (const message of messages) {
        if (message.outboxId && message.id === pendingId(message.outboxId)) {
            continue;
        }
        if (!best || time(message.modifiedOn) > time(best)) {
            best = message.modifiedOn;
        }
    }
    return best;
}

export type TimelineItem =
    | { kind: "day"; key: string; label: string }
    | { kind: "message"; key: string; message: ChatMessage };

export interface DayFormat {
    /** A stable key of the local calendar day. */
    dayKey(date: Date): string;
    /** "Today", "Yesterday" or the date. */
    dayLabel(date: Date, now: Date): string;
}

/** Messages with a separator before the first message of each local day. */
export function timeline(messages: readonly ChatMessage[], format: DayFormat, now: Date): TimelineItem[] {
    const items: TimelineItem[] = [];
    let lastDay = "";
    for (const message of messages) {
        const date = new Date(time(message.at));
        const day = format.dayKey(date);
        if (day !== lastDay) {
            items.push({ kind: "day", key: `day:${day}`, label: format.dayLabel(date, now) });
            lastDay = day;
        }
        items.push({ kind: "message", key: message.id, message });
    }
    return items;
}

/**
 * Messages as the chat shows them: parsed from Web API rows, merged with what polling brings, and laid out
 * by day. Pure functions only.
 */
import { FORMATTED, lookupValue, normalizeId, smsb_message, smsb_outbox } from "@smsb/shared";
import { StatusDisplay, messageStatus, outboxStatus } from "./status";
import { MEDIA_SELECT, MediaItem, awaitingMedia, mediaFromRow, sameMedia } from "./media";

export type { MediaItem } from "./media";

/** Collection navigation from a message to its media (relationship smsb_message_smsb_messagemedia). */
const MEDIA = smsb_message.collections.smsb_message_smsb_messagemedia;

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
const formatted = (row: Row, property: string): string | null => str(row[property + FORMATTED]);

const idOf = (value: unknown): string | null => {
    const text = str(value);
    return text ? normalizeId(text) : null;
};

/** The Web API `$select` and `$expand` of a message read. */
export const MESSAGE_SELECT = [
    smsb_message.columns.smsb_messageid,
    smsb_message.columns.smsb_direction,
    smsb_message.columns.smsb_body,
    smsb_message.columns.smsb_from,
    smsb_message.columns.smsb_to,
    smsb_message.columns.smsb_status,
    smsb_message.columns.smsb_errorcode,
    smsb_message.columns.smsb_errormessage,
    smsb_message.columns.smsb_nummedia,
    smsb_message.columns.smsb_receivedon,
    smsb_message.columns.smsb_senton,
    smsb_message.columns.smsb_readon,
    smsb_message.columns.createdon,
    smsb_message.columns.modifiedon,
    lookupValue(smsb_message.columns.smsb_session),
    lookupValue(smsb_message.columns.smsb_conversation),
    lookupValue(smsb_message.columns.smsb_sentby),
    lookupValue(smsb_message.columns.smsb_outbox),
] as const;
export const MESSAGE_EXPAND = `${MEDIA}($select=${MEDIA_SELECT.join(",")})`;

export interface RowContext {
    /** The URL of a media row's file. */
    mediaUrl(mediaId: string): string;
    /** Who an inbound message is from when the row does not say (the customer's name). */
    customerName?: string;
}

/** A message row (with its media expanded) as the chat shows it. */
export function messageFromRow(row: Row, context: RowContext): ChatMessage {
    const direction =
        num(row[smsb_message.columns.smsb_direction]) === smsb_message.choices.smsb_direction.Incoming ? "in" : "out";
    const at =
        str(row[smsb_message.columns.smsb_receivedon]) ??
        str(row[smsb_message.columns.smsb_senton]) ??
        str(row[smsb_message.columns.createdon]) ??
        str(row[smsb_message.columns.modifiedon]) ??
        "";
    const media = Array.isArray(row[MEDIA])
        ? (row[MEDIA] as Row[]).map((item) => mediaFromRow(item, (id) => context.mediaUrl(id)))
        : [];
    const sender =
        direction === "in"
            ? (context.customerName ??
              formatted(row, lookupValue(smsb_message.columns.smsb_conversation)) ??
              str(row[smsb_message.columns.smsb_from]) ??
              "Customer")
            : (formatted(row, lookupValue(smsb_message.columns.smsb_sentby)) ?? "Automated");
    return {
        id: idOf(row[smsb_message.columns.smsb_messageid]) ?? "",
        outboxId: idOf(row[lookupValue(smsb_message.columns.smsb_outbox)]),
        sessionId: idOf(row[lookupValue(smsb_message.columns.smsb_session)]),
        conversationId: idOf(row[lookupValue(smsb_message.columns.smsb_conversation)]),
        direction,
        body: str(row[smsb_message.columns.smsb_body]) ?? "",
        at,
        modifiedOn: str(row[smsb_message.columns.modifiedon]) ?? at,
        sender,
        status: messageStatus(
            num(row[smsb_message.columns.smsb_status]),
            num(row[smsb_message.columns.smsb_errorcode]),
            str(row[smsb_message.columns.smsb_errormessage]),
        ),
        media,
        unread: direction === "in" && row[smsb_message.columns.smsb_readon] == null,
    };
}

/** An Outbox row as a status update for the message it will become. */
export function outboxUpdateFromRow(row: Row): OutboxUpdate {
    return {
        outboxId: idOf(row[smsb_outbox.columns.activityid]) ?? "",
        sendStatus: num(row[smsb_outbox.columns.smsb_sendstatus]),
        failureReason: str(row[smsb_outbox.columns.smsb_failurereason]),
        errorCode: num(row[smsb_outbox.columns.smsb_errorcode]),
        messageId: idOf(row[lookupValue(smsb_outbox.columns.smsb_message)]),
        sessionId: idOf(row[lookupValue(smsb_outbox.columns.smsb_session)]),
        modifiedOn: str(row[smsb_outbox.columns.modifiedon]) ?? "",
    };
}

export const pendingId = (outboxId: string): string => `outbox:${outboxId}`;

/** The message shown the moment the user sends, before its Outbox row exists (`id` is local). */
export function pendingMessage(input: {
    id: string;
    body: string;
    at: Date;
    sender: string;
    sessionId: string | null;
    media?: MediaItem[];
}): ChatMessage {
    const at = input.at.toISOString();
    return {
        id: input.id,
        outboxId: null,
        sessionId: input.sessionId,
        conversationId: null,
        direction: "out",
        body: input.body,
        at,
        modifiedOn: at,
        sender: input.sender,
        status: outboxStatus(smsb_outbox.choices.smsb_sendstatus.Pending),
        media: input.media ?? [],
        unread: false,
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
export function mergeMessages(
    current: readonly ChatMessage[],
    incoming: readonly ChatMessage[],
): readonly ChatMessage[] {
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
    return (
        a.modifiedOn === b.modifiedOn &&
        a.body === b.body &&
        a.status.label === b.status.label &&
        a.status.reason === b.status.reason &&
        a.unread === b.unread &&
        sameMedia(a.media, b.media)
    );
}

/** Apply Outbox polling to the pending messages: a new status, or gone once its message row is shown. */
export function applyOutboxUpdates(
    current: readonly ChatMessage[],
    updates: readonly OutboxUpdate[],
): readonly ChatMessage[] {
    if (updates.length === 0) {
        return current;
    }
    const shown = new Set(current.map((message) => message.id));
    const byOutbox = new Map(updates.map((update) => [update.outboxId, update]));
    let changed = false;
    const next: ChatMessage[] = [];
    for (const message of current) {
        const update =
            message.outboxId && message.id === pendingId(message.outboxId) ? byOutbox.get(message.outboxId) : undefined;
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

/**
 * Apply media rows read again to the messages showing them: a picture whose file was awaited turns into the picture
 * (or the Unavailable tile). Storing a file changes the media row, not its message, so the message poll alone would
 * not see it. Returns `current` itself when nothing changed.
 */
export function applyMediaUpdates(
    current: readonly ChatMessage[],
    updates: readonly MediaItem[],
): readonly ChatMessage[] {
    if (updates.length === 0) {
        return current;
    }
    const byId = new Map(updates.map((item) => [item.id, item]));
    let changed = false;
    const next = current.map((message) => {
        const media = message.media.map((item) => byId.get(item.id) ?? item);
        if (sameMedia(media, message.media)) {
            return message;
        }
        changed = true;
        return { ...message, media };
    });
    return changed ? next : current;
}

/** Media ids of the messages shown whose file is still on its way (to poll their rows). */
export function awaitingMediaIds(messages: readonly ChatMessage[]): string[] {
    return Array.from(new Set(messages.flatMap((message) => awaitingMedia(message.media))));
}

/** Outbox ids still shown as pending (to poll their status). */
export function pendingOutboxes(messages: readonly ChatMessage[]): string[] {
    return messages
        .filter(
            (message) =>
                message.outboxId !== null &&
                message.id === pendingId(message.outboxId) &&
                (message.status.kind === "queued" || message.status.kind === "sent"),
        )
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
    { kind: "day"; key: string; label: string } | { kind: "message"; key: string; message: ChatMessage };

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

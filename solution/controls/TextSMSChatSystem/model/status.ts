/**
 * What a message's delivery state looks like in the chat: one of a few kinds, a label, and for failures the
 * reason a person can act on.
 */
import { MessageStatus, SendStatus } from "../ManifestConstants";

export type StatusKind = "queued" | "sent" | "delivered" | "read" | "failed" | "unknown" | "received";

export interface StatusDisplay {
    kind: StatusKind;
    label: string;
    /** Why it failed (failed and unknown only). */
    reason?: string;
}

/** Twilio error codes agents meet most often, in words (https://www.twilio.com/docs/api/errors). */
const TWILIO_ERRORS: Readonly<Record<number, string>> = {
    21211: "The number is not a valid phone number.",
    21408: "Sending to this region is not enabled on the Twilio account.",
    21610: "The recipient has opted out (replied STOP).",
    21614: "The number is not a mobile number.",
    30003: "The handset is unreachable (switched off or out of coverage).",
    30004: "The message was blocked by the recipient or the carrier.",
    30005: "The number does not exist or is no longer in service.",
    30006: "The number is a landline or cannot receive texts.",
    30007: "The carrier filtered the message.",
    30008: "The carrier reported an unknown error.",
};

export function failureReason(code: number | null | undefined, message: string | null | undefined): string {
    const text = (message ?? "").trim();
    const known = code ? TWILIO_ERRORS[code] : undefined;
    if (text && code) {
        return `${text} (error ${code})`;
    }
    if (text) {
        return text;
    }
    if (known && code) {
        return `${known} (error ${code})`;
    }
    return code ? `Error ${code}` : "No reason was given.";
}

/** The display of a message row's `smsb_status`. */
export function messageStatus(
    status: number | null | undefined,
    errorCode?: number | null,
    errorMessage?: string | null,
): StatusDisplay {
    switch (status) {
        case MessageStatus.accepted:
        case MessageStatus.scheduled:
        case MessageStatus.queued:
            return { kind: "queued", label: "Queued" };
        case MessageStatus.sending:
            return { kind: "queued", label: "Sending" };
        case MessageStatus.sent:
            return { kind: "sent", label: "Sent" };
        case MessageStatus.delivered:
            return { kind: "delivered", label: "Delivered" };
        case MessageStatus.read:
            return { kind: "read", label: "Read" };
        case MessageStatus.received:
            return { kind: "received", label: "Received" };
        case MessageStatus.undelivered:
            return { kind: "failed", label: "Undelivered", reason: failureReason(errorCode, errorMessage) };
        case MessageStatus.failed:
            return { kind: "failed", label: "Failed", reason: failureReason(errorCode, errorMessage) };
        case MessageStatus.canceled:
            return { kind: "failed", label: "Canceled", reason: failureReason(errorCode, errorMessage) };
        case MessageStatus.unknown:
            return {
                kind: "unknown",
                label: "Not confirmed",
                reason: "Twilio did not confirm the send; an administrator checks it before anything is re-sent.",
            };
        default:
            return { kind: "queued", label: "Queued" };
    }
}

/** The display of an Outbox row that has not produced a message row yet. */
export function outboxStatus(
    sendStatus: number | null | undefined,
    failureText?: string | null,
    errorCode?: number | null,
): StatusDisplay {
    switch (sendStatus) {
        case SendStatus.sending:
            return { kind: "queued", label: "Sending" };
        case SendStatus.sent:
            return { kind: "sent", label: "Sent" };
        case SendStatus.failed:
            return { kind: "failed", label: "Failed", reason: failureReason(errorCode, failureText) };
        case SendStatus.skipped:
            return { kind: "failed", label: "Not sent", reason: failureReason(errorCode, failureText) };
        case SendStatus.unknown:
            return messageStatus(MessageStatus.unknown);
        default:
            return { kind: "queued", label: "Queued" };
    }
}

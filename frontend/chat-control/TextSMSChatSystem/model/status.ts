/**
 * What a message's delivery state looks like in the chat: one of a few kinds, a label, and for failures the
 * reason a person can act on.
 */
import { smsb_message, smsb_outbox } from "@smsb/shared";

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
        case smsb_message.choices.smsb_status.Accepted:
        case smsb_message.choices.smsb_status.Scheduled:
        case smsb_message.choices.smsb_status.Queued:
            return { kind: "queued", label: "Queued" };
        case smsb_message.choices.smsb_status.Sending:
            return { kind: "queued", label: "Sending" };
        case smsb_message.choices.smsb_status.Sent:
            return { kind: "sent", label: "Sent" };
        case smsb_message.choices.smsb_status.Delivered:
            return { kind: "delivered", label: "Delivered" };
        case smsb_message.choices.smsb_status.Read:
            return { kind: "read", label: "Read" };
        case smsb_message.choices.smsb_status.Received:
            return { kind: "received", label: "Received" };
        case smsb_message.choices.smsb_status.Undelivered:
            return { kind: "failed", label: "Undelivered", reason: failureReason(errorCode, errorMessage) };
        case smsb_message.choices.smsb_status.Failed:
            return { kind: "failed", label: "Failed", reason: failureReason(errorCode, errorMessage) };
        case smsb_message.choices.smsb_status.Canceled:
            return { kind: "failed", label: "Canceled", reason: failureReason(errorCode, errorMessage) };
        case smsb_message.choices.smsb_status.Unknown:
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
        case smsb_outbox.choices.smsb_sendstatus.Sending:
            return { kind: "queued", label: "Sending" };
        case smsb_outbox.choices.smsb_sendstatus.Sent:
            return { kind: "sent", label: "Sent" };
        case smsb_outbox.choices.smsb_sendstatus.Failed:
            return { kind: "failed", label: "Failed", reason: failureReason(errorCode, failureText) };
        case smsb_outbox.choices.smsb_sendstatus.Skipped:
            return { kind: "failed", label: "Not sent", reason: failureReason(errorCode, failureText) };
        case smsb_outbox.choices.smsb_sendstatus.Unknown:
            return messageStatus(smsb_message.choices.smsb_status.Unknown);
        default:
            return { kind: "queued", label: "Queued" };
    }
}

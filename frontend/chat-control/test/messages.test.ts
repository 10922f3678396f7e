import { describe, expect, it } from "vitest";
import {
    applyOutboxUpdates,
    latestModified,
    mergeMessages,
    messageFromRow,
    pendingId,
    pendingMessage,
    pendingOutboxes,
    timeline,
} from "../TextSMSChatSystem/model/messages";
import { createFormat } from "../TextSMSChatSystem/model/format";
import { messageStatus, outboxStatus } from "../TextSMSChatSystem/model/status";
import { message } from "./fakes";

const F = "@OData.Community.Display.V1.FormattedValue";

describe("messageFromRow", () => {
    const context = { mediaUrl: (id: string) => `/api/data/v9.2/smsb_messagemedias(${id})/smsb_file/$value` };

    it("reads an inbound message with its media, sender and unread state", () => {
        const m = messageFromRow(
            {
                smsb_messageid: "{AAAA-1}",
                smsb_direction: 1,
                smsb_body: "Bonjour 👋",
                smsb_from: "+33612345678",
                smsb_status: 7,
                smsb_receivedon: "2026-11-26T09:00:00Z",
                modifiedon: "2026-11-26T09:00:02Z",
                smsb_readon: null,
                _smsb_session_value: "S1",
                [`_smsb_conversation_value${F}`]: "Justin Case",
                smsb_message_smsb_messagemedia: [
                    {
                        smsb_messagemediaid: "M1",
                        smsb_name: "photo.jpg",
                        smsb_contenttype: "image/jpeg",
                        smsb_filestatus: 2,
                        smsb_file: "F1",
                    },
                ],
            },
            context,
        );
        expect(m).toMatchObject({
            id: "aaaa-1",
            direction: "in",
            body: "Bonjour 👋",
            sender: "Justin Case",
            sessionId: "s1",
            at: "2026-11-26T09:00:00Z",
            modifiedOn: "2026-11-26T09:00:02Z",
            unread: true,
            status: { kind: "received" },
        });
        expect(m.media).toEqual([
            {
                id: "m1",
                name: "photo.jpg",
                contentType: "image/jpeg",
                url: "/api/data/v9.2/smsb_messagemedias(m1)/smsb_file/$value",
                state: "stored",
            },
        ]);
    });

    it("reads an outbound failure with the Twilio reason", () => {
        const m = messageFromRow(
            {
                smsb_messageid: "b",
                smsb_direction: 2,
                smsb_body: "Hi",
                smsb_status: 5,
                smsb_errorcode: 30003,
                smsb_senton: "2026-11-26T09:01:00Z",
                [`_smsb_sentby_value${F}`]: "Ricky Ponting",
                _smsb_outbox_value: "OB1",
            },
            context,
        );
        expect(m).toMatchObject({
            direction: "out",
            sender: "Ricky Ponting",
            outboxId: "ob1",
            unread: false,
            status: { kind: "failed", label: "Undelivered" },
        });
        expect(m.status.reason).toContain("unreachable");
        expect(m.status.reason).toContain("30003");
    });
});

describe("status display", () => {
    it.each([
        [1, "queued", "Queued"],
        [2, "queued", "Sending"],
        [3, "sent", "Sent"],
        [4, "delivered", "Delivered"],
        [8, "read", "Read"],
        [6, "failed", "Failed"],
        [5, "failed", "Undelivered"],
        [12, "unknown", "Not confirmed"],
    ])("message status %i is %s (%s)", (value, kind, label) => {
        expect(messageStatus(value)).toMatchObject({ kind, label });
    });

    it("gives the service's own error text when there is one", () => {
        expect(messageStatus(6, 21610, "Attempt to send to unsubscribed recipient").reason).toBe(
            "Attempt to send to unsubscribed recipient (error 21610)",
        );
    });

    it("shows a skipped Outbox as not sent, with the server's reason", () => {
        expect(outboxStatus(5, "The recipient has opted out")).toEqual({
            kind: "failed",
            label: "Not sent",
            reason: "The recipient has opted out",
        });
        expect(outboxStatus(1)).toMatchObject({ kind: "queued" });
    });
});

describe("mergeMessages", () => {
    it("adds new messages in time order and returns the same array when nothing changed", () => {
        const a = message({ id: "a", at: "2026-11-26T10:00:00Z" });
        const b = message({ id: "b", at: "2026-11-26T09:00:00Z" });
        const merged = mergeMessages([a], [b]);
        expect(merged.map((m) => m.id)).toEqual(["b", "a"]);
        expect(mergeMessages(merged, [b])).toBe(merged);
        expect(mergeMessages(merged, [])).toBe(merged);
    });

    it("takes a status update but never goes back to an older row", () => {
        const sent = message({
            id: "a",
            direction: "out",
            status: messageStatus(3),
            modifiedOn: "2026-11-26T10:00:05Z",
        });
        const delivered = { ...sent, status: messageStatus(4), modifiedOn: "2026-11-26T10:00:09Z" };
        const merged = mergeMessages([sent], [delivered]);
        expect(merged[0].status.label).toBe("Delivered");
        expect(mergeMessages(merged, [sent])).toBe(merged);
    });

    it("replaces the pending message of an Outbox with the real one", () => {
        const pending = {
            ...pendingMessage({
                id: "x",
                body: "Hi",
                at: new Date("2026-11-26T10:00:00Z"),
                sender: "Me",
                sessionId: "s1",
            }),
            id: pendingId("ob1"),
            outboxId: "ob1",
        };
        const real = message({
            id: "m9",
            direction: "out",
            outboxId: "ob1",
            status: messageStatus(3),
            at: "2026-11-26T10:00:01Z",
        });
        expect(mergeMessages([pending], [real]).map((m) => m.id)).toEqual(["m9"]);
    });
});

describe("Outbox polling", () => {
    const pending = {
        ...pendingMessage({ id: "x", body: "Hi", at: new Date(), sender: "Me", sessionId: null }),
        id: pendingId("ob1"),
        outboxId: "ob1",
    };

    it("shows why a pending Outbox failed", () => {
        const [updated] = applyOutboxUpdates(
            [pending],
            [
                {
                    outboxId: "ob1",
                    sendStatus: 5,
                    failureReason: "Number is blocked",
                    errorCode: null,
                    messageId: null,
                    sessionId: null,
                    modifiedOn: "",
                },
            ],
        );
        expect(updated.status).toEqual({ kind: "failed", label: "Not sent", reason: "Number is blocked" });
        expect(pendingOutboxes([updated])).toEqual([]);
        expect(pendingOutboxes([pending])).toEqual(["ob1"]);
    });

    it("drops the pending message once its message row is shown", () => {
        const real = message({ id: "m1", outboxId: "ob1", direction: "out" });
        const next = applyOutboxUpdates(
            [pending, real],
            [
                {
                    outboxId: "ob1",
                    sendStatus: 3,
                    failureReason: null,
                    errorCode: null,
                    messageId: "m1",
                    sessionId: "s1",
                    modifiedOn: "",
                },
            ],
        );
        expect(next.map((m) => m.id)).toEqual(["m1"]);
    });
});

describe("latestModified", () => {
    it("is the newest modifiedon of real rows, never of pending ones", () => {
        const pending = { ...message({ id: pendingId("ob1"), outboxId: "ob1" }), modifiedOn: "2030-01-01T00:00:00Z" };
        expect(
            latestModified(
                [
                    message({ id: "a", modifiedOn: "2026-11-26T10:00:00Z" }),
                    message({ id: "b", modifiedOn: "2026-11-26T11:00:00Z" }),
                    pending,
                ],
                null,
            ),
        ).toBe("2026-11-26T11:00:00Z");
        expect(latestModified([], "2026-11-26T11:00:00Z")).toBe("2026-11-26T11:00:00Z");
    });
});

describe("timeline", () => {
    it("puts a day separator before the first message of each day", () => {
        const format = createFormat("en-US");
        const now = new Date(2026, 10, 26, 18, 0);
        const items = timeline(
            [
                message({ id: "a", at: new Date(2026, 10, 20, 9, 0).toISOString() }),
                message({ id: "b", at: new Date(2026, 10, 25, 9, 0).toISOString() }),
                message({ id: "c", at: new Date(2026, 10, 26, 9, 0).toISOString() }),
                message({ id: "d", at: new Date(2026, 10, 26, 10, 0).toISOString() }),
            ],
            format,
            now,
        );
        expect(items.map((i) => (i.kind === "day" ? i.label : i.key))).toEqual([
            "Friday, November 20, 2026",
            "a",
            "Yesterday",
            "b",
            "Today",
            "c",
            "d",
        ]);
    });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConversationFeed } from "../TextSMSChatSystem/services/ConversationFeed";
import { pendingMessage } from "../TextSMSChatSystem/model/messages";
import { messageStatus } from "../TextSMSChatSystem/model/status";
import { DataverseError } from "@smsb/shared";
import { FakeChatService, FakeVisibility, flush, message } from "./fakes";

const session = { id: "s1", subject: "", open: true, start: "", conversationId: "c1", configurationId: "cfg1" };

describe("ConversationFeed", () => {
    let service: FakeChatService;
    let visibility: FakeVisibility;
    let unknown: string[];
    let feed: ConversationFeed;

    beforeEach(() => {
        vi.useFakeTimers();
        service = new FakeChatService();
        visibility = new FakeVisibility();
        unknown = [];
        feed = new ConversationFeed(service, {
            pollMs: 5000,
            hiddenPollMs: 60000,
            maxBackoffMs: 120000,
            visibility,
            onUnknownSession: (id) => unknown.push(id),
        });
    });
    afterEach(() => {
        feed.dispose();
        vi.useRealTimers();
    });

    async function tick(ms: number): Promise<void> {
        vi.advanceTimersByTime(ms);
        await flush(10);
    }

    it("loads everything once, then asks only for what changed since the newest modifiedon", async () => {
        service.messages = [
            message({ id: "a", modifiedOn: "2026-11-26T10:00:00Z" }),
            message({ id: "b", modifiedOn: "2026-11-26T10:05:00Z" }),
        ];
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        expect(feed.getState().messages.map((m) => m.id)).toEqual(["a", "b"]);
        expect(service.listCalls[0]).toEqual({ scope: { sessionIds: ["s1"], conversationIds: ["c1"] }, since: null });
        service.messages.push(message({ id: "c", at: "2026-11-26T10:06:00Z", modifiedOn: "2026-11-26T10:06:00Z" }));
        await tick(5000);
        expect(service.listCalls[1].since).toBe("2026-11-26T10:05:00Z");
        expect(feed.getState().messages.map((m) => m.id)).toEqual(["a", "b", "c"]);
    });

    it("shows only this subgrid's sessions and asks for a refresh when a new one appears", async () => {
        service.messages = [message({ id: "a" }), message({ id: "z", sessionId: "s2" })];
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        expect(feed.getState().messages.map((m) => m.id)).toEqual(["a"]);
        expect(unknown).toEqual(["s2"]);
        await tick(5000);
        expect(unknown).toEqual(["s2"]); // once
    });

    it("turns a pending send into the Outbox's message, and polls its status", async () => {
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        feed.addPending(
            pendingMessage({
                id: "local:1",
                body: "Hi",
                at: new Date("2026-11-26T11:00:00Z"),
                sender: "Me",
                sessionId: "s1",
            }),
        );
        expect(feed.getState().messages[0].status.label).toBe("Queued");
        feed.resolvePending("local:1", { outboxId: "ob1" });
        service.outboxes = [
            {
                outboxId: "ob1",
                sendStatus: 4,
                failureReason: "Twilio said no",
                errorCode: 21211,
                messageId: null,
                sessionId: "s1",
                modifiedOn: "",
            },
        ];
        await tick(0);
        expect(feed.getState().messages[0]).toMatchObject({ id: "outbox:ob1", status: { kind: "failed" } });
        expect(feed.getState().messages[0].status.reason).toContain("Twilio said no");
    });

    it("replaces the pending message when the real one arrives", async () => {
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        feed.addPending(
            pendingMessage({
                id: "local:1",
                body: "Hi",
                at: new Date("2026-11-26T11:00:00Z"),
                sender: "Me",
                sessionId: "s1",
            }),
        );
        feed.resolvePending("local:1", { outboxId: "ob1" });
        service.messages = [
            message({ id: "m1", direction: "out", outboxId: "ob1", status: messageStatus(4), body: "Hi" }),
        ];
        await tick(0);
        expect(feed.getState().messages.map((m) => [m.id, m.status.label])).toEqual([["m1", "Delivered"]]);
    });

    it("marks a failed send as not sent with the reason", async () => {
        feed.addPending(pendingMessage({ id: "local:2", body: "Hi", at: new Date(), sender: "Me", sessionId: null }));
        feed.resolvePending("local:2", { error: "No Configuration" });
        expect(feed.getState().messages[0].status).toEqual({
            kind: "failed",
            label: "Not sent",
            reason: "No Configuration",
        });
    });

    it("marks inbound messages read once", async () => {
        service.messages = [message({ id: "a", unread: true })];
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        feed.markRead(["a"], new Date());
        feed.markRead(["a"], new Date());
        await flush(10);
        expect(service.read).toEqual(["a"]);
        expect(feed.getState().messages[0].unread).toBe(false);
    });

    it("backs off on 429 and reports other errors", async () => {
        feed.setSessions([session]);
        service.failures = [new DataverseError("slow down", 429), new Error("Network down")];
        feed.start();
        await tick(0);
        expect(service.listCalls).toHaveLength(1);
        await tick(5000);
        expect(service.listCalls).toHaveLength(1);
        await tick(5000);
        expect(service.listCalls).toHaveLength(2);
        expect(feed.getState().error).toBe("Network down");
        await tick(5000);
        expect(feed.getState().error).toBeNull();
    });

    it("reads media awaiting their file on each poll until stored, though their message did not change", async () => {
        const picture = (state: "awaiting" | "stored" | "unavailable") => ({
            id: "m1",
            name: "Picture 1",
            contentType: "image/jpeg",
            url: "/m1",
            state,
        });
        service.messages = [
            message({ id: "a", body: "", modifiedOn: "2026-11-26T10:00:00Z", media: [picture("awaiting")] }),
        ];
        service.media = [picture("awaiting")];
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        expect(feed.getState().messages[0].media[0].state).toBe("awaiting");
        service.messages = []; // the message row is not touched again: only its media row is
        service.media = [picture("stored")];
        await tick(5000);
        expect(feed.getState().messages[0].media[0].state).toBe("stored");
        const asked = service.mediaCalls.length;
        expect(service.mediaCalls.at(-1)).toEqual(["m1"]);
        await tick(5000);
        expect(service.mediaCalls).toHaveLength(asked); // settled: no more media reads
    });

    it("stops polling when disposed", async () => {
        feed.setSessions([session]);
        feed.start();
        await tick(0);
        feed.dispose();
        expect(vi.getTimerCount()).toBe(0);
        await tick(60000);
        expect(service.listCalls).toHaveLength(1);
    });
});

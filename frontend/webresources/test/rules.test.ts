import { describe, expect, it } from "vitest";
import {
    actionFor,
    badgeCount,
    inboxFor,
    type ConfigurationRule,
    type Conversation,
    type Viewer,
} from "../src/inbox/rules";

const NOW = new Date("2026-11-26T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const TEAM = "team-1";
const ME = "user-me";
const OTHER = "user-other";
const config: ConfigurationRule = { id: "cfg", teamId: TEAM, idleMinutes: 5 };
const member: Viewer = { userId: ME, teamIds: new Set([TEAM]) };
const outsider: Viewer = { userId: ME, teamIds: new Set() };

function conversation(overrides: Partial<Conversation> = {}): Conversation {
    return {
        id: "c1",
        etag: 'W/"1"',
        phone: "+15551230001",
        customerName: "Ann Lee",
        preview: "Hi",
        state: 1,
        ownerId: TEAM,
        ownerName: "SMS Bridge - SMS",
        configurationId: "cfg",
        lastInboundOn: minutesAgo(1),
        lastOutboundOn: null,
        lastActivityOn: minutesAgo(1),
        modifiedOn: minutesAgo(1),
        ...overrides,
    };
}

describe("which conversations need this user", () => {
    it("offers Accept, Dismiss and Block on a pending conversation to every team member", () => {
        expect(actionFor(conversation(), member, config, undefined, NOW)).toBe("accept");
    });

    it("does not show a pending conversation to someone outside the team", () => {
        expect(actionFor(conversation(), outsider, config, undefined, NOW)).toBeNull();
    });

    it("shows View Message only to the owner of an accepted conversation", () => {
        const accepted = conversation({ state: 2, ownerId: ME });
        expect(actionFor(accepted, member, config, undefined, NOW)).toBe("view");
        expect(actionFor(accepted, { userId: OTHER, teamIds: new Set([TEAM]) }, config, undefined, NOW)).toBeNull();
    });

    it("lets other team members Assign to Me once the chat is idle longer than the idle timeout", () => {
        const busy = conversation({ state: 2, ownerId: OTHER, lastActivityOn: minutesAgo(4) });
        const idle = conversation({ state: 2, ownerId: OTHER, lastActivityOn: minutesAgo(6) });
        expect(actionFor(busy, member, config, undefined, NOW)).toBeNull();
        expect(actionFor(idle, member, config, undefined, NOW)).toBe("assign");
        expect(actionFor(idle, outsider, config, undefined, NOW)).toBeNull();
    });

    it("uses the Configuration's own idle timeout", () => {
        const idle = conversation({ state: 2, ownerId: OTHER, lastActivityOn: minutesAgo(6) });
        expect(actionFor(idle, member, { ...config, idleMinutes: 10 }, undefined, NOW)).toBeNull();
    });

    it("shows a blocked conversation to nobody", () => {
        expect(actionFor(conversation({ state: 3 }), member, config, undefined, NOW)).toBeNull();
        expect(actionFor(conversation({ state: 3, ownerId: ME }), member, config, undefined, NOW)).toBeNull();
    });

    it("hides a dismissed conversation for that user until a newer inbound message", () => {
        const c = conversation({ lastInboundOn: minutesAgo(10) });
        expect(actionFor(c, member, config, minutesAgo(5), NOW)).toBeNull();
        const newer = conversation({ lastInboundOn: minutesAgo(2) });
        expect(actionFor(newer, member, config, minutesAgo(5), NOW)).toBe("accept");
    });

    it("drops an accepted conversation from the list once the owner has replied", () => {
        const replied = conversation({
            state: 2,
            ownerId: ME,
            lastInboundOn: minutesAgo(10),
            lastOutboundOn: minutesAgo(3),
        });
        expect(actionFor(replied, member, config, undefined, NOW)).toBeNull();
    });

    it("counts the badge and sorts the newest inbound first", () => {
        const items = inboxFor(
            [
                conversation({ id: "old", lastInboundOn: minutesAgo(30) }),
                conversation({ id: "new", lastInboundOn: minutesAgo(1) }),
                conversation({ id: "blocked", state: 3 }),
                conversation({ id: "dismissed", lastInboundOn: minutesAgo(20) }),
            ],
            member,
            new Map([["cfg", config]]),
            new Map([["dismissed", minutesAgo(15)]]),
            NOW,
        );
        expect(items.map((i) => i.conversation.id)).toEqual(["new", "old"]);
        expect(badgeCount(items)).toBe(2);
    });
});

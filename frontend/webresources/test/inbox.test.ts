// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import { BrowserInboxHost, type InboxHost } from "../src/inbox/host";
import { InboxController } from "../src/inbox/InboxController";
import { InboxService } from "../src/inbox/InboxService";
import { InboxView } from "../src/inbox/view";
import {
    DataverseError,
    FORMATTED,
    smsb_configuration,
    smsb_conversation,
    smsb_dismissal,
    teammembership,
} from "@smsb/shared";
import { FakeDataverseApi } from "./fakes";

const ME = "00000000-0000-0000-0000-00000000000a";
const RIVAL = "00000000-0000-0000-0000-00000000000b";
const TEAM = "00000000-0000-0000-0000-0000000000aa";
const CFG = "00000000-0000-0000-0000-0000000000cc";
let now = new Date("2026-11-26T12:00:00Z");

function seed(api: FakeDataverseApi): void {
    api.clock = () => now;
    api.users.set(ME, "Steve Smith");
    api.users.set(RIVAL, "Riya Shah");
    api.add(teammembership.ref, { teammembershipid: "m1", systemuserid: ME, teamid: TEAM });
    api.add(smsb_configuration.ref, { smsb_configurationid: CFG, smsb_idletimeout: 5, _smsb_assignedteam_value: TEAM });
}

function pending(api: FakeDataverseApi, id: string, name: string, minutesAgo = 1) {
    const at = new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    return api.add(smsb_conversation.ref, {
        smsb_conversationid: id,
        smsb_name: name,
        smsb_phonenumber: "+15551230001",
        smsb_state: 1,
        smsb_customername: name,
        smsb_lastmessagepreview: "Hello there",
        smsb_lastinboundon: at,
        smsb_lastactivityon: at,
        _smsb_configuration_value: CFG,
        _ownerid_value: TEAM,
        [`_ownerid_value${FORMATTED}`]: "SMS Bridge - SMS",
    });
}

describe("InboxService", () => {
    let api: FakeDataverseApi;
    let service: InboxService;
    beforeEach(() => {
        now = new Date("2026-11-26T12:00:00Z");
        api = new FakeDataverseApi(ME);
        seed(api);
        service = new InboxService(api, { now: () => now });
    });

    it("after the first load asks only for conversations modified since the newest one seen", async () => {
        pending(api, "c1", "Ann Lee");
        await service.loadAll();
        now = new Date(now.getTime() + 3000);
        await service.poll();
        const last = api.calls.filter((c) => c.table === "smsb_conversation").at(-1)!;
        expect(last.query).toContain("modifiedon ge 2026-11-26T12:00:00Z");
    });

    it("accepts with If-Match; the loser of a race is told who took the conversation", async () => {
        pending(api, "c1", "Ann Lee");
        await service.loadAll();
        api.beforeUpdate = () => {
            api.beforeUpdate = undefined;
            api.touch(smsb_conversation.ref, "c1", { smsb_state: 2, "ownerid@odata.bind": `/systemusers(${RIVAL})` });
        };
        const outcome = await service.accept("c1");
        expect(outcome).toEqual({ ok: false, message: "Riya Shah has already taken this conversation." });
        const update = api.calls.find((c) => c.method === "update")!;
        expect(update.ifMatch).toMatch(/^W\/"/);
        expect(service.items()).toEqual([]);
    });

    it("retries once when only a new inbound text changed the row, then owns it", async () => {
        pending(api, "c1", "Ann Lee");
        await service.loadAll();
        api.beforeUpdate = () => {
            api.beforeUpdate = undefined;
            api.touch(smsb_conversation.ref, "c1", { smsb_lastmessagepreview: "Are you there?" });
        };
        const outcome = await service.accept("c1");
        expect(outcome.ok).toBe(true);
        const row = api.rows(smsb_conversation.ref)[0];
        expect(row._ownerid_value).toBe(ME);
        expect(row._smsb_acceptedby_value).toBe(ME);
        expect(row.smsb_state).toBe(2);
        expect(service.items().map((i) => i.action)).toEqual(["view"]);
    });

    it("dismiss writes a dismissal and hides the row until a newer inbound message", async () => {
        pending(api, "c1", "Ann Lee");
        await service.loadAll();
        await service.dismiss("c1");
        const dismissal = api.rows(smsb_dismissal.ref)[0];
        expect(dismissal._smsb_conversation_value).toBe("c1");
        expect(service.items()).toEqual([]);
        now = new Date(now.getTime() + 60_000);
        api.touch(smsb_conversation.ref, "c1", { smsb_lastinboundon: now.toISOString() });
        await service.poll();
        expect(service.items().map((i) => i.conversation.id)).toEqual(["c1"]);
    });

    it("block sets Blocked with who and when, for everyone", async () => {
        pending(api, "c1", "Ann Lee");
        await service.loadAll();
        expect((await service.block("c1")).ok).toBe(true);
        const row = api.rows(smsb_conversation.ref)[0];
        expect(row.smsb_state).toBe(3);
        expect(row._smsb_blockedby_value).toBe(ME);
        expect(row.smsb_blockedon).toBe(now.toISOString());
        expect(service.items()).toEqual([]);
    });
});

class RecordingHost implements InboxHost {
    badge = -1;
    notices: string[] = [];
    answer = true;
    questions: string[] = [];
    opened: string[] = [];
    setBadge(count: number) {
        this.badge = count;
    }
    notify(message: string) {
        this.notices.push(message);
    }
    async confirm(title: string, text: string) {
        this.questions.push(`${title}: ${text}`);
        return this.answer;
    }
    openConversation(id: string) {
        this.opened.push(id);
    }
}

describe("the inbox pane", () => {
    let api: FakeDataverseApi;
    let host: RecordingHost;
    let controller: InboxController;
    let root: HTMLElement;

    beforeEach(async () => {
        now = new Date("2026-11-26T12:00:00Z");
        document.body.innerHTML = '<main id="smsb-inbox"></main>';
        root = document.getElementById("smsb-inbox")!;
        api = new FakeDataverseApi(ME);
        seed(api);
        host = new RecordingHost();
        const service = new InboxService(api, { now: () => now });
        const view = new InboxView(root, { onAction: (action, id) => void controller.act(action, id) }, "en-US");
        controller = new InboxController({ service, host, view, clock: () => now.getTime() });
    });

    it("lists customer, number, preview and time with the manual's buttons, and sets the badge", async () => {
        pending(api, "c1", "Ann Lee");
        await controller.refresh();
        const item = root.querySelector("li")!;
        expect(item.querySelector("h2")!.textContent).toBe("Ann Lee");
        expect(item.textContent).toContain("+15551230001");
        expect(item.textContent).toContain("Hello there");
        expect(item.querySelector("time")!.dateTime).toBe("2026-11-26T11:59:00.000Z");
        expect([...item.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Accept", "Dismiss", "Block"]);
        expect(item.getAttribute("aria-labelledby")).toBe(item.querySelector("h2")!.id);
        expect(host.badge).toBe(1);
    });

    it("raises a global notification for a first-time sender that arrives after the pane loaded", async () => {
        pending(api, "c1", "Ann Lee");
        await controller.refresh();
        expect(host.notices).toEqual([]);
        now = new Date(now.getTime() + 3000);
        pending(api, "c2", "Bo Chen", 0);
        await controller.refresh();
        expect(host.notices).toEqual(["New message from Bo Chen (+15551230001): Accept, Dismiss or Block."]);
        expect(host.badge).toBe(2);
    });

    it("clicking Accept takes the conversation and the row turns into View Message", async () => {
        pending(api, "c1", "Ann Lee");
        await controller.refresh();
        await controller.act("accept", "c1");
        expect([...root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["View Message"]);
        expect(root.querySelector('[role="status"]')!.textContent).toContain("Accepted");
        await controller.act("view", "c1");
        expect(host.opened).toEqual(["c1"]);
    });

    it("Assign to Me asks Yes/No and does nothing on No", async () => {
        const row = pending(api, "c1", "Ann Lee", 10);
        Object.assign(row, { smsb_state: 2, _ownerid_value: RIVAL, [`_ownerid_value${FORMATTED}`]: "Riya Shah" });
        await controller.refresh();
        expect([...root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Assign to Me"]);
        host.answer = false;
        await controller.act("assign", "c1");
        expect(host.questions[0]).toMatch(/^Change Ownership: .*Riya Shah/);
        expect(api.calls.some((c) => c.method === "update")).toBe(false);
        host.answer = true;
        await controller.act("assign", "c1");
        expect(api.rows(smsb_conversation.ref)[0]._ownerid_value).toBe(ME);
    });
    it("loads at once, polls every 3 s, and waits longer while Dataverse is busy, as long as it asks", async () => {
        vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
        try {
            pending(api, "c1", "Ann Lee");
            const reads = () => api.calls.filter((c) => c.table === "smsb_conversation").length;
            await controller.start();
            expect(host.badge).toBe(1);
            const first = reads();
            await vi.advanceTimersByTimeAsync(3000);
            expect(reads()).toBe(first + 1);
            vi.spyOn(api, "retrieveMultiple").mockRejectedValueOnce(
                new DataverseError("Too many requests", 429, 10_000),
            );
            await vi.advanceTimersByTimeAsync(3000);
            expect(root.querySelector('[role="status"]')!.textContent).toBe("Dataverse is busy; retrying shortly.");
            await vi.advanceTimersByTimeAsync(9_999);
            expect(reads()).toBe(first + 1);
            await vi.advanceTimersByTimeAsync(1);
            expect(reads()).toBe(first + 2);
            controller.stop();
            await vi.advanceTimersByTimeAsync(60_000);
            expect(reads()).toBe(first + 2);
        } finally {
            vi.useRealTimers();
        }
    });
});

describe("BrowserInboxHost (the devstack stand-in)", () => {
    it("shows the badge in the page and answers Yes/No from in-page buttons", async () => {
        document.body.innerHTML = '<span id="smsb-badge" hidden></span><div id="smsb-notifications"></div>';
        const host = new BrowserInboxHost(document);
        host.setBadge(3);
        expect(document.getElementById("smsb-badge")!.textContent).toBe("3");
        expect(document.body.dataset.badge).toBe("3");
        const answer = host.confirm("Change Ownership", "Continue?");
        const yes = [...document.querySelectorAll<HTMLButtonElement>('[role="alertdialog"] button')].find(
            (b) => b.textContent === "Yes",
        )!;
        expect(document.activeElement).toBe(yes);
        yes.click();
        await expect(answer).resolves.toBe(true);
        const onView = vi.fn();
        host.notify("New message from +1555", onView);
        document.querySelector<HTMLButtonElement>(".smsb-notification button")!.click();
        expect(onView).toHaveBeenCalled();
    });
});

describe("the periodic full reload", () => {
    it("drops conversations that are gone and does not report known ones as new", async () => {
        now = new Date("2026-11-26T12:00:00Z");
        const api = new FakeDataverseApi(ME);
        seed(api);
        const service = new InboxService(api, { now: () => now });
        pending(api, "c1", "Ann Lee");
        pending(api, "c2", "Bo Chen");
        expect((await service.loadAll()).map((c) => c.id)).toEqual(["c1", "c2"]);
        api.rows(smsb_conversation.ref).splice(1, 1);
        expect(await service.loadAll()).toEqual([]);
        expect(service.items().map((i) => i.conversation.id)).toEqual(["c1"]);
    });
});

/**
 * Against a running Dataverse emulator (devstack):
 * `SMSB_DATAVERSE_URL=http://127.0.0.1:7072/api/data/v9.2/ npm run test:emulator` (`make test` runs it through
 * `tests/frontend/`, which starts an emulator). Two users race to Accept one pending conversation; exactly one wins.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FetchDataverseApi, smsb_configuration, smsb_conversation, teammembership } from "@smsb/shared";
import { InboxService } from "../src/inbox/InboxService";

const ENTRY = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const PANE = fileURLToPath(new URL("../static/smsb_/pane/inbox.html", import.meta.url));
const BASE = process.env.SMSB_DATAVERSE_URL ?? "";
if (!BASE)
    throw new Error("Set SMSB_DATAVERSE_URL to the emulator's Web API root, e.g. http://127.0.0.1:7072/api/data/v9.2/");
const TOKEN = process.env.SMSB_DATAVERSE_TOKEN ?? "devstack";

/** A Configuration for the first team and one pending conversation owned by that team; returns ids and two members. */
async function seedPending(admin: FetchDataverseApi) {
    const memberships = await admin.retrieveMultiple(teammembership.ref, "?$select=teamid,systemuserid");
    const team = String(memberships[0].teamid);
    const [a, b] = memberships.filter((m) => m.teamid === team).map((m) => String(m.systemuserid));
    const suffix = (Date.now() % 10_000_000).toString().padStart(7, "0");
    const configuration = await admin.create(smsb_configuration.ref, {
        smsb_name: `Smoke ${suffix}`,
        smsb_mobilenumber: `+1500${suffix}`,
        smsb_accountsid: "AC11111111111111111111111111111111",
        smsb_idletimeout: 5,
        "smsb_assignedteam@odata.bind": `/teams(${team})`,
    });
    const at = new Date().toISOString();
    const conversation = await admin.create(smsb_conversation.ref, {
        smsb_name: `+1555${suffix}`,
        smsb_phonenumber: `+1555${suffix}`,
        smsb_state: 1,
        smsb_lastmessagepreview: "Hello",
        smsb_lastinboundon: at,
        smsb_lastactivityon: at,
        "smsb_configuration@odata.bind": `/smsb_configurations(${configuration})`,
        "ownerid@odata.bind": `/teams(${team})`,
    });
    return { a, b, conversation };
}

describe("inbox against the Dataverse emulator", () => {
    it("lets exactly one of two team members accept a pending conversation", async () => {
        const admin = new FetchDataverseApi({ baseUrl: BASE, token: TOKEN });
        const { a, b, conversation } = await seedPending(admin);
        expect(b).toBeDefined();
        const first = new InboxService(new FetchDataverseApi({ baseUrl: BASE, token: TOKEN, user: a }));
        const second = new InboxService(new FetchDataverseApi({ baseUrl: BASE, token: TOKEN, user: b }));
        await Promise.all([first.loadAll(), second.loadAll()]);
        expect(first.items().find((i) => i.conversation.id === conversation)?.action).toBe("accept");
        expect(second.items().find((i) => i.conversation.id === conversation)?.action).toBe("accept");
        const won = await first.accept(conversation);
        const lost = await second.accept(conversation);
        expect(won.ok).toBe(true);
        expect(lost.ok).toBe(false);
        expect(lost.message).toMatch(/has already taken this conversation/);
        const row = await admin.retrieve(smsb_conversation.ref, conversation, "?$select=smsb_state,_ownerid_value");
        expect(row.smsb_state).toBe(2);
        expect(row._ownerid_value).toBe(a);
        await second.poll();
        expect(second.items().find((i) => i.conversation.id === conversation)).toBeUndefined();
    });
});

describe("inbox.html against the Dataverse emulator", () => {
    it("renders the pending conversations of the user named in the URL, with the badge", async () => {
        const { build } = await import("esbuild");
        const { readFileSync } = await import("node:fs");
        const { JSDOM } = await import("jsdom");
        const bundle = (
            await build({ entryPoints: [ENTRY], bundle: true, format: "iife", globalName: "SmsBridge", write: false })
        ).outputFiles[0].text;
        const admin = new FetchDataverseApi({ baseUrl: BASE, token: TOKEN });
        const { a: user } = await seedPending(admin);
        const html = readFileSync(PANE, "utf8")
            .replace('<script src="../scripts/smsbridge.js"></script>', "")
            .replace("<script>SmsBridge.Inbox.start(window);</script>", "");
        const query = new URLSearchParams({ apiBase: BASE, user, token: TOKEN });
        const dom = new JSDOM(html, {
            url: `http://127.0.0.1/WebResources/smsb_/pane/inbox.html?${query}`,
            runScripts: "dangerously",
        });
        Object.assign(dom.window, { fetch: globalThis.fetch, Response, Headers });
        const script = dom.window.document.createElement("script");
        script.textContent = `${bundle}\nwindow.controller = SmsBridge.Inbox.start(window);`;
        dom.window.document.body.append(script);
        const doc = dom.window.document;
        for (let i = 0; i < 50 && !doc.body.dataset.badge; i++)
            await new Promise((resolve) => setTimeout(resolve, 100));
        (dom.window as unknown as { controller: { stop(): void } }).controller.stop();
        expect(Number(doc.body.dataset.badge)).toBeGreaterThanOrEqual(1);
        expect(doc.querySelector("h1")!.textContent).toBe("Messages");
        const labels = [...doc.querySelectorAll("li button")].map((b) => b.textContent);
        expect(labels).toContain("Accept");
        expect(
            labels.every((l) => ["Accept", "Dismiss", "Block", "View Message", "Assign to Me"].includes(l ?? "")),
        ).toBe(true);
        dom.window.close();
    });
});

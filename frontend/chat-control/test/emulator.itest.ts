/**
 * The chat's data service against the Dataverse emulator (devstack): every query and write it builds must
 * be one the Web API accepts. Run by tests/controls/test_chat_control_on_the_emulator.py, which serves the
 * emulator and sets SMSB_DATAVERSE_URL (the Web API root).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
    FetchDataverseApi,
    smsb_configuration,
    smsb_conversation,
    smsb_message,
    smsb_messagemedia,
    smsb_messagesession,
    smsb_messagetemplate,
    smsb_outbox,
    systemuser,
    type TableRef,
    type Timers,
} from "@smsb/shared";
import { mediaTile } from "../TextSMSChatSystem/model/media";
import { ConversationFeed } from "../TextSMSChatSystem/services/ConversationFeed";
import { DataverseChatService } from "../TextSMSChatSystem/services/DataverseChatService";
import { FakeVisibility } from "./fakes";

const API = process.env.SMSB_DATAVERSE_URL ?? "";
if (!API)
    throw new Error("Set SMSB_DATAVERSE_URL to the emulator's Web API root, e.g. http://127.0.0.1:7072/api/data/v9.2/");
const TOKEN = process.env.SMSB_DATAVERSE_TOKEN ?? "devstack-token";

// Customer tables are not among the generated names: the host's metadata names their entity sets.
const contact: TableRef = { logicalName: "contact", entitySet: "contacts" };
const incident: TableRef = { logicalName: "incident", entitySet: "incidents" };
const sets: Record<string, string> = Object.fromEntries(
    [
        contact,
        incident,
        systemuser.ref,
        smsb_configuration.ref,
        smsb_conversation.ref,
        smsb_messagesession.ref,
        smsb_message.ref,
        smsb_outbox.ref,
    ].map((t) => [t.logicalName, t.entitySet]),
);

const utils = {
    getEntityMetadata: (table: string) =>
        Promise.resolve({
            EntitySetName: sets[table],
            DisplayName: table,
            Attributes: { get: () => ({ AttributeType: 14 }) },
        }),
} as unknown as ComponentFramework.Utility;

/** The feed's timers, run by hand: `poll()` runs the poll due next and resolves once it has ended. */
class ManualTimers implements Timers {
    private readonly due = new Map<number, () => void>();
    private handles = 0;
    private scheduled: (() => void) | null = null;

    setTimeout(callback: () => void, _ms: number): unknown {
        const handle = ++this.handles;
        this.due.set(handle, callback);
        // The poller schedules its next run when a run has ended.
        const ended = this.scheduled;
        this.scheduled = null;
        ended?.();
        return handle;
    }
    clearTimeout(handle: unknown): void {
        this.due.delete(handle as number);
    }
    poll(): Promise<void> {
        const [handle, callback] = Array.from(this.due.entries())[0] ?? [];
        if (handle === undefined || callback === undefined) throw new Error("no poll is scheduled");
        this.due.delete(handle);
        const ended = new Promise<void>((resolve) => (this.scheduled = resolve));
        callback();
        return ended;
    }
}

describe("DataverseChatService on the Dataverse emulator", () => {
    const dataverse = new FetchDataverseApi({ baseUrl: API, token: TOKEN });
    const chat = new DataverseChatService({ dataverse, utils, apiBase: API });
    const ids: Record<string, string> = {};

    beforeAll(async () => {
        ids.contact = await dataverse.create(contact, {
            firstname: "Justin",
            lastname: "Case",
            mobilephone: "+15551230001",
        });
        ids.configuration = await dataverse.create(smsb_configuration.ref, {
            smsb_name: "Chat test line",
            smsb_mobilenumber: "+15005550099",
            smsb_enterissend: false,
            smsb_allowcreateto: "incident, opportunity",
        });
        ids.conversation = await dataverse.create(smsb_conversation.ref, {
            smsb_name: "Justin Case",
            smsb_phonenumber: "+15551230001",
            "smsb_configuration@odata.bind": `/smsb_configurations(${ids.configuration})`,
        });
        ids.session = await dataverse.create(smsb_messagesession.ref, {
            subject: "Chat with Justin",
            smsb_phonenumber: "+15551230001",
            "smsb_conversation@odata.bind": `/smsb_conversations(${ids.conversation})`,
            "smsb_configuration@odata.bind": `/smsb_configurations(${ids.configuration})`,
            "regardingobjectid_contact_smsb_messagesession@odata.bind": `/contacts(${ids.contact})`,
            smsb_messagesession_activity_parties: [
                { participationtypemask: 2, "partyid_contact@odata.bind": `/contacts(${ids.contact})` },
            ],
        });
        ids.inbound = await dataverse.create(smsb_message.ref, {
            smsb_name: "in",
            smsb_direction: 1,
            smsb_status: 7,
            smsb_body: "مرحبا 👋 is my order ready?",
            smsb_from: "+15551230001",
            smsb_receivedon: "2026-11-26T09:00:00Z",
            "smsb_session@odata.bind": `/smsb_messagesessions(${ids.session})`,
            "smsb_conversation@odata.bind": `/smsb_conversations(${ids.conversation})`,
        });
        await dataverse.create(smsb_messagetemplate.ref, {
            smsb_name: "Greeting",
            smsb_body: "Hi {firstname|there}",
            smsb_templatetype: 1,
            smsb_entitylogicalname: "contact",
            smsb_publishstate: 2,
        });
        await dataverse.create(smsb_messagetemplate.ref, {
            smsb_name: "Draft one",
            smsb_body: "x",
            smsb_templatetype: 2,
            smsb_publishstate: 1,
        });
    });

    it("loads the conversation with formatted names, then only what changed", async () => {
        const scope = { sessionIds: [ids.session.toLowerCase()], conversationIds: [ids.conversation.toLowerCase()] };
        const all = await chat.listMessages(scope, null);
        expect(all.map((m) => [m.body, m.direction, m.unread, m.sender])).toEqual([
            ["مرحبا 👋 is my order ready?", "in", true, "Justin Case"],
        ]);
        const since = all[0].modifiedOn;
        const again = await chat.listMessages(scope, since);
        expect(again.map((m) => m.id)).toEqual([all[0].id]); // `ge`: the last one seen comes again, merged by id
        const future = new Date(Date.parse(since) + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
        expect(await chat.listMessages(scope, future)).toEqual([]);
    });

    it("describes sessions, lists Configurations and the Published templates of this table", async () => {
        expect(await chat.describeSessions([ids.session])).toEqual([
            {
                id: ids.session.toLowerCase(),
                conversationId: ids.conversation.toLowerCase(),
                configurationId: ids.configuration.toLowerCase(),
            },
        ]);
        const line = (await chat.listConfigurations()).find((c) => c.name === "Chat test line");
        expect(line).toMatchObject({ enterIsSend: false, allowCreateTo: ["incident", "opportunity"] });
        expect((await chat.listTemplates("contact")).map((t) => t.name)).toContain("Greeting");
        expect((await chat.listTemplates("contact")).map((t) => t.name)).not.toContain("Draft one");
    });

    it("reads the record's values for a template", async () => {
        expect(await chat.recordValues({ entityType: "contact", id: ids.contact }, ["firstname", "lastname"])).toEqual({
            firstname: "Justin",
            lastname: "Case",
        });
    });

    it("sends: an Outbox row with the chat, the sender, the To party and the escaped text", async () => {
        const { outboxId } = await chat.send({
            body: "Code {A1}",
            configurationId: ids.configuration,
            sessionId: ids.session,
            to: { entityType: "contact", id: ids.contact, name: "Justin Case" },
        });
        const row = await dataverse.retrieve(
            smsb_outbox.ref,
            outboxId,
            "?$select=smsb_freeform,_smsb_session_value,_smsb_configuration_value,smsb_sendstatus" +
                "&$expand=smsb_outbox_activity_parties($select=participationtypemask,_partyid_value)",
        );
        expect(row).toMatchObject({ smsb_freeform: "Code {{A1}}", smsb_sendstatus: 1 });
        expect(String(row._smsb_session_value).toLowerCase()).toBe(ids.session.toLowerCase());
        const parties = row.smsb_outbox_activity_parties as { participationtypemask: number; _partyid_value: string }[];
        expect(parties.map((p) => [p.participationtypemask, p._partyid_value.toLowerCase()])).toEqual([
            [2, ids.contact.toLowerCase()],
        ]);
        expect(await chat.listOutboxes([outboxId])).toMatchObject([{ outboxId, sendStatus: 1, messageId: null }]);
    });

    it("sends an image: the file lands in the Outbox's attachment column", async () => {
        const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer;
        const { outboxId } = await chat.send({
            body: "",
            configurationId: ids.configuration,
            sessionId: ids.session,
            to: { entityType: "contact", id: ids.contact },
            attachment: { name: "dot.png", type: "image/png", size: 4, read: () => Promise.resolve(bytes) },
        });
        const row = await dataverse.retrieve(smsb_outbox.ref, outboxId, "?$select=smsb_attachment,smsb_sendafter");
        expect(row.smsb_attachment).toBeTruthy();
        expect(Date.parse(String(row.smsb_sendafter))).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it("marks read, sets Regarding and assigns", async () => {
        await chat.markRead([ids.inbound], new Date());
        const [message] = await chat.listMessages({ sessionIds: [ids.session], conversationIds: [] }, null);
        expect(message.unread).toBe(false);
        const caseId = await dataverse.create(incident, {
            title: "Broken screen",
            "customerid_contact@odata.bind": `/contacts(${ids.contact})`,
        });
        await chat.setRegarding(ids.session, { entityType: "incident", id: caseId });
        const session = await dataverse.retrieve(
            smsb_messagesession.ref,
            ids.session,
            "?$select=_regardingobjectid_value",
        );
        expect(String(session._regardingobjectid_value).toLowerCase()).toBe(caseId.toLowerCase());
        const users = await dataverse.retrieveMultiple(systemuser.ref, "?$select=systemuserid&$top=1", { maxPages: 1 });
        const user = String(users[0].systemuserid);
        await chat.assign(ids.session, ids.conversation, { entityType: "systemuser", id: user });
        const held = await dataverse.retrieve(
            smsb_conversation.ref,
            ids.conversation,
            "?$select=_smsb_acceptedby_value,smsb_state",
        );
        expect(String(held._smsb_acceptedby_value).toLowerCase()).toBe(user.toLowerCase());
        expect(held.smsb_state).toBe(2);
    });

    it("a picture Awaiting File shows its tile, and the picture on the next poll once the file is stored", async () => {
        const pictureText = await dataverse.create(smsb_message.ref, {
            smsb_name: "in with picture",
            smsb_direction: 1,
            smsb_status: 7,
            smsb_body: "",
            smsb_nummedia: 1,
            smsb_from: "+15551230001",
            smsb_receivedon: "2026-11-26T09:10:00Z",
            "smsb_session@odata.bind": `/smsb_messagesessions(${ids.session})`,
            "smsb_conversation@odata.bind": `/smsb_conversations(${ids.conversation})`,
        });
        // As the inbound worker writes it: the row first, Awaiting File, named after its MediaSid.
        const mediaId = await dataverse.create(smsb_messagemedia.ref, {
            smsb_name: "ME0123456789abcdef0123456789abcdef",
            smsb_contenttype: "image/png",
            smsb_twiliomediasid: "ME0123456789abcdef0123456789abcdef",
            smsb_filestatus: smsb_messagemedia.choices.smsb_filestatus.AwaitingFile,
            "smsb_message@odata.bind": `/smsb_messages(${pictureText})`,
        });
        const reads: string[][] = [];
        const watched = new (class extends DataverseChatService {
            override listMedia(mediaIds: readonly string[]) {
                reads.push([...mediaIds]);
                return super.listMedia(mediaIds);
            }
        })({ dataverse, utils, apiBase: API });
        const timers = new ManualTimers();
        const feed = new ConversationFeed(watched, {
            pollMs: 5000,
            hiddenPollMs: 60000,
            maxBackoffMs: 120000,
            visibility: new FakeVisibility(),
            timers,
        });
        const tileNow = () => {
            const shown = feed.getState().messages.find((m) => m.id === pictureText.toLowerCase());
            return shown?.media.map((item) => mediaTile(item)) ?? [];
        };
        try {
            feed.setSessions([
                {
                    id: ids.session.toLowerCase(),
                    subject: "",
                    open: true,
                    start: "",
                    conversationId: ids.conversation.toLowerCase(),
                    configurationId: ids.configuration.toLowerCase(),
                },
            ]);
            feed.start();
            await timers.poll();
            expect(feed.getState().error).toBeNull();
            expect(tileNow()).toEqual([
                { kind: "awaiting", title: "Picture on its way", name: null, label: "Picture on its way" },
            ]);
            const before = await dataverse.retrieve(smsb_message.ref, pictureText, "?$select=modifiedon");

            // As the worker finishes it: the file into the row's file column, then Stored with the file's name.
            const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).buffer;
            await dataverse.uploadFile(smsb_messagemedia.ref, mediaId, smsb_messagemedia.columns.smsb_file, {
                name: "photo.png",
                bytes: png,
            });
            await dataverse.update(smsb_messagemedia.ref, mediaId, {
                smsb_name: "photo.png",
                smsb_size: 8,
                smsb_filestatus: smsb_messagemedia.choices.smsb_filestatus.Stored,
            });
            // The text itself did not change: only its media row did.
            const after = await dataverse.retrieve(smsb_message.ref, pictureText, "?$select=modifiedon");
            expect(after.modifiedon).toBe(before.modifiedon);

            await timers.poll();
            expect(feed.getState().error).toBeNull();
            const url = `${API.replace(/\/$/, "")}/smsb_messagemedias(${mediaId.toLowerCase()})/smsb_file/$value`;
            expect(tileNow()).toEqual([{ kind: "picture", url, alt: "photo.png" }]);
            expect(reads.at(-1)).toEqual([mediaId.toLowerCase()]);
            const file = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
            expect(file.status).toBe(200);
            expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(png));

            // Settled: later polls no longer read the row.
            const count = reads.length;
            await timers.poll();
            expect(reads).toHaveLength(count);
        } finally {
            feed.dispose();
        }
    });
});

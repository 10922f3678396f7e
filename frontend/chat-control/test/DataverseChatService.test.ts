import { describe, expect, it, vi } from "vitest";
import { XrmDataverseApi } from "@smsb/shared";
import { DataverseChatService } from "../TextSMSChatSystem/services/DataverseChatService";
import { DataverseHostNavigation } from "../TextSMSChatSystem/services/DataverseHostNavigation";

type Entity = ComponentFramework.WebApi.Entity;

/** A recording fake of context.webAPI. */
class FakeWebApi implements ComponentFramework.WebApi {
    calls: { op: string; table: string; id?: string; options?: string; data?: Entity }[] = [];
    pages: { entities: Entity[]; nextLink?: string }[] = [];
    record: Entity = {};
    createdId = "{0B0B0B0B-0000-0000-0000-000000000001}";
    failCreate: Error | null = null;

    createRecord(table: string, data: Entity): Promise<ComponentFramework.LookupValue> {
        this.calls.push({ op: "create", table, data });
        if (this.failCreate) {
            return Promise.reject(this.failCreate);
        }
        return Promise.resolve({ id: this.createdId, entityType: table });
    }
    deleteRecord(table: string, id: string): Promise<ComponentFramework.LookupValue> {
        this.calls.push({ op: "delete", table, id });
        return Promise.resolve({ id, entityType: table });
    }
    updateRecord(table: string, id: string, data: Entity): Promise<ComponentFramework.LookupValue> {
        this.calls.push({ op: "update", table, id, data });
        return Promise.resolve({ id, entityType: table });
    }
    retrieveMultipleRecords(
        table: string,
        options?: string,
    ): Promise<ComponentFramework.WebApi.RetrieveMultipleResponse> {
        this.calls.push({ op: "list", table, options });
        const page = this.pages.shift() ?? { entities: [] };
        return Promise.resolve({ entities: page.entities, nextLink: page.nextLink ?? "" });
    }
    retrieveRecord(table: string, id: string, options?: string): Promise<Entity> {
        this.calls.push({ op: "get", table, id, options });
        return Promise.resolve(this.record);
    }
}

const metadata: Record<string, { EntitySetName: string; DisplayName: string; types?: Record<string, number> }> = {
    contact: { EntitySetName: "contacts", DisplayName: "Contact", types: { firstname: 14, parentcustomerid: 1 } },
    incident: { EntitySetName: "incidents", DisplayName: "Case" },
    team: { EntitySetName: "teams", DisplayName: "Team" },
};

const utils = {
    getEntityMetadata: (table: string) =>
        Promise.resolve({
            EntitySetName: metadata[table]?.EntitySetName,
            DisplayName: metadata[table]?.DisplayName,
            Attributes: { get: (name: string) => ({ AttributeType: metadata[table]?.types?.[name] }) },
        }),
    lookupObjects: () => Promise.resolve([{ id: "{AB}", entityType: "team", name: "SMS Bridge - SMS" }]),
} as unknown as ComponentFramework.Utility;

const answer = (status: number) => new Response(null, { status });

/** The chat service as the control builds it: the shared Dataverse layer over context.webAPI. */
function service(fetchImpl?: typeof fetch) {
    const webAPI = new FakeWebApi();
    const dataverse = new XrmDataverseApi({ webApi: webAPI, apiBase: "/api/data/v9.2/", fetch: fetchImpl });
    return { webAPI, chat: new DataverseChatService({ dataverse, utils }) };
}

const contact = { entityType: "contact", id: "c0ffee00-0000-0000-0000-000000000001", name: "Justin Case" };

describe("DataverseChatService.send", () => {
    it("creates an Outbox with the text escaped for the server's template rendering, the chat, the sender and To", async () => {
        const { webAPI, chat } = service();
        const result = await chat.send({
            body: "Use code {SAVE10}",
            configurationId: "cfg1",
            sessionId: "s1",
            to: contact,
        });
        expect(result).toEqual({ outboxId: "0b0b0b0b-0000-0000-0000-000000000001" });
        expect(webAPI.calls).toEqual([
            {
                op: "create",
                table: "smsb_outbox",
                data: {
                    subject: "SMS to Justin Case",
                    smsb_freeform: "Use code {{SAVE10}}",
                    "smsb_configuration@odata.bind": "/smsb_configurations(cfg1)",
                    "smsb_session@odata.bind": "/smsb_messagesessions(s1)",
                    smsb_outbox_activity_parties: [
                        {
                            participationtypemask: 2,
                            "partyid_contact@odata.bind": "/contacts(c0ffee00-0000-0000-0000-000000000001)",
                        },
                    ],
                },
            },
        ]);
    });

    it("makes the Outbox Regarding a record that cannot be a party, with no To party", async () => {
        const { webAPI, chat } = service();
        await chat.send({
            body: "Hi",
            configurationId: null,
            sessionId: "s1",
            to: { entityType: "incident", id: "i1" },
        });
        const data = webAPI.calls.find((call) => call.op === "create")?.data;
        expect(data).not.toHaveProperty("smsb_outbox_activity_parties");
        expect(data).not.toHaveProperty("smsb_configuration@odata.bind");
        expect(data).toHaveProperty(["regardingobjectid_incident_smsb_outbox@odata.bind"], "/incidents(i1)");
    });

    it("is Regarding a custom table's record too, its entity set read from the host's metadata", async () => {
        const { webAPI, chat } = service();
        metadata.new_project = { EntitySetName: "new_projects", DisplayName: "Project" };
        await chat.send({
            body: "Hi",
            configurationId: "cfg1",
            sessionId: null,
            to: { entityType: "new_project", id: "p1" },
        });
        const data = webAPI.calls.find((call) => call.op === "create")?.data;
        expect(data).toHaveProperty(["regardingobjectid_new_project_smsb_outbox@odata.bind"], "/new_projects(p1)");
        expect(data).not.toHaveProperty("smsb_session@odata.bind");
    });

    it("sets no Regarding when the text goes To a party (a contact's Outbox is about the contact already)", async () => {
        const { webAPI, chat } = service();
        await chat.send({ body: "Hi", configurationId: "cfg1", sessionId: "s1", to: contact });
        expect(Object.keys(webAPI.calls[0].data ?? {}).some((key) => key.startsWith("regardingobjectid"))).toBe(false);
    });

    it("names no Regarding for a conversation without a customer (its chat's number is texted)", async () => {
        const { webAPI, chat } = service();
        await chat.send({
            body: "Hi",
            configurationId: null,
            sessionId: "s1",
            to: { entityType: "smsb_conversation", id: "v1" },
        });
        const data = webAPI.calls[0].data as Record<string, unknown>;
        expect(Object.keys(data).filter((key) => key.startsWith("regardingobjectid"))).toEqual([]);
        expect(data).not.toHaveProperty("smsb_outbox_activity_parties");
    });

    it("holds an Outbox with an image until the file is uploaded, then releases it", async () => {
        const fetchImpl = vi.fn(() => Promise.resolve(answer(204)));
        const { webAPI, chat } = service(fetchImpl);
        const bytes = new Uint8Array([1, 2, 3]).buffer;
        await chat.send({
            body: "",
            configurationId: "cfg1",
            sessionId: "s1",
            to: contact,
            attachment: { name: "my photo.png", type: "image/png", size: 3, read: () => Promise.resolve(bytes) },
        });
        const created = webAPI.calls[0].data as Record<string, string>;
        expect(Date.parse(created.smsb_sendafter)).toBeGreaterThan(Date.now() + 60_000);
        const headers: unknown = expect.objectContaining({
            "x-ms-file-name": "my photo.png",
            "Content-Type": "application/octet-stream",
        });
        expect(fetchImpl).toHaveBeenCalledWith(
            "/api/data/v9.2/smsb_outboxes(0b0b0b0b-0000-0000-0000-000000000001)/smsb_attachment",
            expect.objectContaining({ method: "PATCH", body: bytes, headers }),
        );
        expect(webAPI.calls[1]).toMatchObject({
            op: "update",
            table: "smsb_outbox",
            id: "0b0b0b0b-0000-0000-0000-000000000001",
        });
        expect(Date.parse((webAPI.calls[1].data as Record<string, string>).smsb_sendafter)).toBeLessThanOrEqual(
            Date.now(),
        );
    });

    it("deletes the held Outbox when the upload fails", async () => {
        const fetchImpl = vi.fn(() => Promise.resolve(answer(413)));
        const { webAPI, chat } = service(fetchImpl);
        await expect(
            chat.send({
                body: "",
                configurationId: null,
                sessionId: "s1",
                to: contact,
                attachment: {
                    name: "big.png",
                    type: "image/png",
                    size: 3,
                    read: () => Promise.resolve(new ArrayBuffer(3)),
                },
            }),
        ).rejects.toThrow("HTTP 413");
        expect(webAPI.calls.map((c) => c.op)).toEqual(["create", "delete"]);
    });
});

describe("DataverseChatService reads", () => {
    it("asks only for messages changed since the last one seen, in the chat's sessions and conversations", async () => {
        const { webAPI, chat } = service();
        webAPI.pages = [
            {
                entities: [
                    { smsb_messageid: "M1", smsb_direction: 1, smsb_body: "a", modifiedon: "2026-11-26T10:00:00Z" },
                ],
                nextLink: "/api/data/v9.2/smsb_messages?$skiptoken=abc",
            },
            {
                entities: [
                    { smsb_messageid: "M2", smsb_direction: 2, smsb_body: "b", modifiedon: "2026-11-26T10:01:00Z" },
                ],
            },
        ];
        const messages = await chat.listMessages(
            { sessionIds: ["s1", "s2"], conversationIds: [] },
            "2026-11-26T09:59:00Z",
        );
        expect(messages.map((m) => m.id)).toEqual(["m1", "m2"]);
        const options = webAPI.calls[0].options ?? "";
        expect(options).toContain(
            "$filter=(_smsb_session_value eq s1 or _smsb_session_value eq s2) and modifiedon ge 2026-11-26T09:59:00Z",
        );
        expect(options).toContain("$orderby=modifiedon asc");
        expect(options).toContain(
            "$expand=smsb_message_smsb_messagemedia(" +
                "$select=smsb_messagemediaid,smsb_name,smsb_contenttype,smsb_filestatus,smsb_file)",
        );
        expect(webAPI.calls[1].options).toBe("?$skiptoken=abc");
    });

    it("reads media rows again by id, with where their file is", async () => {
        const { webAPI, chat } = service();
        webAPI.pages = [
            {
                entities: [
                    {
                        smsb_messagemediaid: "{MA}",
                        smsb_name: "photo.jpg",
                        smsb_contenttype: "image/jpeg",
                        smsb_filestatus: 2,
                        smsb_file: "f1",
                    },
                    { smsb_messagemediaid: "{MB}", smsb_name: "Picture 2", smsb_filestatus: 3, smsb_file: null },
                ],
            },
        ];
        const media = await chat.listMedia(["ma", "mb"]);
        expect(media.map((m) => [m.id, m.name, m.state])).toEqual([
            ["ma", "photo.jpg", "stored"],
            ["mb", "Picture 2", "unavailable"],
        ]);
        expect(media[0].url).toBe("/api/data/v9.2/smsb_messagemedias(ma)/smsb_file/$value");
        expect(webAPI.calls[0].table).toBe("smsb_messagemedia");
        expect(webAPI.calls[0].options).toContain(
            "$select=smsb_messagemediaid,smsb_name,smsb_contenttype,smsb_filestatus,smsb_file" +
                "&$filter=smsb_messagemediaid eq ma or smsb_messagemediaid eq mb",
        );
    });

    it("lists Published templates of this table and the Global ones", async () => {
        const { webAPI, chat } = service();
        webAPI.pages = [
            {
                entities: [
                    {
                        smsb_messagetemplateid: "T1",
                        smsb_name: "Hi",
                        smsb_body: "Hi {firstname}",
                        smsb_templatetype: 2,
                        _smsb_configuration_value: null,
                    },
                ],
            },
        ];
        expect(await chat.listTemplates("contact")).toEqual([
            { id: "t1", name: "Hi", body: "Hi {firstname}", global: true, configurationId: null },
        ]);
        expect(webAPI.calls[0].options).toContain(
            "smsb_publishstate eq 2 and statecode eq 0 and (smsb_templatetype eq 2 or (smsb_templatetype eq 1 and smsb_entitylogicalname eq 'contact'))",
        );
    });

    it("reads a record's values for a template, lookups by their name", async () => {
        const { webAPI, chat } = service();
        webAPI.record = {
            firstname: "Justin",
            _parentcustomerid_value: "a1",
            "_parentcustomerid_value@OData.Community.Display.V1.FormattedValue": "Contoso",
        };
        expect(await chat.recordValues(contact, ["firstname", "parentcustomerid"])).toEqual({
            firstname: "Justin",
            parentcustomerid: "Contoso",
        });
        expect(webAPI.calls[0].options).toBe("?$select=firstname,_parentcustomerid_value");
    });

    it("reads Configurations with Enter-is-send and the tables a record can be created in", async () => {
        const { webAPI, chat } = service();
        webAPI.pages = [
            {
                entities: [
                    {
                        smsb_configurationid: "CFG",
                        smsb_name: "Support",
                        smsb_mobilenumber: "+15005550006",
                        smsb_enterissend: false,
                        smsb_allowcreateto: "incident,opportunity",
                    },
                ],
            },
        ];
        expect(await chat.listConfigurations()).toEqual([
            {
                id: "cfg",
                name: "Support",
                number: "+15005550006",
                enterIsSend: false,
                allowCreateTo: ["incident", "opportunity"],
            },
        ]);
    });
});

describe("DataverseChatService writes", () => {
    it("sets Regarding through the per-table navigation property", async () => {
        const { webAPI, chat } = service();
        await chat.setRegarding("s1", { entityType: "incident", id: "i1" });
        expect(webAPI.calls).toEqual([
            {
                op: "update",
                table: "smsb_messagesession",
                id: "s1",
                data: { "regardingobjectid_incident_smsb_messagesession@odata.bind": "/incidents(i1)" },
            },
        ]);
    });

    it("hands the session and its conversation to a team, where the chat waits for Accept", async () => {
        const { webAPI, chat } = service();
        const owner = await new DataverseHostNavigation(utils).pickOwner();
        expect(owner).toEqual({ entityType: "team", id: "ab", name: "SMS Bridge - SMS" });
        await chat.assign("s1", "c1", owner!, new Date("2026-11-26T10:00:00Z"));
        expect(webAPI.calls.map((c) => [c.table, c.id, c.data])).toEqual([
            ["smsb_messagesession", "s1", { "ownerid@odata.bind": "/teams(ab)" }],
            [
                "smsb_conversation",
                "c1",
                {
                    "ownerid@odata.bind": "/teams(ab)",
                    smsb_state: 1,
                    "smsb_acceptedby@odata.bind": null,
                    smsb_lastactivityon: "2026-11-26T10:00:00.000Z",
                },
            ],
        ]);
    });

    it("gives the chat to a user as its Accepted By, keeps the rows the team's and restarts the idle clock", async () => {
        const { webAPI, chat } = service();
        await chat.assign("s1", "c1", { entityType: "systemuser", id: "u2" }, new Date("2026-11-26T10:00:00Z"));
        expect(webAPI.calls.map((c) => [c.table, c.id, c.data])).toEqual([
            [
                "smsb_conversation",
                "c1",
                {
                    smsb_state: 2,
                    "smsb_acceptedby@odata.bind": "/systemusers(u2)",
                    smsb_acceptedon: "2026-11-26T10:00:00.000Z",
                    smsb_lastactivityon: "2026-11-26T10:00:00.000Z",
                },
            ],
        ]);
    });

    it("marks messages read", async () => {
        const { webAPI, chat } = service();
        await chat.markRead(["m1"], new Date("2026-11-26T10:00:00Z"));
        expect(webAPI.calls).toEqual([
            { op: "update", table: "smsb_message", id: "m1", data: { smsb_readon: "2026-11-26T10:00:00.000Z" } },
        ]);
    });
});

describe("DataverseHostNavigation help", () => {
    it("opens the user guide web resource the solution ships, in a window of its own", () => {
        const chat = new DataverseHostNavigation(utils);
        const opened: unknown[][] = [];
        chat.useNavigation({
            openWebResource: (...args: unknown[]) => {
                opened.push(args);
            },
        } as unknown as ComponentFramework.Navigation);
        chat.openHelp();
        expect(opened).toEqual([["smsb_/help/userguide.html", { openInNewWindow: true }]]);
    });
});

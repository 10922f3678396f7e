import { describe, expect, it, vi } from "vitest";
import { DataverseError, PreconditionFailedError, type Row } from "../src/dataverse/api";
import { XrmDataverseApi, toDataverseError, type WebApiLike } from "../src/dataverse/XrmDataverseApi";
import { smsb_conversation, smsb_message, smsb_outbox } from "../src/names";

/** A recording fake of `Xrm.WebApi` / `context.webAPI`. */
class FakeWebApi implements WebApiLike {
    calls: { op: string; table: string; id?: string; options?: string; size?: number; data?: Row }[] = [];
    pages: { entities: Row[]; nextLink?: string }[] = [];
    failure: unknown = null;

    createRecord(table: string, data: Row) {
        this.calls.push({ op: "create", table, data });
        return this.answer({ id: "{0B0B0B0B-0000-0000-0000-000000000001}" });
    }
    updateRecord(table: string, id: string, data: Row) {
        this.calls.push({ op: "update", table, id, data });
        return this.answer({});
    }
    deleteRecord(table: string, id: string) {
        this.calls.push({ op: "delete", table, id });
        return this.answer({});
    }
    retrieveRecord(table: string, id: string, options?: string) {
        this.calls.push({ op: "get", table, id, options });
        return this.answer({ smsb_name: "x" });
    }
    retrieveMultipleRecords(table: string, options?: string, size?: number) {
        this.calls.push({ op: "list", table, options, size });
        return this.answer(this.pages.shift() ?? { entities: [] });
    }
    private answer<T>(value: T): Promise<T> {
        return this.failure ? Promise.reject(this.failure) : Promise.resolve(value);
    }
}

const respond = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status });

function api(fetch: (url: string, init?: RequestInit) => Promise<Response> = vi.fn(async () => respond(204))) {
    const webApi = new FakeWebApi();
    return {
        webApi,
        fetch,
        dataverse: new XrmDataverseApi({ webApi, apiBase: "/api/data/v9.2/", userId: () => "{ABC}", fetch }),
    };
}

describe("XrmDataverseApi (inside Dynamics: Xrm.WebApi or a control's context.webAPI)", () => {
    it("reads pages of 250 through the Web API object, following nextLink's query", async () => {
        const { webApi, dataverse } = api();
        webApi.pages = [
            {
                entities: [{ n: 1 }],
                nextLink: "https://org.crm.dynamics.com/api/data/v9.2/smsb_messages?$skiptoken=abc",
            },
            { entities: [{ n: 2 }] },
        ];
        expect(await dataverse.retrieveMultiple(smsb_message.ref, "?$select=smsb_body")).toEqual([{ n: 1 }, { n: 2 }]);
        expect(webApi.calls).toEqual([
            { op: "list", table: "smsb_message", options: "?$select=smsb_body", size: 250 },
            { op: "list", table: "smsb_message", options: "?$skiptoken=abc", size: 250 },
        ]);
    });

    it("creates, updates and deletes by logical name with normalized ids", async () => {
        const { webApi, dataverse } = api();
        expect(await dataverse.create(smsb_outbox.ref, { subject: "x" })).toBe("0b0b0b0b-0000-0000-0000-000000000001");
        await dataverse.update(smsb_outbox.ref, "{AB}", { subject: "y" });
        await dataverse.delete(smsb_outbox.ref, "{AB}");
        expect(webApi.calls.map((c) => [c.op, c.table, c.id])).toEqual([
            ["create", "smsb_outbox", undefined],
            ["update", "smsb_outbox", "ab"],
            ["delete", "smsb_outbox", "ab"],
        ]);
        expect(await dataverse.currentUserId()).toBe("abc");
    });

    it("sends an If-Match update, a file and a metadata query to the same-origin Web API", async () => {
        const fetch = vi.fn(async (url: string) =>
            url.includes("EntityDefinitions") ? respond(200, { value: [] }) : respond(204),
        );
        const { webApi, dataverse } = api(fetch);
        await dataverse.update(smsb_conversation.ref, "C1", { smsb_state: 2 }, { ifMatch: 'W/"7"' });
        await dataverse.uploadFile(smsb_outbox.ref, "O1", "smsb_attachment", {
            name: "a.png",
            bytes: new ArrayBuffer(2),
        });
        expect(await dataverse.metadata("EntityDefinitions?$select=LogicalName")).toEqual({ value: [] });
        expect(webApi.calls).toEqual([]);
        const calls = fetch.mock.calls as unknown as [string, RequestInit][];
        expect(calls.map(([url, init]) => [init.method, url])).toEqual([
            ["PATCH", "/api/data/v9.2/smsb_conversations(c1)"],
            ["PATCH", "/api/data/v9.2/smsb_outboxes(o1)/smsb_attachment"],
            ["GET", "/api/data/v9.2/EntityDefinitions?$select=LogicalName"],
        ]);
        expect((calls[0][1].headers as Record<string, string>)["If-Match"]).toBe('W/"7"');
        expect(calls[0][1].credentials).toBe("same-origin");
    });

    it("turns a lost If-Match race into PreconditionFailedError", async () => {
        const { dataverse } = api(vi.fn(async () => respond(412, { error: { message: "version mismatch" } })));
        await expect(
            dataverse.update(smsb_conversation.ref, "c1", { smsb_state: 2 }, { ifMatch: 'W/"7"' }),
        ).rejects.toBeInstanceOf(PreconditionFailedError);
    });

    it("reports the Web API object's rejections as DataverseError, throttling as 429", async () => {
        const { webApi, dataverse } = api();
        webApi.failure = { errorCode: -2147015902, message: "Number of requests exceeded the limit" };
        const throttled = await dataverse.retrieve(smsb_message.ref, "m1", "").catch((e: unknown) => e);
        expect(throttled).toBeInstanceOf(DataverseError);
        expect((throttled as DataverseError).isThrottled).toBe(true);
        expect((throttled as DataverseError).isTransient).toBe(true);
        webApi.failure = { errorCode: -2147220969, message: "smsb_message With Id = m1 Does Not Exist" };
        const missing = await dataverse.retrieve(smsb_message.ref, "m1", "").catch((e: unknown) => e);
        expect(missing).toMatchObject({ message: "smsb_message With Id = m1 Does Not Exist", code: -2147220969 });
        expect((missing as DataverseError).isTransient).toBe(false);
    });

    it("keeps a DataverseError as it is and reads a status when the rejection carries one", () => {
        const error = new DataverseError("x", 503);
        expect(toDataverseError(error)).toBe(error);
        expect(toDataverseError({ message: "gone", status: 404, errorCode: 1 }).status).toBe(404);
    });
});

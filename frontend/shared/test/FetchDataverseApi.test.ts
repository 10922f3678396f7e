import { describe, expect, it, vi } from "vitest";
import { DataverseError, PreconditionFailedError } from "../src/dataverse/api";
import { FetchDataverseApi } from "../src/dataverse/FetchDataverseApi";
import { smsb_conversation, smsb_dismissal, smsb_outbox } from "../src/names";

const BASE = "http://127.0.0.1:7072/api/data/v9.2/";
const USER = "11111111-2222-3333-4444-555555555555";

function respond(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

describe("FetchDataverseApi (the devstack stand-in's door to the emulator)", () => {
    it("acts as the given user (MSCRMCallerID) on every request and sends the bearer token", async () => {
        const fetch = vi.fn(async () => respond(200, { value: [{ smsb_conversationid: "a" }] }));
        const api = new FetchDataverseApi({ baseUrl: BASE, token: "t0k", user: `{${USER.toUpperCase()}}`, fetch });
        const rows = await api.retrieveMultiple(smsb_conversation.ref, "?$select=smsb_name&$filter=smsb_state eq 1");
        expect(rows).toEqual([{ smsb_conversationid: "a" }]);
        const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
        const parsed = new URL(url);
        expect(parsed.pathname).toBe("/api/data/v9.2/smsb_conversations");
        expect(parsed.searchParams.has("user")).toBe(false);
        expect(parsed.searchParams.get("$filter")).toBe("smsb_state eq 1");
        expect((init.headers as Record<string, string>).Authorization).toBe("Bearer t0k");
        expect((init.headers as Record<string, string>).MSCRMCallerID).toBe(USER);
        expect(await api.currentUserId()).toBe(USER);
    });

    it("follows @odata.nextLink until every page is read", async () => {
        const fetch = vi
            .fn()
            .mockResolvedValueOnce(
                respond(200, { value: [{ n: 1 }], "@odata.nextLink": `${BASE}smsb_conversations?$skiptoken=abc` }),
            )
            .mockResolvedValueOnce(respond(200, { value: [{ n: 2 }] }));
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        expect(await api.retrieveMultiple(smsb_conversation.ref, "")).toEqual([{ n: 1 }, { n: 2 }]);
        expect(new URL(fetch.mock.calls[1][0] as string).searchParams.get("$skiptoken")).toBe("abc");
    });

    it("sends If-Match and turns 412 into PreconditionFailedError", async () => {
        const fetch = vi.fn(async () =>
            respond(412, {
                error: { code: "0x80060882", message: "The version of the existing record doesn't match" },
            }),
        );
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        await expect(
            api.update(smsb_conversation.ref, "abc", { smsb_state: 2 }, { ifMatch: 'W/"7"' }),
        ).rejects.toBeInstanceOf(PreconditionFailedError);
        const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
        expect(init.method).toBe("PATCH");
        expect(new URL(url).pathname).toBe("/api/data/v9.2/smsb_conversations(abc)");
        expect((init.headers as Record<string, string>)["If-Match"]).toBe('W/"7"');
    });

    it("reports throttling as transient with the server's Retry-After", async () => {
        const fetch = vi.fn(async () => respond(429, { error: { message: "slow down" } }, { "Retry-After": "7" }));
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        const error = await api.retrieve(smsb_conversation.ref, "x", "").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DataverseError);
        expect((error as DataverseError).isTransient).toBe(true);
        expect((error as DataverseError).retryAfterMs).toBe(7000);
    });

    it("returns the id of a created row from OData-EntityId", async () => {
        const id = "0a0b0c0d-0000-0000-0000-000000000001";
        const fetch = vi.fn(async () => respond(204, undefined, { "OData-EntityId": `${BASE}smsb_dismissals(${id})` }));
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        expect(await api.create(smsb_dismissal.ref, { smsb_name: "x" })).toBe(id);
    });

    it("asks WhoAmI when no user is given", async () => {
        const fetch = vi.fn(async (_url: string) => respond(200, { UserId: USER.toUpperCase() }));
        const api = new FetchDataverseApi({ baseUrl: BASE, fetch });
        expect(await api.currentUserId()).toBe(USER);
        expect(new URL(fetch.mock.calls[0][0]).pathname).toBe("/api/data/v9.2/WhoAmI");
    });

    it("sends no impersonation header when no user is given", async () => {
        const fetch = vi.fn(async () => respond(200, { value: [] }));
        const api = new FetchDataverseApi({ baseUrl: BASE, fetch });
        await api.retrieveMultiple(smsb_conversation.ref, "");
        const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
        expect(init.headers as Record<string, string>).not.toHaveProperty("MSCRMCallerID");
    });

    it("lets a request's own header win over the impersonation header only where it names it", async () => {
        const fetch = vi.fn(async () => respond(204));
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        await api.update(smsb_conversation.ref, "abc", { smsb_state: 2 });
        const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
        const headers = init.headers as Record<string, string>;
        expect(headers.MSCRMCallerID).toBe(USER);
        expect(headers["If-Match"]).toBe("*");
    });

    it("reads every page, or only as many as asked", async () => {
        const page = (n: number) =>
            respond(200, { value: [{ n }], "@odata.nextLink": `${BASE}smsb_conversations?$skiptoken=${n}` });
        const fetch = vi.fn(async () => page(1));
        const api = new FetchDataverseApi({ baseUrl: BASE, fetch });
        expect(await api.retrieveMultiple(smsb_conversation.ref, "", { maxPages: 3 })).toEqual([
            { n: 1 },
            { n: 1 },
            { n: 1 },
        ]);
        expect(fetch).toHaveBeenCalledTimes(3);
    });

    it("deletes a row and uploads a file column's bytes with its name", async () => {
        const fetch = vi.fn(async () => respond(204));
        const api = new FetchDataverseApi({ baseUrl: BASE, user: USER, fetch });
        await api.delete(smsb_outbox.ref, "{0A0B0C0D-0000-0000-0000-000000000001}");
        const bytes = new Uint8Array([1, 2, 3]).buffer;
        await api.uploadFile(smsb_outbox.ref, "0a0b0c0d-0000-0000-0000-000000000001", "smsb_attachment", {
            name: "café.png",
            bytes,
        });
        const [deleteUrl, deleteInit] = fetch.mock.calls[0] as unknown as [string, RequestInit];
        expect(deleteInit.method).toBe("DELETE");
        expect(new URL(deleteUrl).pathname).toBe("/api/data/v9.2/smsb_outboxes(0a0b0c0d-0000-0000-0000-000000000001)");
        const [url, init] = fetch.mock.calls[1] as unknown as [string, RequestInit];
        expect(new URL(url).pathname).toBe(
            "/api/data/v9.2/smsb_outboxes(0a0b0c0d-0000-0000-0000-000000000001)/smsb_attachment",
        );
        expect(init.method).toBe("PATCH");
        expect(init.body).toBe(bytes);
        const headers = init.headers as Record<string, string>;
        expect(headers["Content-Type"]).toBe("application/octet-stream");
        expect(headers["x-ms-file-name"]).toBe("caf_.png"); // header values are Latin-1
        expect(headers.MSCRMCallerID).toBe(USER);
    });

    it("says Dataverse could not be reached when the request never got an answer", async () => {
        const fetch = vi.fn(async () => {
            throw new TypeError("fetch failed");
        });
        const api = new FetchDataverseApi({ baseUrl: BASE, fetch });
        const error = await api.retrieve(smsb_conversation.ref, "x", "").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DataverseError);
        expect((error as DataverseError).status).toBeUndefined();
        expect((error as DataverseError).isTransient).toBe(true);
        expect((error as DataverseError).message).toContain("could not be reached");
    });
});

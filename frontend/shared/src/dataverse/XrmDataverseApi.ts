/**
 * `DataverseApi` inside Dynamics 365, over the app's Web API object: `Xrm.WebApi` in web resources, `context.webAPI`
 * in a PCF control (the same methods). What that object cannot do — an update with `If-Match` (it takes no
 * headers), file uploads and metadata queries — goes to the same-origin Web API with `fetch`, authenticated by the
 * session cookie.
 */
import { DataverseError } from "./api";
import type { TableRef } from "../names";
import type { DataverseApi, FileContent, RetrieveOptions, Row, UpdateOptions } from "./api";
import { ODataHttp, type FetchLike } from "./http";
import { normalizeId } from "./odata";

/** What the Web API object's methods return: something to await (`Xrm.Async.PromiseLike` or a `Promise`). */
export interface Thenable<T> {
    then(onFulfilled: (value: T) => unknown, onRejected: (reason: unknown) => unknown): unknown;
}

/** The methods `Xrm.WebApi` and `ComponentFramework.WebApi` share. */
export interface WebApiLike {
    createRecord(entityLogicalName: string, data: Row): Thenable<{ id: string }>;
    updateRecord(entityLogicalName: string, id: string, data: Row): Thenable<unknown>;
    deleteRecord(entityLogicalName: string, id: string): Thenable<unknown>;
    retrieveRecord(entityLogicalName: string, id: string, options?: string): Thenable<Row>;
    retrieveMultipleRecords(
        entityLogicalName: string,
        options?: string,
        maxPageSize?: number,
    ): Thenable<{ entities: Row[]; nextLink?: string }>;
}

export interface XrmDataverseApiOptions {
    readonly webApi: WebApiLike;
    /** The Web API root on the app's origin: `${clientUrl}/api/data/v9.2/`, or `/api/data/v9.2/` in a control. */
    readonly apiBase: string;
    /** The signed-in user's systemuserid, as the host reports it; asked of `WhoAmI` when absent. */
    readonly userId?: () => string;
    readonly fetch?: FetchLike;
}

/** Rows per page asked of `retrieveMultipleRecords`. */
export const PAGE_SIZE = 250;

/** Dataverse's service protection error codes (answered with HTTP 429). */
const THROTTLED = new Set([-2147015902, -2147015903, -2147015898]);

export class XrmDataverseApi implements DataverseApi {
    private readonly webApi: WebApiLike;
    private readonly http: ODataHttp;
    private readonly userId: (() => string) | undefined;

    constructor(options: XrmDataverseApiOptions) {
        this.webApi = options.webApi;
        this.userId = options.userId;
        this.http = new ODataHttp({
            baseUrl: options.apiBase,
            fetch: options.fetch ?? ((input, init) => fetch(input, init)),
        });
    }

    async currentUserId(): Promise<string> {
        if (this.userId) return normalizeId(this.userId());
        const who = await this.http.json("GET", "WhoAmI");
        return normalizeId(String(who.UserId));
    }

    async retrieveMultiple(table: TableRef, query: string, options: RetrieveOptions = {}): Promise<Row[]> {
        const rows: Row[] = [];
        let next: string | undefined = query;
        for (let page = 0; next !== undefined && page < (options.maxPages ?? Infinity); page++) {
            const current: string = next;
            const answer = await wrap(this.webApi.retrieveMultipleRecords(table.logicalName, current, PAGE_SIZE));
            rows.push(...answer.entities);
            // The next page is the nextLink's query on the same table.
            next = answer.nextLink ? answer.nextLink.slice(answer.nextLink.indexOf("?")) : undefined;
        }
        return rows;
    }

    retrieve(table: TableRef, id: string, query: string): Promise<Row> {
        return wrap(this.webApi.retrieveRecord(table.logicalName, normalizeId(id), query));
    }

    async create(table: TableRef, data: Row): Promise<string> {
        const created = await wrap(this.webApi.createRecord(table.logicalName, data));
        return normalizeId(created.id);
    }

    async update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void> {
        if (options?.ifMatch) {
            await this.http.send("PATCH", `${table.entitySet}(${normalizeId(id)})`, data, {
                "If-Match": options.ifMatch,
            });
            return;
        }
        await wrap(this.webApi.updateRecord(table.logicalName, normalizeId(id), data));
    }

    async delete(table: TableRef, id: string): Promise<void> {
        await wrap(this.webApi.deleteRecord(table.logicalName, normalizeId(id)));
    }

    uploadFile(table: TableRef, id: string, column: string, file: FileContent): Promise<void> {
        return this.http.upload(`${table.entitySet}(${normalizeId(id)})/${column}`, file.name, file.bytes);
    }

    metadata(path: string): Promise<Row> {
        return this.http.json("GET", path);
    }
}

/**
 * The Web API object rejects with `{ errorCode, message }` (the service's code as a signed number): turn that into a
 * `DataverseError`, status 429 for service protection limits so pollers back off.
 */
export function toDataverseError(error: unknown): DataverseError {
    if (error instanceof DataverseError) return error;
    const detail = (error ?? {}) as { message?: unknown; errorCode?: unknown; status?: unknown };
    const message = typeof detail.message === "string" ? detail.message : String(error);
    const code = typeof detail.errorCode === "number" ? detail.errorCode : undefined;
    const status =
        code !== undefined && THROTTLED.has(code) ? 429 : typeof detail.status === "number" ? detail.status : undefined;
    return new DataverseError(message, status, undefined, code);
}

async function wrap<T>(call: Thenable<T>): Promise<T> {
    try {
        return await call;
    } catch (error) {
        throw toDataverseError(error);
    }
}

/**
 * `DataverseApi` over `fetch` to any Web API root, acting as a chosen user: the devstack's browser stand-in and the
 * emulator tests use it (`new FetchDataverseApi({ baseUrl: "http://127.0.0.1:7072/api/data/v9.2/", token, user })`).
 */
import type { TableRef } from "../names";
import type { DataverseApi, FileContent, RetrieveOptions, Row, UpdateOptions } from "./api";
import { ODataHttp, idFromEntityIdHeader, type FetchLike } from "./http";
import { normalizeId } from "./odata";

/** Dataverse's impersonation header: the request acts as this systemuserid. */
export const CALLER_HEADER = "MSCRMCallerID";

/** Rows per page asked of the service (`odata.maxpagesize`). */
export const PAGE_SIZE = 250;

export interface FetchDataverseApiOptions {
    readonly baseUrl: string;
    readonly token?: string;
    /**
     * Act as this systemuserid: sent as Dataverse's impersonation header `MSCRMCallerID` (the caller needs the
     * privilege to act on behalf of others; the emulator grants it). Also the answer of `currentUserId()`.
     */
    readonly user?: string;
    readonly fetch?: FetchLike;
}

export class FetchDataverseApi implements DataverseApi {
    private readonly http: ODataHttp;
    private userId: string | undefined;

    constructor(options: FetchDataverseApiOptions) {
        this.userId = options.user ? normalizeId(options.user) : undefined;
        this.http = new ODataHttp({
            baseUrl: options.baseUrl,
            token: options.token,
            fetch: options.fetch ?? ((input, init) => fetch(input, init)),
            extraHeaders: this.userId ? { [CALLER_HEADER]: this.userId } : undefined,
        });
    }

    async currentUserId(): Promise<string> {
        if (!this.userId) {
            const who = await this.http.json("GET", "WhoAmI");
            this.userId = normalizeId(String(who.UserId));
        }
        return this.userId;
    }

    async retrieveMultiple(table: TableRef, query: string, options: RetrieveOptions = {}): Promise<Row[]> {
        const rows: Row[] = [];
        let next: string | undefined = `${table.entitySet}${query}`;
        for (let page = 0; next && page < (options.maxPages ?? Infinity); page++) {
            const answer = await this.http.json("GET", next, undefined, {
                Prefer: `odata.include-annotations="*",odata.maxpagesize=${PAGE_SIZE}`,
            });
            rows.push(...((answer.value as Row[] | undefined) ?? []));
            next = answer["@odata.nextLink"] as string | undefined;
        }
        return rows;
    }

    retrieve(table: TableRef, id: string, query: string): Promise<Row> {
        return this.http.json("GET", `${table.entitySet}(${normalizeId(id)})${query}`, undefined, {
            Prefer: 'odata.include-annotations="*"',
        });
    }

    async create(table: TableRef, data: Row): Promise<string> {
        const response = await this.http.send("POST", table.entitySet, data);
        return idFromEntityIdHeader(response.headers.get("OData-EntityId"));
    }

    async update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void> {
        // Without If-Match a PATCH would upsert; `If-Match: *` keeps it an update of an existing row.
        await this.http.send("PATCH", `${table.entitySet}(${normalizeId(id)})`, data, {
            "If-Match": options?.ifMatch ?? "*",
        });
    }

    async delete(table: TableRef, id: string): Promise<void> {
        await this.http.send("DELETE", `${table.entitySet}(${normalizeId(id)})`);
    }

    uploadFile(table: TableRef, id: string, column: string, file: FileContent): Promise<void> {
        return this.http.upload(`${table.entitySet}(${normalizeId(id)})/${column}`, file.name, file.bytes);
    }

    metadata(path: string): Promise<Row> {
        return this.http.json("GET", path);
    }
}

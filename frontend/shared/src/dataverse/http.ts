/** Raw Web API calls over `fetch`, shared by both `DataverseApi` implementations. */
import { DataverseError, PreconditionFailedError, type Row } from "./api";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ODataHttpOptions {
    /**
     * Web API root, e.g. `http://127.0.0.1:7072/api/data/v9.2/`, or `/api/data/v9.2/` on the page's own origin
     * (a PCF control inside the app).
     */
    readonly baseUrl: string;
    readonly fetch: FetchLike;
    /** Bearer token (emulator, tools); inside Dynamics the session cookie authenticates instead. */
    readonly token?: string;
    /** Extra headers on every request, e.g. Dataverse's impersonation header `MSCRMCallerID: <systemuserid>`. */
    readonly extraHeaders?: Readonly<Record<string, string>>;
}

const ANNOTATIONS = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"';

export class ODataHttp {
    private readonly baseUrl: string;

    constructor(private readonly options: ODataHttpOptions) {
        this.baseUrl = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
    }

    /** `pathAndQuery` is relative to the root (`smsb_conversations?$select=…`) or an absolute `@odata.nextLink`. */
    url(pathAndQuery: string): string {
        return /^https?:\/\//.test(pathAndQuery) ? pathAndQuery : this.baseUrl + pathAndQuery.replace(/^\//, "");
    }

    async send(
        method: string,
        pathAndQuery: string,
        body?: Row,
        headers: Readonly<Record<string, string>> = {},
    ): Promise<Response> {
        const all: Record<string, string> = { Prefer: ANNOTATIONS };
        if (body !== undefined) all["Content-Type"] = "application/json; charset=utf-8";
        return this.request(method, pathAndQuery, body === undefined ? undefined : JSON.stringify(body), {
            ...all,
            ...headers,
        });
    }

    async json(method: string, pathAndQuery: string, body?: Row, headers?: Record<string, string>): Promise<Row> {
        const response = await this.send(method, pathAndQuery, body, headers);
        if (response.status === 204) return {};
        return (await response.json()) as Row;
    }

    /** A file column's content in one PATCH (Dataverse takes up to 128 MB this way). */
    async upload(pathAndQuery: string, name: string, bytes: ArrayBuffer): Promise<void> {
        // Header values must be Latin-1: keep the name readable, replace anything else.
        const fileName = name.replace(/[^\x20-\x7e]/g, "_") || "file";
        await this.request("PATCH", pathAndQuery, bytes, {
            "Content-Type": "application/octet-stream",
            "x-ms-file-name": fileName,
        });
    }

    private async request(
        method: string,
        pathAndQuery: string,
        body: string | ArrayBuffer | undefined,
        headers: Readonly<Record<string, string>>,
    ): Promise<Response> {
        const all: Record<string, string> = {
            Accept: "application/json",
            "OData-Version": "4.0",
            "OData-MaxVersion": "4.0",
            ...this.options.extraHeaders,
            ...headers,
        };
        if (this.options.token) all.Authorization = `Bearer ${this.options.token}`;
        let response: Response;
        try {
            response = await this.options.fetch(this.url(pathAndQuery), {
                method,
                headers: all,
                body,
                credentials: "same-origin",
            });
        } catch (error) {
            throw new DataverseError(`Dataverse could not be reached: ${String(error)}`, undefined);
        }
        if (response.ok) return response;
        const text = await response.text().catch(() => "");
        const message = errorMessage(text) ?? `${method} ${pathAndQuery} answered ${response.status}`;
        if (response.status === 412) throw new PreconditionFailedError(message);
        throw new DataverseError(message, response.status, retryAfterMs(response.headers.get("Retry-After")));
    }
}

function errorMessage(text: string): string | undefined {
    try {
        const parsed = JSON.parse(text) as { error?: { message?: string } };
        return parsed.error?.message;
    } catch {
        return text ? text.slice(0, 300) : undefined;
    }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, now: () => number = Date.now): number | undefined {
    if (!header) return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const when = Date.parse(header);
    return Number.isNaN(when) ? undefined : Math.max(0, when - now());
}

/** The id in an `OData-EntityId` header: `…/smsb_dismissals(0000…)`. */
export function idFromEntityIdHeader(header: string | null): string {
    const match = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(header ?? "");
    if (!match) throw new DataverseError("Dataverse did not return the new record's id.", undefined);
    return match[1].toLowerCase();
}

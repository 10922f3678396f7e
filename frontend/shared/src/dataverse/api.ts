/**
 * The front end's one door to Dataverse. Two implementations: `XrmDataverseApi` inside Dynamics (over
 * `Xrm.WebApi` or a PCF control's `context.webAPI`) and `FetchDataverseApi` (any Web API root, e.g. the devstack
 * emulator, acting as a chosen user). Tests fake it.
 */
import type { TableRef } from "../names";

/** One row as the Web API returns it: properties plus annotations such as `@odata.etag`. */
export type Row = Record<string, unknown>;

export interface RetrieveOptions {
    /** Stop after this many pages (default: read every page). */
    readonly maxPages?: number;
}

export interface UpdateOptions {
    /** Send `If-Match: <etag>`: the update fails with `PreconditionFailedError` when someone changed the row first. */
    readonly ifMatch?: string;
}

/** A file for a file column. */
export interface FileContent {
    readonly name: string;
    readonly bytes: ArrayBuffer;
}

export interface DataverseApi {
    /** The signed-in (or impersonated) user's systemuserid, lower case, no braces. */
    currentUserId(): Promise<string>;
    /** `query` is OData query text starting with `?` (or empty); pages are read up to `maxPages`. */
    retrieveMultiple(table: TableRef, query: string, options?: RetrieveOptions): Promise<Row[]>;
    retrieve(table: TableRef, id: string, query: string): Promise<Row>;
    /** Returns the new row's id, lower case. */
    create(table: TableRef, data: Row): Promise<string>;
    update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void>;
    delete(table: TableRef, id: string): Promise<void>;
    /** Puts `file` into a file column of an existing row (one PATCH with the bytes). */
    uploadFile(table: TableRef, id: string, column: string, file: FileContent): Promise<void>;
    /** GET a metadata path under the Web API root, e.g. `EntityDefinitions(LogicalName='contact')/Attributes`. */
    metadata(path: string): Promise<Row>;
}

/**
 * Any failed call: `status` is the HTTP status and `code` the service's error code (a signed number, as
 * `Xrm.WebApi` reports it) when there were ones; neither means the service was not reached.
 */
export class DataverseError extends Error {
    constructor(
        message: string,
        readonly status: number | undefined,
        readonly retryAfterMs: number | undefined = undefined,
        readonly code: number | undefined = undefined,
    ) {
        super(message);
        this.name = "DataverseError";
    }

    /** 429: service protection limits; come back after `retryAfterMs` when the service said. */
    get isThrottled(): boolean {
        return this.status === 429;
    }

    /** Throttling (429), an unavailable service (502, 503) or no answer at all: worth trying again later. */
    get isTransient(): boolean {
        const unreached = this.status === undefined && this.code === undefined;
        return unreached || this.status === 429 || this.status === 502 || this.status === 503;
    }
}

/** 412: an `If-Match` update lost the race. */
export class PreconditionFailedError extends DataverseError {
    constructor(message = "The record was changed by someone else.") {
        super(message, 412);
        this.name = "PreconditionFailedError";
    }
}

/**
 * The pane's and form scripts' only door to Dataverse. Two implementations: `XrmDataverseApi` (inside Dynamics,
 * over `Xrm.WebApi`) and `FetchDataverseApi` (any Web API base URL, e.g. the devstack emulator). Tests fake it.
 */
import type { TableRef } from "../shared/schema";

/** One row as the Web API returns it: properties plus annotations such as `@odata.etag`. */
export type Row = Record<string, unknown>;

export interface UpdateOptions {
  /** Send `If-Match: <etag>`: the update fails with `PreconditionFailedError` when someone changed the row first. */
  readonly ifMatch?: string;
}

export interface DataverseApi {
  /** The signed-in (or impersonated) user's systemuserid, lower case, no braces. */
  currentUserId(): Promise<string>;
  /** `query` is OData query text starting with `?`; every page is read. */
  retrieveMultiple(table: TableRef, query: string): Promise<Row[]>;
  retrieve(table: TableRef, id: string, query: string): Promise<Row>;
  /** Returns the new row's id. */
  create(table: TableRef, data: Row): Promise<string>;
  update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void>;
  /** GET a metadata path under the Web API root, e.g. `EntityDefinitions(LogicalName='contact')/Attributes`. */
  metadata(path: string): Promise<Row>;
}

/** Any failed call; `status` is the HTTP status when there was one. */
export class DataverseError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined = undefined,
  ) {
    super(message);
    this.name = "DataverseError";
  }

  /** 429 and 503 (service protection, throttling) and network failures are worth trying again later. */
  get isTransient(): boolean {
    return this.status === undefined || this.status === 429 || this.status === 503 || this.status === 502;
  }
}

/** 412: an `If-Match` update lost the race. */
export class PreconditionFailedError extends DataverseError {
  constructor(message = "The record was changed by someone else.") {
    super(message, 412);
    this.name = "PreconditionFailedError";
  }
}

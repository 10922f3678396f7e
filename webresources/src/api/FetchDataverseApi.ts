/**
 * `DataverseApi` over `fetch` to any Web API root. Used by the devstack's browser stand-in against the emulator:
 * `new FetchDataverseApi({ baseUrl: "http://127.0.0.1:7072/api/data/v9.2/", token, user })`.
 */
import type { DataverseApi, Row, UpdateOptions } from "./DataverseApi";
import { ODataHttp, idFromEntityIdHeader, type FetchLike } from "./odataHttp";
import { normalizeId, type TableRef } from "../shared/schema";

/** Dataverse's impersonation header: the request acts as this systemuserid. */
export const CALLER_HEADER = "MSCRMCallerID";

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

  async retrieveMultiple(table: TableRef, query: string): Promise<Row[]> {
    const rows: Row[] = [];
    let next: string | undefined = `${table.entitySet}${query}`;
    while (next) {
      const page = await this.http.json("GET", next, undefined, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue",odata.maxpagesize=250' });
      rows.push(...((page.value as Row[] | undefined) ?? []));
      next = page["@odata.nextLink"] as string | undefined;
    }
    return rows;
  }

  retrieve(table: TableRef, id: string, query: string): Promise<Row> {
    return this.http.json("GET", `${table.entitySet}(${normalizeId(id)})${query}`);
  }

  async create(table: TableRef, data: Row): Promise<string> {
    const response = await this.http.send("POST", table.entitySet, data);
    return idFromEntityIdHeader(response.headers.get("OData-EntityId"));
  }

  async update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void> {
    const headers: Record<string, string> = options?.ifMatch ? { "If-Match": options.ifMatch } : {};
    // Without If-Match a PATCH would upsert; `If-Match: *` keeps it an update of an existing row.
    if (!options?.ifMatch) headers["If-Match"] = "*";
    await this.http.send("PATCH", `${table.entitySet}(${normalizeId(id)})`, data, headers);
  }

  metadata(path: string): Promise<Row> {
    return this.http.json("GET", path);
  }
}

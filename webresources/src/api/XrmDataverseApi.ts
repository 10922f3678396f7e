/**
 * `DataverseApi` inside Dynamics 365. Reads and plain writes go through `Xrm.WebApi`; the two things it cannot
 * do — an update with `If-Match` (it takes no headers) and metadata queries — go to the same-origin Web API with
 * `fetch`, authenticated by the session cookie.
 */
import { DataverseError, type DataverseApi, type Row, type UpdateOptions } from "./DataverseApi";
import { ODataHttp, type FetchLike } from "./odataHttp";
import { normalizeId, type TableRef } from "../shared/schema";

const API_VERSION = "v9.2";

export class XrmDataverseApi implements DataverseApi {
  private http: ODataHttp | undefined;

  constructor(
    private readonly xrm: Xrm.XrmStatic,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  currentUserId(): Promise<string> {
    return Promise.resolve(normalizeId(this.xrm.Utility.getGlobalContext().userSettings.userId));
  }

  async retrieveMultiple(table: TableRef, query: string): Promise<Row[]> {
    const rows: Row[] = [];
    let options: string | undefined = query;
    while (options !== undefined) {
      const page: Xrm.RetrieveMultipleResult = await wrap(this.xrm.WebApi.retrieveMultipleRecords(table.logicalName, options, 250));
      rows.push(...(page.entities as Row[]));
      options = page.nextLink ? `?${page.nextLink.split("?")[1] ?? ""}` : undefined;
    }
    return rows;
  }

  async retrieve(table: TableRef, id: string, query: string): Promise<Row> {
    return (await wrap(this.xrm.WebApi.retrieveRecord(table.logicalName, normalizeId(id), query))) as Row;
  }

  async create(table: TableRef, data: Row): Promise<string> {
    const created = await wrap(this.xrm.WebApi.createRecord(table.logicalName, data));
    return normalizeId(created.id);
  }

  async update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void> {
    if (options?.ifMatch) {
      await this.web().send("PATCH", `${table.entitySet}(${normalizeId(id)})`, data, { "If-Match": options.ifMatch });
      return;
    }
    await wrap(this.xrm.WebApi.updateRecord(table.logicalName, normalizeId(id), data));
  }

  metadata(path: string): Promise<Row> {
    return this.web().json("GET", path);
  }

  private web(): ODataHttp {
    if (!this.http) {
      const clientUrl = this.xrm.Utility.getGlobalContext().getClientUrl();
      this.http = new ODataHttp({ baseUrl: `${clientUrl}/api/data/${API_VERSION}/`, fetch: this.fetchImpl });
    }
    return this.http;
  }
}

/** Xrm.WebApi rejects with `{ errorCode, message }`; turn that into a `DataverseError`. */
async function wrap<T>(promise: PromiseLike<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const detail = error as { message?: string; errorCode?: number; status?: number };
    throw new DataverseError(detail?.message ?? String(error), detail?.status);
  }
}

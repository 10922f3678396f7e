/** Raw Web API calls over `fetch`, shared by both `DataverseApi` implementations. */
import { DataverseError, PreconditionFailedError, type Row } from "./DataverseApi";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ODataHttpOptions {
  /** Web API root ending in `/`, e.g. `http://127.0.0.1:7072/api/data/v9.2/`. */
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  /** Bearer token (emulator, tools); inside Dynamics the session cookie authenticates instead. */
  readonly token?: string;
  /** Extra headers on every request, e.g. Dataverse's impersonation header `MSCRMCallerID: <systemuserid>`. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

export class ODataHttp {
  private readonly baseUrl: string;

  constructor(private readonly options: ODataHttpOptions) {
    this.baseUrl = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
  }

  /** `pathAndQuery` is relative to the root (`smsb_conversations?$select=…`) or an absolute `@odata.nextLink`. */
  url(pathAndQuery: string): string {
    return new URL(pathAndQuery, this.baseUrl).toString();
  }

  async send(method: string, pathAndQuery: string, body?: Row, headers: Record<string, string> = {}): Promise<Response> {
    const all: Record<string, string> = {
      Accept: "application/json",
      "OData-Version": "4.0",
      "OData-MaxVersion": "4.0",
      Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
      ...this.options.extraHeaders,
      ...headers,
    };
    if (body !== undefined) all["Content-Type"] = "application/json; charset=utf-8";
    if (this.options.token) all.Authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await this.options.fetch(this.url(pathAndQuery), {
        method,
        headers: all,
        body: body === undefined ? undefined : JSON.stringify(body),
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

  async json(method: string, pathAndQuery: string, body?: Row, headers?: Record<string, string>): Promise<Row> {
    const response = await this.send(method, pathAndQuery, body, headers);
    if (response.status === 204) return {};
    return (await response.json()) as Row;
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

export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const when = Date.parse(header);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

/** The id in an `OData-EntityId` header: `…/smsb_dismissals(0000…)`. */
export function idFromEntityIdHeader(header: string | null): string {
  const match = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(header ?? "");
  if (!match) throw new DataverseError("Dataverse did not return the new record's id.", undefined);
  return match[1].toLowerCase();
}

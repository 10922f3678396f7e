/**
 * context.webAPI over plain fetch, for running the chat's data service against the Dataverse emulator
 * (or any Web API root): the same methods and answer shapes as ComponentFramework.WebApi.
 */
export class FetchWebApi implements ComponentFramework.WebApi {
    constructor(
        private readonly apiUrl: string,
        private readonly entitySets: Record<string, string>,
        private readonly token = "devstack-token",
    ) {}

    private set(table: string): string {
        const set = this.entitySets[table];
        if (!set) {
            throw new Error(`No entity set known for ${table}`);
        }
        return set;
    }

    private async call(method: string, path: string, body?: unknown, prefer?: string): Promise<Response> {
        const headers: Record<string, string> = {
            Accept: "application/json", "OData-Version": "4.0", "OData-MaxVersion": "4.0",
            Authorization: `Bearer ${this.token}`,
            Prefer: prefer ?? 'odata.include-annotations="*"',
        };
        if (body !== undefined) {
            headers["Content-Type"] = "application/json";
        }
        const response = await fetch(`${this.apiUrl.replace(/\/$/, "")}/${path}`, {
            method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) {
            const text = await response.text();
            throw Object.assign(new Error(`${method} ${path}: HTTP ${response.status} ${text}`), { status: response.status });
        }
        return response;
    }

    async createRecord(table: string, data: ComponentFramework.WebApi.Entity): Promise<ComponentFramework.LookupValue> {
        const response = await this.call("POST", this.set(table), data);
        const location = response.headers.get("OData-EntityId") ?? "";
        const id = /\(([^)]+)\)$/.exec(location)?.[1] ?? "";
        return { id, entityType: table };
    }

    async updateRecord(table: string, id: string, data: ComponentFramework.WebApi.Entity): Promise<ComponentFramework.LookupValue> {
        await this.call("PATCH", `${this.set(table)}(${id})`, data);
        return { id, entityType: table };
    }

    async deleteRecord(table: string, id: string): Promise<ComponentFramework.LookupValue> {
        await this.call("DELETE", `${this.set(table)}(${id})`);
        return { id, entityType: table };
    }

    async retrieveRecord(table: string, id: string, options?: string): Promise<ComponentFramework.WebApi.Entity> {
        const response = await this.call("GET", `${this.set(table)}(${id})${options ?? ""}`);
        return await response.json() as ComponentFramework.WebApi.Entity;
    }

    async retrieveMultipleRecords(table: string, options?: string, maxPageSize?: number):
        Promise<ComponentFramework.WebApi.RetrieveMultipleResponse> {
        const prefer = `odata.include-annotations="*"${maxPageSize ? `,odata.maxpagesize=${maxPageSize}` : ""}`;
        const response = await this.call("GET", `${this.set(table)}${options ?? ""}`, undefined, prefer);
        const json = await response.json() as { value: ComponentFramework.WebApi.Entity[]; "@odata.nextLink"?: string };
        return { entities: json.value, nextLink: json["@odata.nextLink"] ?? "" };
    }
}

/** An in-memory `DataverseApi`: rows per table, ETags that change on every write, If-Match, simple `eq`/`ge` filters. */
import {
    FORMATTED,
    PreconditionFailedError,
    type DataverseApi,
    type FileContent,
    type Row,
    type TableRef,
    type UpdateOptions,
} from "@smsb/shared";

export class FakeDataverseApi implements DataverseApi {
    readonly tables = new Map<string, Row[]>();
    readonly calls: { method: string; table: string; query?: string; id?: string; data?: Row; ifMatch?: string }[] = [];
    readonly users = new Map<string, string>();
    metadataAnswers = new Map<string, Row>();
    private version = 1;
    clock: () => Date = () => new Date("2026-11-26T12:00:00Z");
    /** Runs before an update is applied: lets a test make another user win the race. */
    beforeUpdate: ((table: string, id: string) => void) | undefined;

    constructor(public userId = "00000000-0000-0000-0000-00000000000a") {}

    rows(table: TableRef | string): Row[] {
        const name = typeof table === "string" ? table : table.logicalName;
        if (!this.tables.has(name)) this.tables.set(name, []);
        return this.tables.get(name)!;
    }

    add(table: TableRef | string, row: Row): Row {
        const stored = { "@odata.etag": `W/"${this.version++}"`, modifiedon: this.clock().toISOString(), ...row };
        this.rows(table).push(stored);
        return stored;
    }

    /** Change a row as someone else would (new ETag and modifiedon). */
    touch(table: TableRef | string, id: string, data: Row): void {
        const row = this.find(typeof table === "string" ? table : table.logicalName, id);
        Object.assign(row, this.resolve(data), {
            "@odata.etag": `W/"${this.version++}"`,
            modifiedon: this.clock().toISOString(),
        });
    }

    currentUserId(): Promise<string> {
        return Promise.resolve(this.userId);
    }

    async retrieveMultiple(table: TableRef, query: string): Promise<Row[]> {
        this.calls.push({ method: "retrieveMultiple", table: table.logicalName, query });
        const filter = /\$filter=([^&]*)/.exec(query)?.[1] ?? "";
        const clauses = [...filter.matchAll(/(\w+) (eq|ge) ([^ &]+)/g)];
        return this.rows(table)
            .filter((row) =>
                clauses.every(([, prop, op, value]) => {
                    const cell = row[prop];
                    const actual = typeof cell === "string" || typeof cell === "number" ? String(cell) : null;
                    if (op === "eq") return String(actual).toLowerCase() === value.replace(/'/g, "").toLowerCase();
                    return actual !== null && actual >= value;
                }),
            )
            .map((row) => ({ ...row }));
    }

    async retrieve(table: TableRef, id: string, query: string): Promise<Row> {
        this.calls.push({ method: "retrieve", table: table.logicalName, id, query });
        return { ...this.find(table.logicalName, id) };
    }

    async create(table: TableRef, data: Row): Promise<string> {
        this.calls.push({ method: "create", table: table.logicalName, data });
        const id = `00000000-0000-0000-0000-${String(this.version).padStart(12, "0")}`;
        this.add(table, { [`${table.logicalName}id`]: id, _ownerid_value: this.userId, ...this.resolve(data) });
        return id;
    }

    async update(table: TableRef, id: string, data: Row, options?: UpdateOptions): Promise<void> {
        this.calls.push({ method: "update", table: table.logicalName, id, data, ifMatch: options?.ifMatch });
        this.beforeUpdate?.(table.logicalName, id);
        const row = this.find(table.logicalName, id);
        if (options?.ifMatch && options.ifMatch !== row["@odata.etag"]) throw new PreconditionFailedError();
        Object.assign(row, this.resolve(data), {
            "@odata.etag": `W/"${this.version++}"`,
            modifiedon: this.clock().toISOString(),
        });
    }

    async delete(table: TableRef, id: string): Promise<void> {
        this.calls.push({ method: "delete", table: table.logicalName, id });
        const rows = this.rows(table);
        rows.splice(rows.indexOf(this.find(table.logicalName, id)), 1);
    }

    async uploadFile(table: TableRef, id: string, column: string, file: FileContent): Promise<void> {
        this.calls.push({ method: "uploadFile", table: table.logicalName, id, query: column });
        this.find(table.logicalName, id)[column] = file.name;
    }

    async metadata(path: string): Promise<Row> {
        this.calls.push({ method: "metadata", table: "", query: path });
        for (const [prefix, answer] of this.metadataAnswers) if (path.startsWith(prefix)) return answer;
        throw new Error(`no metadata answer for ${path}`);
    }

    private find(table: string, id: string): Row {
        const row = this.rows(table).find((r) => r[`${table}id`] === id);
        if (!row) throw new Error(`${table}(${id}) not found`);
        return row;
    }

    /** `x@odata.bind: /systemusers(id)` → `_x_value` (+ formatted name for users). */
    private resolve(data: Row): Row {
        const out: Row = {};
        for (const [key, value] of Object.entries(data)) {
            const bind = /^(\w+)@odata\.bind$/.exec(key);
            if (!bind) {
                out[key] = value;
                continue;
            }
            const id = /\(([^)]+)\)/.exec(String(value))?.[1] ?? "";
            out[`_${bind[1]}_value`] = id;
            const name = this.users.get(id);
            if (name) out[`_${bind[1]}_value${FORMATTED}`] = name;
        }
        return out;
    }
}

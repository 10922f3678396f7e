/**
 * ChatService and HostNavigation over the PCF context: `context.webAPI` for rows, `context.utils` for
 * metadata and the user/team picker, `context.navigation` for create forms, and a same-origin `fetch` for
 * the one thing webAPI cannot do (uploading the Outbox's file column).
 */
import {
    ConfigurationColumns,
    Defaults,
    MessageColumns,
    OutboxColumns,
    PartyType,
    PublishState,
    SessionColumns,
    Tables,
    TemplateColumns,
    TemplateType,
    lookupValue,
} from "../ManifestConstants";
import {
    ChatMessage,
    MESSAGE_EXPAND,
    MESSAGE_SELECT,
    OutboxUpdate,
    Row,
    messageFromRow,
    normalizeId,
    outboxUpdateFromRow,
} from "../model/messages";
import { EntityRef, allowedCreateTables } from "../model/sessions";
import { displayValue, escapeTemplate } from "../model/templates";
import {
    ChatService,
    ConfigurationInfo,
    FeedScope,
    HostNavigation,
    SendRequest,
    SessionLinks,
    TemplateInfo,
    ThrottledError,
} from "./ChatService";

/** Tables an activity party can point at (activityparty.partyid). */
const PARTY_TABLES = new Set(["contact", "account", "lead", "systemuser"]);
/** Dataverse service protection error codes (HTTP 429). */
const THROTTLED = new Set([-2147015902, -2147015903, -2147015898]);
/** Ids per `or` filter, to keep URLs short. */
const CHUNK = 40;
/** How long an Outbox with an image is held back while its file uploads. */
const ATTACHMENT_HOLD_MS = 5 * 60_000;

type WebApi = ComponentFramework.WebApi;
type Utility = ComponentFramework.Utility;
type Navigation = ComponentFramework.Navigation;

export interface DataverseChatServiceOptions {
    webAPI: WebApi;
    utils: Utility;
    /** Base of the Web API for file transfers, e.g. "/api/data/v9.2" (same origin as the app). */
    apiBase?: string;
    fetch?: typeof fetch;
}

const chunks = <T>(items: readonly T[]): T[][] => {
    const out: T[][] = [];
    for (let index = 0; index < items.length; index += CHUNK) {
        out.push(items.slice(index, index + CHUNK));
    }
    return out;
};

const anyOf = (property: string, ids: readonly string[]): string => ids.map((id) => `${property} eq ${id}`).join(" or ");
const text = (value: unknown): string => (typeof value === "string" ? value : "");
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Turn the service's throttling answer into ThrottledError so the poller can back off. */
export function translateError(error: unknown): unknown {
    const code = (error as { errorCode?: unknown } | null)?.errorCode;
    if (typeof code === "number" && THROTTLED.has(code)) {
        const message = (error as { message?: unknown }).message;
        return new ThrottledError(typeof message === "string" ? message : "Too many requests");
    }
    return error;
}

async function guard<T>(call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw translateError(error);
    }
}

export class DataverseChatService implements ChatService, HostNavigation {
    private readonly webAPI: WebApi;
    private readonly utils: Utility;
    private readonly apiBase: string;
    private readonly fetchImpl: typeof fetch;
    private readonly entitySets = new Map<string, string>();
    private navigation: Navigation | null = null;

    constructor(options: DataverseChatServiceOptions) {
        this.webAPI = options.webAPI;
        this.utils = options.utils;
        this.apiBase = options.apiBase ?? "/api/data/v9.2";
        this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    }

    /** The navigation object of the latest context (it can change between updateView calls). */
    useNavigation(navigation: Navigation): void {
        this.navigation = navigation;
    }

    mediaUrl = (mediaId: string): string => `${this.apiBase}/${Tables.media.set}(${mediaId})/smsb_file/$value`;

    private async all(table: string, options: string): Promise<Row[]> {
        const rows: Row[] = [];
        let query: string | null = options;
        for (let page = 0; query !== null && page < Defaults.maxPages; page++) {
            const current: string = query;
            const result = await guard(() => this.webAPI.retrieveMultipleRecords(table, current, Defaults.pageSize));
            rows.push(...(result.entities as Row[]));
            query = result.nextLink ? result.nextLink.slice(result.nextLink.indexOf("?")) : null;
        }
        return rows;
    }

    async listMessages(scope: FeedScope, since: string | null): Promise<ChatMessage[]> {
        const groups = [
            ...chunks(scope.sessionIds).map((ids) => anyOf(lookupValue(MessageColumns.session), ids)),
            ...chunks(scope.conversationIds).map((ids) => anyOf(lookupValue(MessageColumns.conversation), ids)),
        ];
        const byId = new Map<string, ChatMessage>();
        for (const group of groups) {
            // `ge`: modifiedon has second precision, so a change in the same second as the last one seen counts.
            const filter = since ? `(${group}) and ${MessageColumns.modifiedOn} ge ${since}` : group;
            const options = `?$select=${MESSAGE_SELECT.join(",")}&$expand=${MESSAGE_EXPAND}`
                + `&$filter=${filter}&$orderby=${MessageColumns.modifiedOn} asc`;
            for (const row of await this.all(Tables.message.name, options)) {
                const message = messageFromRow(row, { mediaUrl: this.mediaUrl });
                byId.set(message.id, message);
            }
        }
        return Array.from(byId.values());
    }

    async listOutboxes(outboxIds: readonly string[]): Promise<OutboxUpdate[]> {
        const updates: OutboxUpdate[] = [];
        const select = [OutboxColumns.id, OutboxColumns.sendStatus, OutboxColumns.failureReason, OutboxColumns.errorCode,
            OutboxColumns.modifiedOn, lookupValue(OutboxColumns.message), lookupValue(OutboxColumns.session)];
        for (const ids of chunks(outboxIds)) {
            const rows = await this.all(Tables.outbox.name,
                `?$select=${select.join(",")}&$filter=${anyOf(OutboxColumns.id, ids)}`);
            updates.push(...rows.map(outboxUpdateFromRow));
        }
        return updates;
    }

    async describeSessions(sessionIds: readonly string[]): Promise<SessionLinks[]> {
        const links: SessionLinks[] = [];
        const select = [Tables.session.id, lookupValue(SessionColumns.conversation), lookupValue(SessionColumns.configuration)];
        for (const ids of chunks(sessionIds)) {
            const rows = await this.all(Tables.session.name,
                `?$select=${select.join(",")}&$filter=${anyOf(Tables.session.id, ids)}`);
            for (const row of rows) {
                const id = (value: unknown): string | null => (typeof value === "string" ? normalizeId(value) : null);
                links.push({
                    id: id(row[Tables.session.id]) ?? "",
                    conversationId: id(row[lookupValue(SessionColumns.conversation)]),
                    configurationId: id(row[lookupValue(SessionColumns.configuration)]),
                });
            }
        }
        return links;
    }

    async listConfigurations(): Promise<ConfigurationInfo[]> {
        const select = [ConfigurationColumns.id, ConfigurationColumns.name, ConfigurationColumns.number,
            ConfigurationColumns.enterIsSend, ConfigurationColumns.allowCreateTo];
        const rows = await this.all(Tables.configuration.name,
            `?$select=${select.join(",")}&$filter=statecode eq 0&$orderby=${ConfigurationColumns.name} asc`);
        return rows.map((row) => ({
            id: normalizeId(String(row[ConfigurationColumns.id])),
            name: text(row[ConfigurationColumns.name]),
            number: text(row[ConfigurationColumns.number]),
            enterIsSend: row[ConfigurationColumns.enterIsSend] !== false,
            allowCreateTo: allowedCreateTables(row[ConfigurationColumns.allowCreateTo] as string | null),
        }));
    }

    async listTemplates(table: string): Promise<TemplateInfo[]> {
        const select = [TemplateColumns.id, TemplateColumns.name, TemplateColumns.body, TemplateColumns.type,
            lookupValue(TemplateColumns.configuration)];
        const filter = `${TemplateColumns.publishState} eq ${PublishState.published} and statecode eq 0 and `
            + `(${TemplateColumns.type} eq ${TemplateType.global} or (${TemplateColumns.type} eq ${TemplateType.entity} `
            + `and ${TemplateColumns.table} eq ${quote(table)}))`;
        const rows = await this.all(Tables.template.name,
            `?$select=${select.join(",")}&$filter=${filter}&$orderby=${TemplateColumns.name} asc`);
        return rows.map((row) => {
            const configuration = row[lookupValue(TemplateColumns.configuration)];
            return {
                id: normalizeId(String(row[TemplateColumns.id])),
                name: text(row[TemplateColumns.name]),
                body: text(row[TemplateColumns.body]),
                global: row[TemplateColumns.type] === TemplateType.global,
                configurationId: typeof configuration === "string" ? normalizeId(configuration) : null,
            };
        });
    }

    async recordValues(record: EntityRef, columns: readonly string[]): Promise<Record<string, string | null>> {
        if (columns.length === 0) {
            return {};
        }
        const metadata = await this.utils.getEntityMetadata(record.entityType, [...columns]);
        const attributes = (metadata as { Attributes?: { get?(name: string): { AttributeType?: number } | undefined } })
            .Attributes;
        // Lookup (6), Customer (1) and Owner (9) columns are read as _<column>_value.
        const property = (column: string): string => {
            const type = attributes?.get?.(column)?.AttributeType;
            return type === 6 || type === 1 || type === 9 ? lookupValue(column) : column;
        };
        const properties = columns.map(property);
        const row = await guard(() =>
            this.webAPI.retrieveRecord(record.entityType, record.id, `?$select=${properties.join(",")}`)) as Row;
        const values: Record<string, string | null> = {};
        columns.forEach((column, index) => {
            values[column] = displayValue(row, properties[index]);
        });
        return values;
    }

    private async entitySet(table: string): Promise<string> {
        const known = this.entitySets.get(table);
        if (known) {
            return known;
        }
        const metadata = await this.utils.getEntityMetadata(table, []);
        const set = (metadata as { EntitySetName?: string }).EntitySetName ?? `${table}s`;
        this.entitySets.set(table, set);
        return set;
    }

    async send(request: SendRequest): Promise<{ outboxId: string }> {
        const body: Record<string, unknown> = {
            [OutboxColumns.subject]: `SMS to ${request.to.name ?? request.to.entityType}`.slice(0, 400),
            // The server renders free-form text as a template: escape it so the text goes out exactly as shown.
            [OutboxColumns.freeform]: escapeTemplate(request.body),
        };
        if (request.configurationId) {
            body[`${OutboxColumns.configuration}@odata.bind`] = `/${Tables.configuration.set}(${request.configurationId})`;
        }
        if (request.sessionId) {
            body[`${OutboxColumns.session}@odata.bind`] = `/${Tables.session.set}(${request.sessionId})`;
        }
        if (PARTY_TABLES.has(request.to.entityType)) {
            const set = await this.entitySet(request.to.entityType);
            body[OutboxColumns.parties] = [{
                participationtypemask: PartyType.to,
                [`partyid_${request.to.entityType}@odata.bind`]: `/${set}(${request.to.id})`,
            }];
        }
        if (request.attachment) {
            // Creating the row starts the send; hold it until the image is in place (the sweep releases it).
            body[OutboxColumns.sendAfter] = new Date(Date.now() + ATTACHMENT_HOLD_MS).toISOString();
        }
        const created = await guard(() => this.webAPI.createRecord(Tables.outbox.name, body));
        const outboxId = normalizeId(created.id);
        if (request.attachment) {
            try {
                await this.upload(outboxId, request.attachment);
                await guard(() => this.webAPI.updateRecord(Tables.outbox.name, outboxId,
                    { [OutboxColumns.sendAfter]: new Date().toISOString() }));
            } catch (error) {
                await this.webAPI.deleteRecord(Tables.outbox.name, outboxId).catch(() => undefined);
                throw error;
            }
        }
        return { outboxId };
    }

    private async upload(outboxId: string, attachment: NonNullable<SendRequest["attachment"]>): Promise<void> {
        const url = `${this.apiBase}/${Tables.outbox.set}(${outboxId})/${OutboxColumns.attachment}`;
        // Header values must be Latin-1: keep the name readable, replace anything else.
        const fileName = attachment.name.replace(/[^\x20-\x7e]/g, "_") || "image";
        const response = await this.fetchImpl(url, {
            method: "PATCH",
            credentials: "same-origin",
            headers: {
                "Content-Type": "application/octet-stream", "x-ms-file-name": fileName,
                "OData-Version": "4.0", "OData-MaxVersion": "4.0",
            },
            body: await attachment.read(),
        });
        if (response.status === 429) {
            const retry = Number(response.headers.get("Retry-After"));
            throw new ThrottledError("Too many requests", Number.isFinite(retry) && retry > 0 ? retry * 1000 : null);
        }
        if (!response.ok) {
            throw new Error(`The image could not be uploaded (HTTP ${response.status}).`);
        }
    }

    async markRead(messageIds: readonly string[], at: Date): Promise<void> {
        for (const id of messageIds) {
            await guard(() => this.webAPI.updateRecord(Tables.message.name, id, { [MessageColumns.readOn]: at.toISOString() }));
        }
    }

    async setRegarding(sessionId: string, target: EntityRef): Promise<void> {
        const set = await this.entitySet(target.entityType);
        await guard(() => this.webAPI.updateRecord(Tables.session.name, sessionId, {
            [`regardingobjectid_${target.entityType}_${Tables.session.name}@odata.bind`]: `/${set}(${target.id})`,
        }));
    }

    async assign(sessionId: string, conversationId: string | null, owner: EntityRef): Promise<void> {
        const set = owner.entityType === Tables.team.name ? Tables.team.set : Tables.systemuser.set;
        const bind = { "ownerid@odata.bind": `/${set}(${owner.id})` };
        await guard(() => this.webAPI.updateRecord(Tables.session.name, sessionId, bind));
        if (conversationId) {
            // Notifications and "Assign to Me" follow the conversation's owner (DESIGN.md 6.6).
            await guard(() => this.webAPI.updateRecord(Tables.conversation.name, conversationId, bind));
        }
    }

    async tableLabels(tables: readonly string[]): Promise<Record<string, string>> {
        const labels: Record<string, string> = {};
        for (const table of tables) {
            try {
                const metadata = await this.utils.getEntityMetadata(table, []);
                const name = (metadata as { DisplayName?: string; EntitySetName?: string });
                labels[table] = table;
                if (name.DisplayName) {
                    labels[table] = name.DisplayName;
                }
                if (name.EntitySetName) {
                    this.entitySets.set(table, name.EntitySetName);
                }
            } catch {
                labels[table] = table;
            }
        }
        return labels;
    }

    async createRecord(table: string, from: EntityRef | null): Promise<EntityRef | null> {
        if (!this.navigation) {
            return null;
        }
        const options: ComponentFramework.NavigationApi.EntityFormOptions = { entityName: table, useQuickCreateForm: true };
        if (from) {
            options.createFromEntity = { entityType: from.entityType, id: from.id, name: from.name ?? "" };
        }
        const result = await this.navigation.openForm(options);
        const saved = (result as { savedEntityReference?: ComponentFramework.LookupValue[] } | undefined)?.savedEntityReference?.[0];
        return saved ? { entityType: saved.entityType || table, id: normalizeId(saved.id), name: saved.name } : null;
    }

    async pickOwner(): Promise<EntityRef | null> {
        const picked = await this.utils.lookupObjects({
            allowMultiSelect: false,
            defaultEntityType: Tables.systemuser.name,
            entityTypes: [Tables.systemuser.name, Tables.team.name],
        });
        const first = picked?.[0];
        return first ? { entityType: first.entityType, id: normalizeId(first.id), name: first.name } : null;
    }
}

/**
 * ChatService over the PCF context: the shared Dataverse layer (over `context.webAPI`) for rows and the Outbox's
 * image, `context.utils` for table metadata. What opens the host's own UI is in `DataverseHostNavigation`.
 */
import {
    DataverseError,
    bind,
    displayValue,
    eq,
    lookupValue,
    normalizeId,
    odataQuery,
    quote,
    regardingNavigation,
    smsb_configuration,
    smsb_conversation,
    smsb_message,
    smsb_messagemedia,
    smsb_messagesession,
    smsb_messagetemplate,
    smsb_outbox,
    systemuser,
    team,
    type DataverseApi,
    type Row,
    type TableRef,
} from "@smsb/shared";
import { Defaults } from "../ManifestConstants";
import { MEDIA_SELECT, mediaFromRow } from "../model/media";
import { outboxBody } from "../model/outbox";
import {
    ChatMessage,
    MESSAGE_EXPAND,
    MediaItem,
    MESSAGE_SELECT,
    OutboxUpdate,
    messageFromRow,
    outboxUpdateFromRow,
} from "../model/messages";
import { EntityRef, allowedCreateTables } from "../model/sessions";
import { ChatService, ConfigurationInfo, FeedScope, SendRequest, SessionLinks, TemplateInfo } from "./ChatService";

/** Ids per `or` filter, to keep URLs short. */
const CHUNK = 40;

type Utility = ComponentFramework.Utility;

export interface DataverseChatServiceOptions {
    dataverse: DataverseApi;
    utils: Utility;
    /** Base of the Web API that media files are read from, e.g. "/api/data/v9.2" (same origin as the app). */
    apiBase?: string;
}

const chunks = <T>(items: readonly T[]): T[][] => {
    const out: T[][] = [];
    for (let index = 0; index < items.length; index += CHUNK) {
        out.push(items.slice(index, index + CHUNK));
    }
    return out;
};

const anyOf = (property: string, ids: readonly string[]): string => ids.map((id) => eq(property, id)).join(" or ");
const text = (value: unknown): string => (typeof value === "string" ? value : "");

export class DataverseChatService implements ChatService {
    private readonly dataverse: DataverseApi;
    private readonly utils: Utility;
    private readonly apiBase: string;
    private readonly entitySets = new Map<string, string>();

    constructor(options: DataverseChatServiceOptions) {
        this.dataverse = options.dataverse;
        this.utils = options.utils;
        this.apiBase = (options.apiBase ?? "/api/data/v9.2").replace(/\/$/, "");
    }

    mediaUrl = (mediaId: string): string =>
        `${this.apiBase}/${smsb_messagemedia.ref.entitySet}(${mediaId})/${smsb_messagemedia.columns.smsb_file}/$value`;

    private all(table: TableRef, query: string): Promise<Row[]> {
        return this.dataverse.retrieveMultiple(table, query, { maxPages: Defaults.maxPages });
    }

    async listMessages(scope: FeedScope, since: string | null): Promise<ChatMessage[]> {
        const groups = [
            ...chunks(scope.sessionIds).map((ids) => anyOf(lookupValue(smsb_message.columns.smsb_session), ids)),
            ...chunks(scope.conversationIds).map((ids) =>
                anyOf(lookupValue(smsb_message.columns.smsb_conversation), ids),
            ),
        ];
        const byId = new Map<string, ChatMessage>();
        for (const group of groups) {
            // `ge`: modifiedon has second precision, so a change in the same second as the last one seen counts.
            const filter = since ? `(${group}) and ${smsb_message.columns.modifiedon} ge ${since}` : group;
            const query = odataQuery({
                select: MESSAGE_SELECT,
                expand: MESSAGE_EXPAND,
                filter,
                orderBy: `${smsb_message.columns.modifiedon} asc`,
            });
            for (const row of await this.all(smsb_message.ref, query)) {
                const message = messageFromRow(row, { mediaUrl: this.mediaUrl });
                byId.set(message.id, message);
            }
        }
        return Array.from(byId.values());
    }

    async listMedia(mediaIds: readonly string[]): Promise<MediaItem[]> {
        const items: MediaItem[] = [];
        for (const ids of chunks(mediaIds)) {
            const rows = await this.all(
                smsb_messagemedia.ref,
                odataQuery({ select: MEDIA_SELECT, filter: anyOf(smsb_messagemedia.columns.smsb_messagemediaid, ids) }),
            );
            items.push(...rows.map((row) => mediaFromRow(row, this.mediaUrl)));
        }
        return items;
    }

    async listOutboxes(outboxIds: readonly string[]): Promise<OutboxUpdate[]> {
        const updates: OutboxUpdate[] = [];
        const select = [
            smsb_outbox.columns.activityid,
            smsb_outbox.columns.smsb_sendstatus,
            smsb_outbox.columns.smsb_failurereason,
            smsb_outbox.columns.smsb_errorcode,
            smsb_outbox.columns.modifiedon,
            lookupValue(smsb_outbox.columns.smsb_message),
            lookupValue(smsb_outbox.columns.smsb_session),
        ];
        for (const ids of chunks(outboxIds)) {
            const rows = await this.all(
                smsb_outbox.ref,
                odataQuery({ select, filter: anyOf(smsb_outbox.columns.activityid, ids) }),
            );
            updates.push(...rows.map(outboxUpdateFromRow));
        }
        return updates;
    }

    async describeSessions(sessionIds: readonly string[]): Promise<SessionLinks[]> {
        const links: SessionLinks[] = [];
        const select = [
            smsb_messagesession.columns.activityid,
            lookupValue(smsb_messagesession.columns.smsb_conversation),
            lookupValue(smsb_messagesession.columns.smsb_configuration),
        ];
        const id = (value: unknown): string | null => (typeof value === "string" ? normalizeId(value) : null);
        for (const ids of chunks(sessionIds)) {
            const rows = await this.all(
                smsb_messagesession.ref,
                odataQuery({ select, filter: anyOf(smsb_messagesession.columns.activityid, ids) }),
            );
            for (const row of rows) {
                links.push({
                    id: id(row[smsb_messagesession.columns.activityid]) ?? "",
                    conversationId: id(row[lookupValue(smsb_messagesession.columns.smsb_conversation)]),
                    configurationId: id(row[lookupValue(smsb_messagesession.columns.smsb_configuration)]),
                });
            }
        }
        return links;
    }

    async conversationCustomer(conversationId: string): Promise<EntityRef | null> {
        const row = await this.dataverse.retrieve(
            smsb_conversation.ref,
            conversationId,
            odataQuery({
                select: [
                    smsb_conversation.columns.smsb_customerentity,
                    smsb_conversation.columns.smsb_customerid,
                    smsb_conversation.columns.smsb_customername,
                ],
            }),
        );
        const table = row[smsb_conversation.columns.smsb_customerentity];
        const id = row[smsb_conversation.columns.smsb_customerid];
        const name = row[smsb_conversation.columns.smsb_customername];
        if (typeof table !== "string" || !table || typeof id !== "string" || !id) return null;
        return { entityType: table, id: normalizeId(id), name: typeof name === "string" ? name : undefined };
    }

    async listConfigurations(): Promise<ConfigurationInfo[]> {
        const select = [
            smsb_configuration.columns.smsb_configurationid,
            smsb_configuration.columns.smsb_name,
            smsb_configuration.columns.smsb_mobilenumber,
            smsb_configuration.columns.smsb_enterissend,
            smsb_configuration.columns.smsb_allowcreateto,
        ];
        const rows = await this.all(
            smsb_configuration.ref,
            odataQuery({
                select,
                filter: eq(smsb_configuration.columns.statecode, smsb_configuration.choices.statecode.Active),
                orderBy: `${smsb_configuration.columns.smsb_name} asc`,
            }),
        );
        return rows.map((row) => ({
            id: normalizeId(String(row[smsb_configuration.columns.smsb_configurationid])),
            name: text(row[smsb_configuration.columns.smsb_name]),
            number: text(row[smsb_configuration.columns.smsb_mobilenumber]),
            enterIsSend: row[smsb_configuration.columns.smsb_enterissend] !== false,
            allowCreateTo: allowedCreateTables(row[smsb_configuration.columns.smsb_allowcreateto] as string | null),
        }));
    }

    async listTemplates(table: string): Promise<TemplateInfo[]> {
        const { Entity, Global } = smsb_messagetemplate.choices.smsb_templatetype;
        const type = smsb_messagetemplate.columns.smsb_templatetype;
        const select = [
            smsb_messagetemplate.columns.smsb_messagetemplateid,
            smsb_messagetemplate.columns.smsb_name,
            smsb_messagetemplate.columns.smsb_body,
            type,
            lookupValue(smsb_messagetemplate.columns.smsb_configuration),
        ];
        const published = eq(
            smsb_messagetemplate.columns.smsb_publishstate,
            smsb_messagetemplate.choices.smsb_publishstate.Published,
        );
        const active = eq(smsb_messagetemplate.columns.statecode, smsb_messagetemplate.choices.statecode.Active);
        const ofTable = eq(smsb_messagetemplate.columns.smsb_entitylogicalname, quote(table));
        const forTable = `${eq(type, Entity)} and ${ofTable}`;
        const filter = `${published} and ${active} and (${eq(type, Global)} or (${forTable}))`;
        const rows = await this.all(
            smsb_messagetemplate.ref,
            odataQuery({ select, filter, orderBy: `${smsb_messagetemplate.columns.smsb_name} asc` }),
        );
        return rows.map((row) => {
            const configuration = row[lookupValue(smsb_messagetemplate.columns.smsb_configuration)];
            return {
                id: normalizeId(String(row[smsb_messagetemplate.columns.smsb_messagetemplateid])),
                name: text(row[smsb_messagetemplate.columns.smsb_name]),
                body: text(row[smsb_messagetemplate.columns.smsb_body]),
                global: row[type] === Global,
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
        const table = await this.tableRef(record.entityType);
        const row = await this.dataverse.retrieve(table, record.id, odataQuery({ select: properties }));
        const values: Record<string, string | null> = {};
        columns.forEach((column, index) => {
            values[column] = displayValue(row, properties[index]);
        });
        return values;
    }

    /** Any table by its logical name, its entity set read from the host's metadata once. */
    private async tableRef(table: string): Promise<TableRef> {
        let set = this.entitySets.get(table);
        if (!set) {
            const metadata = await this.utils.getEntityMetadata(table, []);
            set = (metadata as { EntitySetName?: string }).EntitySetName ?? `${table}s`;
            this.entitySets.set(table, set);
        }
        return { logicalName: table, entitySet: set };
    }

    async send(request: SendRequest): Promise<{ outboxId: string }> {
        const recipient =
            request.to.entityType === smsb_conversation.ref.logicalName
                ? null
                : await this.tableRef(request.to.entityType);
        const body = outboxBody(request, recipient, new Date());
        const outboxId = await this.dataverse.create(smsb_outbox.ref, body);
        if (request.attachment) {
            try {
                const file = { name: request.attachment.name || "image", bytes: await request.attachment.read() };
                await this.dataverse.uploadFile(smsb_outbox.ref, outboxId, smsb_outbox.columns.smsb_attachment, file);
                await this.dataverse.update(smsb_outbox.ref, outboxId, {
                    [smsb_outbox.columns.smsb_sendafter]: new Date().toISOString(),
                });
            } catch (error) {
                await this.dataverse.delete(smsb_outbox.ref, outboxId).catch(() => undefined);
                const status = error instanceof DataverseError && error.status ? ` (HTTP ${error.status})` : "";
                const reason = error instanceof Error ? error.message : String(error);
                throw new Error(`The image could not be uploaded${status}: ${reason}`);
            }
        }
        return { outboxId };
    }

    async markRead(messageIds: readonly string[], at: Date): Promise<void> {
        for (const id of messageIds) {
            await this.dataverse.update(smsb_message.ref, id, { [smsb_message.columns.smsb_readon]: at.toISOString() });
        }
    }

    async setRegarding(sessionId: string, target: EntityRef): Promise<void> {
        const to = await this.tableRef(target.entityType);
        await this.dataverse.update(smsb_messagesession.ref, sessionId, {
            [`${regardingNavigation(smsb_messagesession.ref, to.logicalName)}@odata.bind`]: bind(to, target.id),
        });
    }

    /**
     * Reassign Chat. To a user: they have the chat now (Accepted By), the team keeps the rows so the whole team still
     * sees it (docs/admin-guide.md, "Who sees which chats"). To a team: the team owns the conversation and the
     * session and finds the chat waiting for Accept. Either way the idle clock starts again (DESIGN.md 6.6).
     */
    async assign(sessionId: string, conversationId: string | null, owner: EntityRef, at = new Date()): Promise<void> {
        const toTeam = owner.entityType === team.ref.logicalName;
        const to = toTeam ? bind(team.ref, owner.id) : bind(systemuser.ref, owner.id);
        if (!conversationId) {
            // A session with no conversation has nobody to hand it to but its owner.
            await this.dataverse.update(smsb_messagesession.ref, sessionId, {
                [`${smsb_messagesession.navigation.ownerid}@odata.bind`]: to,
            });
            return;
        }
        const activity = { [smsb_conversation.columns.smsb_lastactivityon]: at.toISOString() };
        if (!toTeam) {
            await this.dataverse.update(smsb_conversation.ref, conversationId, {
                [smsb_conversation.columns.smsb_state]: smsb_conversation.choices.smsb_state.Accepted,
                [`${smsb_conversation.navigation.smsb_acceptedby}@odata.bind`]: to,
                [smsb_conversation.columns.smsb_acceptedon]: at.toISOString(),
                ...activity,
            });
            return;
        }
        await this.dataverse.update(smsb_messagesession.ref, sessionId, {
            [`${smsb_messagesession.navigation.ownerid}@odata.bind`]: to,
        });
        await this.dataverse.update(smsb_conversation.ref, conversationId, {
            [`${smsb_conversation.navigation.ownerid}@odata.bind`]: to,
            [smsb_conversation.columns.smsb_state]: smsb_conversation.choices.smsb_state.Pending,
            [`${smsb_conversation.navigation.smsb_acceptedby}@odata.bind`]: null,
            ...activity,
        });
    }

    async tableLabels(tables: readonly string[]): Promise<Record<string, string>> {
        const labels: Record<string, string> = {};
        for (const table of tables) {
            try {
                const metadata = await this.utils.getEntityMetadata(table, []);
                const name = metadata as { DisplayName?: string; EntitySetName?: string };
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
}

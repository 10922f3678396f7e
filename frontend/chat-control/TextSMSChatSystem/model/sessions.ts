/**
 * The subgrid's dataset and the form's record as the chat's view model. Pure: reads only what it is given.
 */
import { normalizeId, smsb_messagesession } from "@smsb/shared";

export interface EntityRef {
    entityType: string;
    id: string;
    name?: string;
}

export interface SessionView {
    id: string;
    subject: string;
    open: boolean;
    /** Window start (ISO), empty when the view does not carry it. */
    start: string;
    conversationId: string | null;
    configurationId: string | null;
}

/** The slice of a dataset the mapping reads (ComponentFramework.PropertyTypes.DataSet satisfies it). */
export interface SessionDataset {
    loading: boolean;
    sortedRecordIds: string[];
    records: Record<
        string,
        {
            getRecordId(): string;
            getValue(column: string): unknown;
            getFormattedValue(column: string): string;
        }
    >;
}

function lookupId(value: unknown): string | null {
    if (value && typeof value === "object") {
        const id = (value as { id?: unknown }).id;
        if (typeof id === "string") {
            return normalizeId(id);
        }
        if (id && typeof id === "object" && typeof (id as { guid?: unknown }).guid === "string") {
            return normalizeId((id as { guid: string }).guid);
        }
    }
    return null;
}

function dateIso(value: unknown): string {
    if (value instanceof Date && !Number.isNaN(value.getTime())) {
        return value.toISOString();
    }
    return typeof value === "string" ? value : "";
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function safe(read: () => unknown): unknown {
    try {
        return read();
    } catch {
        // A column the view does not include throws in some hosts; treat it as empty.
        return null;
    }
}

/** The sessions of the subgrid, newest window first (the view's order when it carries no window start). */
export function datasetToSessions(dataset: SessionDataset): SessionView[] {
    const sessions = dataset.sortedRecordIds.map((recordId, order) => {
        const record = dataset.records[recordId];
        const state = safe(() => record.getValue(smsb_messagesession.columns.statecode));
        const stateNumber = typeof state === "string" ? Number(state) : state;
        const view: SessionView = {
            id: normalizeId(record.getRecordId()),
            subject: text(safe(() => record.getFormattedValue(smsb_messagesession.columns.subject))),
            open:
                stateNumber === null ||
                stateNumber === undefined ||
                stateNumber === smsb_messagesession.choices.statecode.Open,
            start: dateIso(safe(() => record.getValue(smsb_messagesession.columns.actualstart))),
            conversationId: lookupId(safe(() => record.getValue(smsb_messagesession.columns.smsb_conversation))),
            configurationId: lookupId(safe(() => record.getValue(smsb_messagesession.columns.smsb_configuration))),
        };
        return { view, order };
    });
    sessions.sort((a, b) => (b.view.start > a.view.start ? 1 : b.view.start < a.view.start ? -1 : a.order - b.order));
    return sessions.map((entry) => entry.view);
}

/** The session new texts belong to: the newest open one, else the newest. */
export function currentSession(sessions: readonly SessionView[]): SessionView | null {
    return sessions.find((session) => session.open) ?? sessions[0] ?? null;
}

/** `context.mode.contextInfo`: not in the typings, built by the runtime (notes/ui.md section 3). */
interface ContextInfo {
    entityTypeName?: unknown;
    entityId?: unknown;
    entityRecordName?: unknown;
}

/**
 * The record whose form hosts the chat. The manifest's `parentTable` wins over the reported table name,
 * which some hosts fill with the subgrid's table instead of the form's.
 */
export function hostRecord(
    mode: unknown,
    parentTable: string | null | undefined,
    sessionTable: string,
): EntityRef | null {
    const info = (mode as { contextInfo?: ContextInfo } | null | undefined)?.contextInfo;
    const id = typeof info?.entityId === "string" ? normalizeId(info.entityId) : "";
    if (!id) {
        return null;
    }
    const reported = typeof info?.entityTypeName === "string" ? info.entityTypeName : "";
    const table = (parentTable ?? "").trim() || (reported !== sessionTable ? reported : "");
    if (!table) {
        return null;
    }
    const name = typeof info?.entityRecordName === "string" ? info.entityRecordName : undefined;
    return { entityType: table, id, name };
}

/** The configured tables of `smsb_allowcreateto` ("incident, opportunity"). */
export function allowedCreateTables(value: string | null | undefined): string[] {
    return Array.from(
        new Set(
            (value ?? "")
                .split(/[,;\s]+/)
                .map((name) => name.trim().toLowerCase())
                .filter(Boolean),
        ),
    );
}

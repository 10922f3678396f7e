/** Typed fakes of the chat's services and of the PCF dataset, for unit and component tests. */
import { ChatMessage, MediaItem, OutboxUpdate } from "../TextSMSChatSystem/model/messages";
import { EntityRef, SessionDataset } from "../TextSMSChatSystem/model/sessions";
import { messageStatus } from "../TextSMSChatSystem/model/status";
import {
    ChatService,
    ConfigurationInfo,
    FeedScope,
    HostNavigation,
    SendRequest,
    SessionLinks,
    TemplateInfo,
} from "../TextSMSChatSystem/services/ChatService";
import type { Visibility } from "@smsb/shared";

export function message(overrides: Partial<ChatMessage> & { id: string }): ChatMessage {
    const at = overrides.at ?? "2026-11-26T10:00:00Z";
    return {
        outboxId: null,
        sessionId: "s1",
        conversationId: "c1",
        direction: "in",
        body: "Hello",
        at,
        modifiedOn: at,
        sender: "Avery Howard",
        status: messageStatus(7),
        media: [],
        unread: false,
        ...overrides,
    };
}

export class FakeChatService implements ChatService {
    messages: ChatMessage[] = [];
    outboxes: OutboxUpdate[] = [];
    configurations: ConfigurationInfo[] = [
        { id: "cfg1", name: "Support", number: "+15005550006", enterIsSend: true, allowCreateTo: ["incident"] },
    ];
    templates: TemplateInfo[] = [];
    values: Record<string, string | null> = {};
    sent: SendRequest[] = [];
    read: string[] = [];
    regarding: { sessionId: string; target: EntityRef }[] = [];
    assigned: { sessionId: string; conversationId: string | null; owner: EntityRef }[] = [];
    listCalls: { scope: FeedScope; since: string | null }[] = [];
    /** Errors thrown by the next listMessages calls, in order. */
    failures: Error[] = [];
    sendResult: (() => Promise<{ outboxId: string }>) | null = null;

    listMessages(scope: FeedScope, since: string | null): Promise<ChatMessage[]> {
        this.listCalls.push({ scope, since });
        const failure = this.failures.shift();
        if (failure !== undefined) {
            return Promise.reject(failure);
        }
        return Promise.resolve(this.messages.filter((m) => !since || m.modifiedOn >= since));
    }
    /** Media rows as listMedia reads them again; `mediaCalls` records the ids asked for. */
    media: MediaItem[] = [];
    mediaCalls: string[][] = [];
    listMedia(ids: readonly string[]): Promise<MediaItem[]> {
        this.mediaCalls.push([...ids]);
        return Promise.resolve(this.media.filter((m) => ids.includes(m.id)));
    }
    listOutboxes(ids: readonly string[]): Promise<OutboxUpdate[]> {
        return Promise.resolve(this.outboxes.filter((o) => ids.includes(o.outboxId)));
    }
    describeSessions(ids: readonly string[]): Promise<SessionLinks[]> {
        return Promise.resolve(ids.map((id) => ({ id, conversationId: "c1", configurationId: "cfg1" })));
    }
    listConfigurations(): Promise<ConfigurationInfo[]> {
        return Promise.resolve(this.configurations);
    }
    listTemplates(_table: string): Promise<TemplateInfo[]> {
        return Promise.resolve(this.templates);
    }
    recordValues(_record: EntityRef, columns: readonly string[]): Promise<Record<string, string | null>> {
        return Promise.resolve(
            Object.fromEntries(columns.filter((c) => c in this.values).map((c) => [c, this.values[c]])),
        );
    }
    send(request: SendRequest): Promise<{ outboxId: string }> {
        this.sent.push(request);
        return this.sendResult ? this.sendResult() : Promise.resolve({ outboxId: `ob${this.sent.length}` });
    }
    markRead(ids: readonly string[]): Promise<void> {
        this.read.push(...ids);
        return Promise.resolve();
    }
    setRegarding(sessionId: string, target: EntityRef): Promise<void> {
        this.regarding.push({ sessionId, target });
        return Promise.resolve();
    }
    assign(sessionId: string, conversationId: string | null, owner: EntityRef): Promise<void> {
        this.assigned.push({ sessionId, conversationId, owner });
        return Promise.resolve();
    }
    customers: Record<string, EntityRef> = {};
    conversationCustomer(conversationId: string): Promise<EntityRef | null> {
        return Promise.resolve(this.customers[conversationId] ?? null);
    }
    tableLabels(tables: readonly string[]): Promise<Record<string, string>> {
        const names: Record<string, string> = { incident: "Case", opportunity: "Opportunity" };
        return Promise.resolve(Object.fromEntries(tables.map((t) => [t, names[t] ?? t])));
    }
}

export class FakeNavigation implements HostNavigation {
    created: EntityRef | null = { entityType: "incident", id: "case1", name: "Broken screen" };
    owner: EntityRef | null = { entityType: "systemuser", id: "u2", name: "Adam Gilchrist" };
    createCalls: { table: string; from: EntityRef | null }[] = [];
    createRecord(table: string, from: EntityRef | null): Promise<EntityRef | null> {
        this.createCalls.push({ table, from });
        return Promise.resolve(this.created);
    }
    pickOwner(): Promise<EntityRef | null> {
        return Promise.resolve(this.owner);
    }
    helpOpened = 0;
    openHelp(): void {
        this.helpOpened++;
    }
}

export class FakeVisibility implements Visibility {
    visible = true;
    private listeners = new Set<() => void>();
    isVisible(): boolean {
        return this.visible;
    }
    onChange(listener: () => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    set(visible: boolean): void {
        this.visible = visible;
        this.listeners.forEach((l) => l());
    }
    get listenerCount(): number {
        return this.listeners.size;
    }
}

interface FakeRecord {
    id: string;
    values: Record<string, unknown>;
    formatted?: Record<string, string>;
}

/** A dataset as the subgrid hands it over (the members datasetToSessions reads). */
export function dataset(rows: FakeRecord[], loading = false): SessionDataset {
    return {
        loading,
        sortedRecordIds: rows.map((r) => r.id),
        records: Object.fromEntries(
            rows.map((r) => [
                r.id,
                {
                    getRecordId: () => r.id,
                    getValue: (column: string) => r.values[column] ?? null,
                    getFormattedValue: (column: string) =>
                        r.formatted?.[column] ?? (typeof r.values[column] === "string" ? r.values[column] : ""),
                },
            ]),
        ),
    };
}

/** Let pending promise callbacks run (under fake timers too). */
export async function flush(times = 5): Promise<void> {
    for (let i = 0; i < times; i++) {
        await Promise.resolve();
    }
}

/**
 * The live conversation of the host record: loads the messages of the subgrid's sessions, then polls only
 * what changed since the newest `modifiedon` seen, plus the Outbox rows this chat created until each has
 * produced its message, and the media rows whose file is still on its way until each is stored or unavailable. Owned by the control (index.ts disposes it); components subscribe to it.
 */
import {
    ChatMessage,
    applyMediaUpdates,
    applyOutboxUpdates,
    awaitingMediaIds,
    latestModified,
    mergeMessages,
    pendingId,
    pendingOutboxes,
} from "../model/messages";
import { DataverseError, Poller, type Timers, type Visibility } from "@smsb/shared";
import { SessionView } from "../model/sessions";
import { ChatService, FeedScope } from "./ChatService";

export interface FeedState {
    messages: readonly ChatMessage[];
    loaded: boolean;
    error: string | null;
}

export interface FeedOptions {
    pollMs: number;
    hiddenPollMs: number;
    maxBackoffMs: number;
    visibility: Visibility;
    timers?: Timers;
    /** A message or Outbox names a session the subgrid does not show yet (the dataset should refresh). */
    onUnknownSession?(sessionId: string): void;
}

const message = (error: unknown): string =>
    error instanceof Error ? error.message : typeof error === "string" ? error : "Dataverse did not answer.";

export class ConversationFeed {
    private readonly service: ChatService;
    private readonly options: FeedOptions;
    private readonly poller: Poller;
    private readonly listeners = new Set<() => void>();
    private state: FeedState = { messages: [], loaded: false, error: null };
    private scope: FeedScope = { sessionIds: [], conversationIds: [] };
    private scopeKey = "";
    private since: string | null = null;
    private readonly reportedSessions = new Set<string>();
    private readonly reading = new Set<string>();
    private disposed = false;

    constructor(service: ChatService, options: FeedOptions) {
        this.service = service;
        this.options = options;
        this.poller = new Poller(() => this.poll(), {
            intervalMs: options.pollMs,
            hiddenIntervalMs: options.hiddenPollMs,
            maxBackoffMs: options.maxBackoffMs,
            visibility: options.visibility,
            timers: options.timers,
            // Throttling is not the user's problem: the poller backs off and catches up by itself.
            onError: (error) => {
                if (!(error instanceof DataverseError && error.isThrottled)) {
                    this.update({ error: message(error) });
                }
            },
        });
    }

    getState(): FeedState {
        return this.state;
    }

    subscribe(listener: () => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }

    /** The sessions shown by the subgrid; a changed set reloads the conversation. */
    setSessions(sessions: readonly SessionView[]): void {
        const sessionIds = sessions.map((session) => session.id).sort();
        const key = sessionIds.join(",");
        if (key === this.scopeKey) {
            return;
        }
        this.scopeKey = key;
        const conversationIds = Array.from(
            new Set(sessions.map((s) => s.conversationId).filter((id): id is string => !!id)),
        );
        this.scope = { sessionIds, conversationIds };
        this.since = null;
        this.needsLinks = sessions.some((session) => !session.conversationId);
        this.poller.runSoon();
    }

    start(): void {
        this.poller.start();
    }

    /** Poll now (after sending, or when the user asks). */
    refresh(): void {
        this.poller.runSoon();
    }

    /** Show a message at once, before its Outbox row exists; see resolvePending. */
    addPending(pending: ChatMessage): void {
        this.update({ messages: mergeMessages(this.state.messages, [pending]) });
    }

    /** Replace the optimistic message `localId` with the Outbox's pending one, or mark it failed. */
    resolvePending(localId: string, outcome: { outboxId: string } | { error: string }): void {
        const local = this.state.messages.find((item) => item.id === localId);
        if (!local) {
            return;
        }
        if ("error" in outcome) {
            this.update({
                messages: this.state.messages.map((item) =>
                    item.id === localId
                        ? { ...item, status: { kind: "failed", label: "Not sent", reason: outcome.error } }
                        : item,
                ),
            });
            return;
        }
        const rest = this.state.messages.filter((item) => item.id !== localId);
        this.update({
            messages: mergeMessages(rest, [{ ...local, id: pendingId(outcome.outboxId), outboxId: outcome.outboxId }]),
        });
        this.poller.runSoon();
    }

    /** Inbound messages now on screen: mark them read once. */
    markRead(ids: readonly string[], at: Date): void {
        const fresh = ids.filter((id) => !this.reading.has(id));
        if (fresh.length === 0 || this.disposed) {
            return;
        }
        fresh.forEach((id) => this.reading.add(id));
        this.service
            .markRead(fresh, at)
            .then(() => {
                const read = new Set(fresh);
                this.update({
                    messages: this.state.messages.map((item) =>
                        read.has(item.id) ? { ...item, unread: false } : item,
                    ),
                });
                return undefined;
            })
            .catch(() => {
                // Try again on a later render.
                fresh.forEach((id) => this.reading.delete(id));
            });
    }

    dispose(): void {
        this.disposed = true;
        this.poller.stop();
        this.listeners.clear();
    }

    get isDisposed(): boolean {
        return this.disposed;
    }

    private needsLinks = false;

    private async poll(): Promise<void> {
        if (this.needsLinks && this.scope.sessionIds.length > 0) {
            const links = await this.service.describeSessions(this.scope.sessionIds);
            const conversations = new Set(this.scope.conversationIds);
            links.forEach((link) => link.conversationId && conversations.add(link.conversationId));
            this.scope = { ...this.scope, conversationIds: Array.from(conversations) };
            this.needsLinks = false;
        }
        let messages = this.state.messages;
        if (this.scope.sessionIds.length > 0 || this.scope.conversationIds.length > 0) {
            const scopeKey = this.scopeKey;
            const changed = await this.service.listMessages(this.scope, this.since);
            if (scopeKey !== this.scopeKey) {
                return; // The scope moved while reading; the next run reads it all again.
            }
            // A conversation can have sessions this subgrid does not list (another record's): show only ours,
            // and ask the subgrid to refresh in case the session is new and belongs here.
            const known = new Set(this.scope.sessionIds);
            messages = mergeMessages(
                messages,
                changed.filter((item) => !item.sessionId || known.has(item.sessionId)),
            );
            this.since = latestModified(changed, this.since);
            this.reportUnknown(changed.map((item) => item.sessionId));
        }
        // A stored file changes its media row, not the message: read the rows still awaiting theirs.
        const awaiting = awaitingMediaIds(messages);
        if (awaiting.length > 0) {
            messages = applyMediaUpdates(messages, await this.service.listMedia(awaiting));
        }
        const pending = pendingOutboxes(messages);
        if (pending.length > 0) {
            const updates = await this.service.listOutboxes(pending);
            messages = applyOutboxUpdates(messages, updates);
            this.reportUnknown(updates.map((update) => update.sessionId));
        }
        this.update({ messages, loaded: true, error: null });
    }

    private reportUnknown(sessionIds: readonly (string | null)[]): void {
        const known = new Set(this.scope.sessionIds);
        for (const id of sessionIds) {
            if (id && !known.has(id) && !this.reportedSessions.has(id)) {
                this.reportedSessions.add(id);
                this.options.onUnknownSession?.(id);
            }
        }
    }

    private update(patch: Partial<FeedState>): void {
        if (this.disposed) {
            return;
        }
        const next = { ...this.state, ...patch };
        if (
            next.messages === this.state.messages &&
            next.loaded === this.state.loaded &&
            next.error === this.state.error
        ) {
            return;
        }
        this.state = next;
        this.listeners.forEach((listener) => listener());
    }
}

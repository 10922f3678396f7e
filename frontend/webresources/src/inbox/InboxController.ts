/** Wires the inbox together: data (InboxService), list (InboxView), host (badge, notifications) and the poller. */
import { DataverseError, Poller, smsb_conversation, type Timers, type Visibility } from "@smsb/shared";
import type { InboxHost } from "./host";
import type { InboxService } from "./InboxService";
import { badgeCount } from "./rules";
import type { InboxView } from "./view";

export const POLL_INTERVAL_MS = 3_000;
export const POLL_MAX_INTERVAL_MS = 60_000;
/** A full reload now and then picks up team, Configuration and dismissal changes and deleted rows. */
export const FULL_RELOAD_MS = 5 * 60_000;

export interface InboxControllerOptions {
    readonly service: InboxService;
    readonly host: InboxHost;
    readonly view: InboxView;
    readonly timers?: Timers;
    readonly visibility?: Visibility;
    readonly clock?: () => number;
}

export class InboxController {
    readonly poller: Poller;
    private lastFullLoad = 0;
    private loaded = false;
    private readonly clock: () => number;

    constructor(private readonly options: InboxControllerOptions) {
        this.clock = options.clock ?? (() => Date.now());
        this.poller = new Poller(() => this.refresh(), {
            intervalMs: POLL_INTERVAL_MS,
            // The pane polls only while it is on screen.
            hiddenIntervalMs: null,
            maxBackoffMs: POLL_MAX_INTERVAL_MS,
            onError: (error) => options.view.announce(problem(error)),
            timers: options.timers,
            visibility: options.visibility,
        });
    }

    /** Loads the inbox (resolving when it is shown) and keeps it current. */
    async start(): Promise<void> {
        this.poller.start();
        await this.poller.pollNow();
    }

    stop(): void {
        this.poller.stop();
    }

    async refresh(): Promise<void> {
        const { service } = this.options;
        const full = !this.loaded || this.clock() - this.lastFullLoad >= FULL_RELOAD_MS;
        const fresh = full ? await service.loadAll() : await service.poll();
        if (full) this.lastFullLoad = this.clock();
        const items = service.items();
        if (this.loaded) {
            // A first-time sender: a conversation this page has never seen, pending and on this user's list.
            const mine = new Set(items.filter((i) => i.action === "accept").map((i) => i.conversation.id));
            for (const conversation of fresh) {
                if (conversation.state === smsb_conversation.choices.smsb_state.Pending && mine.has(conversation.id)) {
                    const who = conversation.customerName
                        ? `${conversation.customerName} (${conversation.phone})`
                        : conversation.phone;
                    this.options.host.notify(`New message from ${who}: Accept, Dismiss or Block.`, () => undefined);
                }
            }
        }
        this.loaded = true;
        this.render();
    }

    render(): void {
        const items = this.options.service.items();
        this.options.view.render(items);
        this.options.host.setBadge(badgeCount(items));
    }

    async act(action: "accept" | "dismiss" | "block" | "view" | "assign", id: string): Promise<void> {
        const { service, host, view } = this.options;
        if (action === "view") {
            host.openConversation(id);
            return;
        }
        if (action === "assign") {
            const conversation = service.conversation(id);
            const who = conversation?.ownerName ? ` from ${conversation.ownerName}` : "";
            const yes = await host.confirm(
                "Change Ownership",
                `Do you want to assign this conversation${who} to yourself and continue messaging?`,
            );
            if (!yes) return;
        }
        view.setBusy(id, true);
        try {
            const outcome =
                action === "accept"
                    ? await service.accept(id)
                    : action === "assign"
                      ? await service.assignToMe(id)
                      : action === "block"
                        ? await service.block(id)
                        : await service.dismiss(id);
            view.announce(outcome.message);
        } catch (error) {
            view.announce(problem(error));
        } finally {
            this.render();
            view.setBusy(id, false);
        }
        void this.poller.pollNow();
    }
}

function problem(error: unknown): string {
    if (error instanceof DataverseError && error.isTransient) return "Dataverse is busy; retrying shortly.";
    return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
}

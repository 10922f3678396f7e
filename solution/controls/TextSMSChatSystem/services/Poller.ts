/**
 * Runs a task every few seconds while the page is visible, slowly while it is hidden, and backs off when
 * Dataverse throttles (429: doubling, honouring Retry-After). One run at a time; `stop` ends it for good.
 */
import { ThrottledError } from "./ChatService";

export interface Visibility {
    isVisible(): boolean;
    /** Calls `listener` when visibility changes; returns the unsubscribe. */
    onChange(listener: () => void): () => void;
}

export interface Timers {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

export interface PollerOptions {
    intervalMs: number;
    hiddenIntervalMs: number;
    maxBackoffMs: number;
    visibility: Visibility;
    timers?: Timers;
    /** Errors other than throttling (the poller keeps going at its normal pace). */
    onError?(error: unknown): void;
}

export const documentVisibility = (doc: Document = document): Visibility => ({
    isVisible: () => doc.visibilityState !== "hidden",
    onChange(listener) {
        doc.addEventListener("visibilitychange", listener);
        return () => doc.removeEventListener("visibilitychange", listener);
    },
});

const globalTimers: Timers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Poller {
    private readonly task: () => Promise<void>;
    private readonly options: PollerOptions;
    private readonly timers: Timers;
    private handle: unknown = null;
    private running = false;
    private stopped = false;
    private started = false;
    private again = false;
    private backoffMs = 0;
    private unsubscribe: (() => void) | null = null;

    constructor(task: () => Promise<void>, options: PollerOptions) {
        this.task = task;
        this.options = options;
        this.timers = options.timers ?? globalTimers;
    }

    /** The delay before the next run, given what the last run met. */
    get nextDelayMs(): number {
        if (this.backoffMs > 0) {
            return this.backoffMs;
        }
        return this.options.visibility.isVisible() ? this.options.intervalMs : this.options.hiddenIntervalMs;
    }

    get isStopped(): boolean {
        return this.stopped;
    }

    /** Runs now, then keeps polling. */
    start(): void {
        if (this.started || this.stopped) {
            return;
        }
        this.started = true;
        this.unsubscribe = this.options.visibility.onChange(() => {
            // Back on screen: catch up at once rather than after the slow hidden interval.
            if (this.options.visibility.isVisible() && this.backoffMs === 0) {
                this.runSoon();
            }
        });
        this.runSoon();
    }

    /** Runs as soon as the current run (if any) ends, e.g. after sending. */
    runSoon(): void {
        if (this.stopped) {
            return;
        }
        this.schedule(0);
    }

    stop(): void {
        this.stopped = true;
        this.clear();
        this.unsubscribe?.();
        this.unsubscribe = null;
    }

    private clear(): void {
        if (this.handle !== null) {
            this.timers.clearTimeout(this.handle);
            this.handle = null;
        }
    }

    private schedule(ms: number): void {
        this.clear();
        if (this.stopped) {
            return;
        }
        this.handle = this.timers.setTimeout(() => {
            this.handle = null;
            void this.run();
        }, ms);
    }

    private async run(): Promise<void> {
        if (this.stopped) {
            return;
        }
        if (this.running) {
            this.again = true;
            return;
        }
        this.running = true;
        try {
            await this.task();
            this.backoffMs = 0;
        } catch (error) {
            if (error instanceof ThrottledError) {
                const doubled = Math.max(this.options.intervalMs, this.backoffMs) * 2;
                this.backoffMs = Math.min(Math.max(doubled, error.retryAfterMs ?? 0), this.options.maxBackoffMs);
            } else {
                this.backoffMs = 0;
                this.options.onError?.(error);
            }
        } finally {
            this.running = false;
        }
        if (!this.stopped) {
            const soon = this.again && this.backoffMs === 0;
            this.again = false;
            this.schedule(soon ? 0 : this.nextDelayMs);
        }
    }
}

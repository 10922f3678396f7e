/**
 * Runs a task every few seconds while the page is visible, and while it is hidden either slowly or not at all.
 * When Dataverse is busy (429, 502, 503, or not reached) the wait doubles up to `maxBackoffMs`, and a Retry-After
 * the service sends is always honoured. One run at a time; `stop` ends it for good. Timers and visibility are
 * injected so tests drive them.
 */
import { DataverseError } from "./dataverse/api";

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
    /** The interval while the page is hidden; `null` pauses polling until the page is shown again. */
    hiddenIntervalMs: number | null;
    /** The ceiling of the doubling back-off (a longer Retry-After is still honoured). */
    maxBackoffMs: number;
    /** Whether the page is on screen; without one it always is. */
    visibility?: Visibility;
    timers?: Timers;
    /** Every failed run (the poller keeps going: at its pace, or backing off when Dataverse is busy). */
    onError?(error: unknown): void;
}

export function documentVisibility(doc: Document = document): Visibility {
    return {
        isVisible: () => doc.visibilityState !== "hidden",
        onChange(listener) {
            doc.addEventListener("visibilitychange", listener);
            return () => doc.removeEventListener("visibilitychange", listener);
        },
    };
}

const alwaysVisible: Visibility = { isVisible: () => true, onChange: () => () => undefined };

const globalTimers: Timers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The wait after a failed run, or 0 to keep the normal pace. */
export function backoffAfter(error: unknown, previousMs: number, intervalMs: number, maxBackoffMs: number): number {
    if (!(error instanceof DataverseError) || !error.isTransient) {
        return 0;
    }
    const doubled = Math.min(Math.max(intervalMs, previousMs) * 2, maxBackoffMs);
    return Math.max(doubled, error.retryAfterMs ?? 0);
}

export class Poller {
    private readonly task: () => Promise<void>;
    private readonly options: PollerOptions;
    private readonly timers: Timers;
    private readonly visibility: Visibility;
    private handle: unknown = null;
    private running = false;
    private again = false;
    private started = false;
    private stopped = false;
    private backoffMs = 0;
    private waiting: (() => void)[] = [];
    private unsubscribe: (() => void) | null = null;

    constructor(task: () => Promise<void>, options: PollerOptions) {
        this.task = task;
        this.options = options;
        this.timers = options.timers ?? globalTimers;
        this.visibility = options.visibility ?? alwaysVisible;
    }

    /** The wait before the next run, given what the last run met; null while paused (hidden). */
    get nextDelayMs(): number | null {
        if (this.backoffMs > 0) {
            return this.backoffMs;
        }
        return this.visibility.isVisible() ? this.options.intervalMs : this.options.hiddenIntervalMs;
    }

    get isStopped(): boolean {
        return this.stopped;
    }

    /** Runs soon, then keeps polling. */
    start(): void {
        if (this.started || this.stopped) {
            return;
        }
        this.started = true;
        this.unsubscribe = this.visibility.onChange(() => this.onVisibilityChange());
        this.runSoon();
    }

    /** Runs as soon as the current run (if any) ends, e.g. after sending. */
    runSoon(): void {
        if (this.stopped) {
            return;
        }
        if (this.running) {
            this.again = true;
            return;
        }
        this.schedule(0);
    }

    /** Runs now (or right after the current run) and resolves when that run has ended. */
    pollNow(): Promise<void> {
        if (this.stopped) {
            return Promise.resolve();
        }
        const done = new Promise<void>((resolve) => this.waiting.push(resolve));
        if (this.running) {
            this.again = true;
        } else {
            this.clear();
            void this.run();
        }
        return done;
    }

    stop(): void {
        this.stopped = true;
        this.clear();
        this.unsubscribe?.();
        this.unsubscribe = null;
        this.waiting.splice(0).forEach((resolve) => resolve());
    }

    private onVisibilityChange(): void {
        if (this.stopped || this.running) {
            return;
        }
        if (this.visibility.isVisible()) {
            // Back on screen: catch up at once rather than after the slow (or paused) hidden interval.
            if (this.backoffMs === 0) {
                this.schedule(0);
            } else if (this.handle === null) {
                this.schedule(this.backoffMs);
            }
        } else if (this.options.hiddenIntervalMs === null) {
            this.clear();
        }
    }

    private clear(): void {
        if (this.handle !== null) {
            this.timers.clearTimeout(this.handle);
            this.handle = null;
        }
    }

    private schedule(ms: number | null): void {
        this.clear();
        if (this.stopped || ms === null) {
            return;
        }
        this.handle = this.timers.setTimeout(() => {
            this.handle = null;
            void this.run();
        }, ms);
    }

    private async run(): Promise<void> {
        if (this.stopped || this.running) {
            return;
        }
        this.running = true;
        do {
            this.again = false;
            // Whoever asked before this run started is served by it.
            const served = this.waiting.splice(0);
            try {
                await this.task();
                this.backoffMs = 0;
            } catch (error) {
                this.backoffMs = backoffAfter(
                    error,
                    this.backoffMs,
                    this.options.intervalMs,
                    this.options.maxBackoffMs,
                );
                this.options.onError?.(error);
            }
            served.forEach((resolve) => resolve());
        } while (this.again && this.backoffMs === 0 && !this.stopped);
        this.running = false;
        this.schedule(this.nextDelayMs);
    }
}

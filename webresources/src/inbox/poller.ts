/**
 * Cheap polling: one tick every `intervalMs` while the page is visible; after a failure the wait doubles up to
 * `maxIntervalMs` (or follows the server's Retry-After); paused while the document is hidden and resumed with an
 * immediate tick when it is shown again. Timers and visibility are injected so tests drive them.
 */
export interface PollerOptions {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly tick: () => Promise<void>;
  readonly onError?: (error: unknown) => void;
  readonly timers?: Timers;
  readonly visibility?: Visibility;
}

export interface Timers {
  setTimeout(handler: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Visibility {
  isHidden(): boolean;
  /** Calls `listener` on every change; returns a function that stops listening. */
  subscribe(listener: () => void): () => void;
}

export function documentVisibility(doc: Document): Visibility {
  return {
    isHidden: () => doc.visibilityState === "hidden",
    subscribe: (listener) => {
      doc.addEventListener("visibilitychange", listener);
      return () => doc.removeEventListener("visibilitychange", listener);
    },
  };
}

const realTimers: Timers = {
  setTimeout: (handler, ms) => globalThis.setTimeout(handler, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Poller {
  private handle: unknown;
  private running = false;
  private busy = false;
  private failures = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly timers: Timers;

  constructor(private readonly options: PollerOptions) {
    this.timers = options.timers ?? realTimers;
  }

  /** The wait before the next tick: the base interval, doubled per consecutive failure, capped. */
  get currentDelayMs(): number {
    return Math.min(this.options.maxIntervalMs, this.options.intervalMs * 2 ** this.failures);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.options.visibility?.subscribe(() => this.onVisibilityChange());
    this.schedule(this.options.intervalMs);
  }

  stop(): void {
    this.running = false;
    this.cancel();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Tick now (after a user action or when the page is shown), then continue on the normal schedule. */
  async pollNow(): Promise<void> {
    if (!this.running || this.busy) return;
    this.cancel();
    this.busy = true;
    let delay: number;
    try {
      await this.options.tick();
      this.failures = 0;
      delay = this.currentDelayMs;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 16);
      const retryAfter = (error as { retryAfterMs?: number } | null)?.retryAfterMs;
      delay = Math.max(this.currentDelayMs, Math.min(retryAfter ?? 0, this.options.maxIntervalMs * 4));
      this.options.onError?.(error);
    } finally {
      this.busy = false;
    }
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    this.cancel();
    if (!this.running || this.options.visibility?.isHidden()) return;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      void this.pollNow();
    }, ms);
  }

  private cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private onVisibilityChange(): void {
    if (!this.running) return;
    if (this.options.visibility?.isHidden()) this.cancel();
    else void this.pollNow();
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DataverseError } from "../src/dataverse/api";
import { Poller, type PollerOptions, type Visibility } from "../src/poller";

class FakeVisibility implements Visibility {
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
        this.listeners.forEach((listener) => listener());
    }
    get listenerCount(): number {
        return this.listeners.size;
    }
}

const busy = (retryAfterMs?: number) => new DataverseError("Too many requests", 429, retryAfterMs);

describe("Poller", () => {
    let visibility: FakeVisibility;
    let runs: number;
    let next: () => Promise<void>;

    beforeEach(() => {
        vi.useFakeTimers();
        visibility = new FakeVisibility();
        runs = 0;
        next = () => Promise.resolve();
    });
    afterEach(() => vi.useRealTimers());

    const poller = (options: Partial<PollerOptions> = {}): Poller =>
        new Poller(
            () => {
                runs++;
                return next();
            },
            { intervalMs: 5000, hiddenIntervalMs: 60000, maxBackoffMs: 120000, visibility, ...options },
        );

    /** Advance the clock and let the task's promise settle. */
    const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

    it("runs at once, then every interval while visible, and not after stop", async () => {
        const p = poller();
        p.start();
        await advance(0);
        expect(runs).toBe(1);
        await advance(4999);
        expect(runs).toBe(1);
        await advance(1);
        expect(runs).toBe(2);
        await advance(5000);
        expect(runs).toBe(3);
        p.stop();
        await advance(30000);
        expect(runs).toBe(3);
    });

    it("slows down while the page is hidden and catches up when it is shown again", async () => {
        const p = poller();
        p.start();
        await advance(0);
        visibility.set(false);
        await advance(5000); // the run scheduled while visible
        expect(runs).toBe(2);
        expect(p.nextDelayMs).toBe(60000);
        await advance(59000);
        expect(runs).toBe(2);
        visibility.set(true);
        await advance(0);
        expect(runs).toBe(3);
        expect(p.nextDelayMs).toBe(5000);
        p.stop();
    });

    it("with no hidden interval, pauses while the page is hidden and polls at once when it is shown", async () => {
        const p = poller({ intervalMs: 3000, hiddenIntervalMs: null });
        p.start();
        await advance(0);
        expect(runs).toBe(1);
        visibility.set(false);
        expect(p.nextDelayMs).toBeNull();
        await advance(600000);
        expect(runs).toBe(1);
        expect(vi.getTimerCount()).toBe(0);
        visibility.set(true);
        await advance(0);
        expect(runs).toBe(2);
        await advance(3000);
        expect(runs).toBe(3);
        p.stop();
    });

    it("doubles the interval on 429, honours Retry-After, caps, and resets after a success", async () => {
        const p = poller();
        next = () => Promise.reject(busy());
        p.start();
        await advance(0);
        expect(p.nextDelayMs).toBe(10000);
        await advance(9999);
        expect(runs).toBe(1);
        await advance(1);
        expect(runs).toBe(2);
        expect(p.nextDelayMs).toBe(20000);
        next = () => Promise.reject(busy(90000));
        await advance(20000);
        expect(runs).toBe(3);
        expect(p.nextDelayMs).toBe(90000);
        next = () => Promise.reject(busy());
        await advance(90000);
        expect(p.nextDelayMs).toBe(120000); // capped
        next = () => Promise.resolve();
        await advance(120000);
        expect(runs).toBe(5);
        expect(p.nextDelayMs).toBe(5000);
        p.stop();
    });

    it("backs off the same way when Dataverse is unavailable (503) or not reached", async () => {
        let failure: DataverseError | null = new DataverseError("busy", 503);
        const p = poller({ intervalMs: 1000, maxBackoffMs: 4000, onError: () => undefined });
        next = () => (failure ? Promise.reject(failure) : Promise.resolve());
        p.start();
        await advance(0); // 1st failure → wait 2 s
        expect(p.nextDelayMs).toBe(2000);
        failure = new DataverseError("Dataverse could not be reached", undefined);
        await advance(2000); // 2nd → 4 s
        expect(p.nextDelayMs).toBe(4000);
        await advance(4000); // 3rd → capped at 4 s
        expect(runs).toBe(3);
        expect(p.nextDelayMs).toBe(4000);
        failure = null;
        await advance(4000);
        expect(p.nextDelayMs).toBe(1000);
        await advance(1000);
        expect(runs).toBe(5);
        p.stop();
    });

    it("honours a Retry-After longer than the back-off's ceiling", async () => {
        next = () => Promise.reject(busy(20000));
        const p = poller({ intervalMs: 1000, maxBackoffMs: 10000 });
        p.start();
        await advance(0);
        await advance(19999);
        expect(runs).toBe(1);
        await advance(1);
        expect(runs).toBe(2);
        p.stop();
    });

    it("keeps its pace on other errors, and reports every error", async () => {
        const errors: unknown[] = [];
        next = () => Promise.reject(new Error("offline"));
        const p = poller({ onError: (e) => errors.push(e) });
        p.start();
        await advance(0);
        expect(errors.map(String)).toEqual(["Error: offline"]);
        expect(p.nextDelayMs).toBe(5000);
        next = () => Promise.reject(busy());
        await advance(5000);
        expect(errors).toHaveLength(2);
        p.stop();
    });

    it("never overlaps runs: a poke during a run runs again right after it", async () => {
        let release: () => void = () => undefined;
        next = () =>
            new Promise<void>((resolve) => {
                release = resolve;
            });
        const p = poller();
        p.start();
        await advance(0);
        p.runSoon();
        await advance(0);
        expect(runs).toBe(1);
        next = () => Promise.resolve();
        release();
        await advance(0);
        expect(runs).toBe(2);
        p.stop();
    });

    it("pollNow runs at once and resolves when that run has ended, then the pace goes on", async () => {
        const p = poller();
        p.start();
        await p.pollNow();
        expect(runs).toBe(1);
        await advance(0);
        expect(runs).toBe(1); // the run start() asked for was this one
        await advance(5000);
        expect(runs).toBe(2);
        p.stop();
        await p.pollNow();
        expect(runs).toBe(2);
    });

    it("stops for good: no timer left, no visibility listener, start does nothing", async () => {
        const p = poller();
        p.start();
        await advance(0);
        expect(visibility.listenerCount).toBe(1);
        p.stop();
        expect(p.isStopped).toBe(true);
        expect(vi.getTimerCount()).toBe(0);
        expect(visibility.listenerCount).toBe(0);
        p.start();
        p.runSoon();
        await advance(60000);
        expect(runs).toBe(1);
    });

    it("a stop during a run schedules nothing afterwards", async () => {
        let release: () => void = () => undefined;
        next = () =>
            new Promise<void>((resolve) => {
                release = resolve;
            });
        const p = poller();
        p.start();
        await advance(0);
        p.stop();
        release();
        await advance(0);
        expect(vi.getTimerCount()).toBe(0);
    });
});

import { ThrottledError } from "../TextSMSChatSystem/services/ChatService";
import { Poller } from "../TextSMSChatSystem/services/Poller";
import { FakeVisibility, flush, jestTimers } from "./fakes";

describe("Poller", () => {
    let visibility: FakeVisibility;
    let runs: number;
    let next: () => Promise<void>;

    beforeEach(() => {
        jest.useFakeTimers();
        visibility = new FakeVisibility();
        runs = 0;
        next = () => Promise.resolve();
    });
    afterEach(() => jest.useRealTimers());

    const poller = (): Poller => new Poller(() => {
        runs++;
        return next();
    }, { intervalMs: 5000, hiddenIntervalMs: 60000, maxBackoffMs: 120000, visibility, timers: jestTimers });

    /** Advance the clock and let the task's promise settle. */
    async function advance(ms: number): Promise<void> {
        jest.advanceTimersByTime(ms);
        await flush();
    }

    it("runs at once, then every interval while visible", async () => {
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

    it("doubles the interval on 429, honours Retry-After, and resets after a success", async () => {
        const p = poller();
        next = () => Promise.reject(new ThrottledError("Too many requests"));
        p.start();
        await advance(0);
        expect(p.nextDelayMs).toBe(10000);
        await advance(9999);
        expect(runs).toBe(1);
        await advance(1);
        expect(runs).toBe(2);
        expect(p.nextDelayMs).toBe(20000);
        next = () => Promise.reject(new ThrottledError("Too many requests", 90000));
        await advance(20000);
        expect(runs).toBe(3);
        expect(p.nextDelayMs).toBe(90000);
        next = () => Promise.reject(new ThrottledError("Too many requests"));
        await advance(90000);
        expect(p.nextDelayMs).toBe(120000); // capped
        next = () => Promise.resolve();
        await advance(120000);
        expect(runs).toBe(5);
        expect(p.nextDelayMs).toBe(5000);
        p.stop();
    });

    it("keeps its pace on other errors and reports them", async () => {
        const errors: unknown[] = [];
        const p = new Poller(() => Promise.reject(new Error("offline")), {
            intervalMs: 5000, hiddenIntervalMs: 60000, maxBackoffMs: 120000, visibility, timers: jestTimers,
            onError: (e) => errors.push(e),
        });
        p.start();
        await advance(0);
        expect(errors).toHaveLength(1);
        expect(p.nextDelayMs).toBe(5000);
        p.stop();
    });

    it("never overlaps runs: a poke during a run runs again right after it", async () => {
        let release: () => void = () => undefined;
        next = () => new Promise<void>((resolve) => { release = resolve; });
        const p = poller();
        p.start();
        await advance(0);
        p.runSoon();
        await advance(0);
        expect(runs).toBe(1);
        next = () => Promise.resolve();
        release();
        await flush();
        await advance(0);
        expect(runs).toBe(2);
        p.stop();
    });

    it("stops for good: no timer left, no visibility listener, start does nothing", async () => {
        const p = poller();
        p.start();
        await advance(0);
        expect(visibility.listenerCount).toBe(1);
        p.stop();
        expect(jest.getTimerCount()).toBe(0);
        expect(visibility.listenerCount).toBe(0);
        p.start();
        p.runSoon();
        await advance(60000);
        expect(runs).toBe(1);
    });

    it("a stop during a run schedules nothing afterwards", async () => {
        let release: () => void = () => undefined;
        next = () => new Promise<void>((resolve) => { release = resolve; });
        const p = poller();
        p.start();
        await advance(0);
        p.stop();
        release();
        await flush();
        expect(jest.getTimerCount()).toBe(0);
    });
});

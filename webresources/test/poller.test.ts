import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DataverseError } from "../src/api/DataverseApi";
import { Poller, type Visibility } from "../src/inbox/poller";

function fakeVisibility(): Visibility & { hidden: boolean; fire(): void } {
  const listeners = new Set<() => void>();
  return {
    hidden: false,
    isHidden() { return this.hidden; },
    subscribe(listener) { listeners.add(listener); return () => listeners.delete(listener); },
    fire() { for (const l of listeners) l(); },
  };
}

describe("Poller", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("ticks at the base interval", async () => {
    const tick = vi.fn(async () => undefined);
    const poller = new Poller({ intervalMs: 3000, maxIntervalMs: 60000, tick });
    poller.start();
    await vi.advanceTimersByTimeAsync(2999);
    expect(tick).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(6000);
    expect(tick).toHaveBeenCalledTimes(3);
    poller.stop();
    await vi.advanceTimersByTimeAsync(30000);
    expect(tick).toHaveBeenCalledTimes(3);
  });

  it("doubles the wait after each failure up to the maximum, and resets after a success", async () => {
    let fail = true;
    const tick = vi.fn(async () => { if (fail) throw new DataverseError("busy", 503); });
    const poller = new Poller({ intervalMs: 1000, maxIntervalMs: 4000, tick, onError: () => undefined });
    poller.start();
    await vi.advanceTimersByTimeAsync(1000); // 1st failure → wait 2 s
    expect(poller.currentDelayMs).toBe(2000);
    await vi.advanceTimersByTimeAsync(2000); // 2nd → 4 s
    expect(poller.currentDelayMs).toBe(4000);
    await vi.advanceTimersByTimeAsync(4000); // 3rd → capped at 4 s
    expect(tick).toHaveBeenCalledTimes(3);
    expect(poller.currentDelayMs).toBe(4000);
    fail = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(poller.currentDelayMs).toBe(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(5);
    poller.stop();
  });

  it("honours Retry-After when it asks for longer than the back-off", async () => {
    const tick = vi.fn(async () => { throw new DataverseError("throttled", 429, 20000); });
    const poller = new Poller({ intervalMs: 1000, maxIntervalMs: 10000, tick, onError: () => undefined });
    poller.start();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(19999);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it("pauses while the document is hidden and polls at once when it is shown", async () => {
    const visibility = fakeVisibility();
    const tick = vi.fn(async () => undefined);
    const poller = new Poller({ intervalMs: 3000, maxIntervalMs: 60000, tick, visibility });
    poller.start();
    visibility.hidden = true;
    visibility.fire();
    await vi.advanceTimersByTimeAsync(60000);
    expect(tick).toHaveBeenCalledTimes(0);
    visibility.hidden = false;
    visibility.fire();
    await vi.advanceTimersByTimeAsync(0);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(tick).toHaveBeenCalledTimes(2);
    poller.stop();
  });
});

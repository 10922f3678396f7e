import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// React Testing Library unmounts after each test by itself only where the runner's hooks are globals.
afterEach(() => cleanup());

// Fluent's positioning (Menu, Popover, Tooltip) observes sizes; jsdom has no ResizeObserver.
class ResizeObserverStub {
    observe(): void {
        /* nothing to observe in jsdom */
    }
    unobserve(): void {
        /* nothing to observe in jsdom */
    }
    disconnect(): void {
        /* nothing to observe in jsdom */
    }
}
(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver ??= ResizeObserverStub;

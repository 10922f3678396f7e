import "@testing-library/jest-dom";

// Fluent's positioning (Menu, Popover, Tooltip) observes sizes; jsdom has no ResizeObserver.
class ResizeObserverStub {
    observe(): void { /* nothing to observe in jsdom */ }
    unobserve(): void { /* nothing to observe in jsdom */ }
    disconnect(): void { /* nothing to observe in jsdom */ }
}
(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver ??= ResizeObserverStub;

/**
 * Every front-end test, in one run: the shared package and the web resources under Node (form and pane tests
 * that need a DOM say `// @vitest-environment jsdom`), the chat control's components under jsdom with React
 * Testing Library. `npm test` at the repository root runs it.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Bounds for a hung test, not speed budgets: CI runs on a loaded machine, and axe over the chat takes seconds.
const bounds = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
    test: {
        projects: [
            {
                test: {
                    name: "shared",
                    root: here("./shared"),
                    include: ["test/**/*.test.ts"],
                    environment: "node",
                    restoreMocks: true,
                    ...bounds,
                },
            },
            {
                test: {
                    name: "webresources",
                    root: here("./webresources"),
                    include: ["test/**/*.test.ts"],
                    environment: "node",
                    restoreMocks: true,
                    ...bounds,
                },
            },
            {
                test: {
                    name: "chat-control",
                    root: here("./chat-control"),
                    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
                    environment: "jsdom",
                    setupFiles: ["test/setup.ts"],
                    restoreMocks: true,
                    ...bounds,
                },
            },
        ],
    },
});

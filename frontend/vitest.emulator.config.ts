/**
 * The tests that need a running Dataverse emulator: SMSB_DATAVERSE_URL names its Web API root (and
 * SMSB_DATAVERSE_TOKEN its bearer token). tests/controls and tests/frontend start an emulator and run
 * `npm run test:emulator -- --project <name>`.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Bounds for a hung test, not speed budgets: CI runs on a loaded machine.
const bounds = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
    test: {
        projects: ["chat-control", "webresources"].map((name) => ({
            test: {
                name,
                root: here(`./${name}`),
                include: ["test/**/*.itest.ts"],
                environment: "node" as const,
                ...bounds,
            },
        })),
    },
});

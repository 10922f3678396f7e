import { defineConfig } from "vitest/config";

// Tests that need a running Dataverse emulator (SMSB_DATAVERSE_URL); `npm test` runs the others.
export default defineConfig({
  test: {
    include: ["test/**/*.itest.ts"],
    environment: "node",
    restoreMocks: true,
    // Bounds for a hung test, not speed budgets: CI runs on a loaded machine.
    testTimeout: 120000,
    hookTimeout: 120000,
  },
});

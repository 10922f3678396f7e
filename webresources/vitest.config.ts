import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    restoreMocks: true,
    // Bounds for a hung test, not speed budgets: CI runs on a loaded machine.
    testTimeout: 120000,
    hookTimeout: 120000,
  },
});

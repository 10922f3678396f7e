import { defineConfig } from "vitest/config";

// Tests that need a running Dataverse emulator (SMSB_DATAVERSE_URL); `npm test` runs the others.
export default defineConfig({
  test: {
    include: ["test/**/*.itest.ts"],
    environment: "node",
    restoreMocks: true,
  },
});

/** Unit and component tests: jsdom, React 16.14 and Fluent UI 9 from node_modules (CommonJS builds). */
module.exports = {
  testEnvironment: "jsdom",
  // A bound for a hung test, not a speed budget: axe over the whole chat takes seconds on a busy machine.
  testTimeout: 120000,
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts", "**/*.test.tsx"],
  setupFilesAfterEnv: ["<rootDir>/tests/setup.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "<rootDir>/tests/tsconfig.json" }],
  },
  moduleFileExtensions: ["ts", "tsx", "js", "json"],
};

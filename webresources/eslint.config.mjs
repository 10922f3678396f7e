import js from "@eslint/js";
import powerApps from "@microsoft/eslint-plugin-power-apps";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The Power Apps checker's rules for web resources: the shipped code only (tests build their own DOM).
    files: ["src/**/*.ts"],
    plugins: { "@microsoft/power-apps": powerApps },
    languageOptions: { globals: { Xrm: "readonly", window: "readonly", document: "readonly", navigator: "readonly" } },
    rules: {
      // Every Power Apps checker rule for web resources, as errors.
      ...Object.fromEntries(Object.keys(powerApps.rules).map((name) => [`@microsoft/power-apps/${name}`, "error"])),
    },
  },
  { rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }] } },
);

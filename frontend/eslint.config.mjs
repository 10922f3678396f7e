// One ESLint configuration for the whole front end: type-checked typescript-eslint rules, promise rules, every
// Power Apps checker rule on the code that ships, React hooks rules in the chat control. Formatting is Prettier's
// (frontend/.prettierrc.json); `npm run lint` runs both. The PCF build (pcf-scripts) lints the control with it too.
import eslintjs from "@eslint/js";
import microsoftPowerApps from "@microsoft/eslint-plugin-power-apps";
import pluginPromise from "eslint-plugin-promise";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import typescriptEslint from "typescript-eslint";

const powerAppsRules = Object.fromEntries(
    Object.keys(microsoftPowerApps.rules).map((name) => [`@microsoft/power-apps/${name}`, "error"]),
);

export default typescriptEslint.config(
    {
        ignores: ["**/node_modules/", "**/generated/", "**/out/", "**/obj/", "**/dist/", "**/coverage/"],
    },
    eslintjs.configs.recommended,
    ...typescriptEslint.configs.recommendedTypeChecked,
    ...typescriptEslint.configs.stylisticTypeChecked,
    pluginPromise.configs["flat/recommended"],
    {
        languageOptions: {
            globals: { ...globals.browser },
            parserOptions: {
                projectService: { allowDefaultProject: ["*.mjs", "webresources/build.mjs"] },
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // The code that ships: the Power Apps checker's rules, as errors.
        files: ["shared/src/**/*.ts", "webresources/src/**/*.ts", "chat-control/TextSMSChatSystem/**/*.{ts,tsx}"],
        plugins: { "@microsoft/power-apps": microsoftPowerApps },
        rules: powerAppsRules,
    },
    {
        files: ["chat-control/**/*.{ts,tsx}"],
        plugins: { "react-hooks": reactHooks },
        languageOptions: { globals: { ComponentFramework: "readonly" } },
        rules: reactHooks.configs.recommended.rules,
    },
    {
        files: ["webresources/src/**/*.ts"],
        languageOptions: { globals: { Xrm: "readonly" } },
    },
    {
        // Plain JavaScript build scripts and this file: no types to check.
        files: ["**/*.mjs"],
        ...typescriptEslint.configs.disableTypeChecked,
    },
    {
        // Tests and build scripts run under Node; tests build fakes the strictest rules would only obscure.
        files: ["*/test/**/*.{ts,tsx}", "*.mjs", "*.ts", "webresources/build.mjs"],
        languageOptions: { globals: { ...globals.node } },
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/require-await": "off",
            "@typescript-eslint/unbound-method": "off",
            // Fakes of Xrm reject and throw what Xrm does: plain `{ errorCode, message }` objects.
            "@typescript-eslint/prefer-promise-reject-errors": "off",
            "@typescript-eslint/only-throw-error": "off",
        },
    },
);

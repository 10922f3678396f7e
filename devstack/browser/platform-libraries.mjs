// Builds the Fluent UI 9 platform library for the devstack's browser stand-in, as the model-driven app provides it
// to virtual PCF controls: `window.FluentUIReactv940`, on the page's React 16.14 (`window.React`/`window.ReactDOM`).
// Fluent and esbuild come from the front end's npm workspace (Fluent in the version the control's manifest names).
// Usage: node devstack/browser/platform-libraries.mjs <out-file>
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const controls = path.join(root, "frontend", "chat-control");
const esbuild = createRequire(path.join(root, "frontend", "webresources", "package.json"))("esbuild");
const out = process.argv[2] ?? path.join(here, "dist", "fluent_9.js");

// React and ReactDOM are the page's globals: the control and Fluent must share one React.
const globals = {
  name: "page-globals",
  setup(build) {
    build.onResolve({ filter: /^react(-dom)?$/ }, (args) => ({ path: args.path, namespace: "page-global" }));
    build.onLoad({ filter: /.*/, namespace: "page-global" }, (args) => ({
      contents: `module.exports = window.${args.path === "react" ? "React" : "ReactDOM"};`,
      loader: "js",
    }));
  },
};

await esbuild.build({
  stdin: {
    contents: 'import * as Fluent from "@fluentui/react-components"; window.FluentUIReactv940 = Fluent;',
    resolveDir: controls,
    loader: "js",
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  platform: "browser",
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [globals],
  outfile: out,
  logLevel: "warning",
  legalComments: "none",
});

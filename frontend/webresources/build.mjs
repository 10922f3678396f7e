// Production build: one bundle (global `SmsBridge`) plus the HTML pages and icon, laid out under dist/ by
// web resource name (dist/smsb_/scripts/smsbridge.js is the web resource "smsb_/scripts/smsbridge.js").
// esbuild bundles; Terser minifies, because it also drops the generated table names the code never reads
// (it turns `smsb_conversation.columns.smsb_state` into "smsb_state"), which esbuild's minifier keeps.
import { build } from "esbuild";
import { cp, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { minify } from "terser";

const out = "dist/smsb_";
await rm("dist", { recursive: true, force: true });
await mkdir(`${out}/scripts`, { recursive: true });
const bundle = await build({
    entryPoints: ["src/index.ts"],
    bundle: true,
    format: "iife",
    globalName: "SmsBridge",
    target: ["es2020"],
    sourcemap: false,
    legalComments: "none",
    write: false,
    logLevel: "warning",
});
const minified = await minify(bundle.outputFiles[0].text, {
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
});
await writeFile(`${out}/scripts/smsbridge.js`, minified.code ?? "");
await cp("static/smsb_", out, { recursive: true });
for (const file of ["scripts/smsbridge.js", "pane/inbox.html", "forms/tools.html", "icons/chat.svg"]) {
    const { size } = await stat(`${out}/${file}`);
    console.log(`dist/smsb_/${file}  ${size} bytes`);
}

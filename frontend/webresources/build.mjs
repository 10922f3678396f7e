// Production build: one bundle (global `SmsBridge`) plus the HTML pages and icon, laid out under dist/ by
// web resource name (dist/smsb_/scripts/smsbridge.js is the web resource "smsb_/scripts/smsbridge.js").
import { build } from "esbuild";
import { cp, mkdir, rm, stat } from "node:fs/promises";

const out = "dist/smsb_";
await rm("dist", { recursive: true, force: true });
await mkdir(`${out}/scripts`, { recursive: true });
await build({
    entryPoints: ["src/index.ts"],
    bundle: true,
    format: "iife",
    globalName: "SmsBridge",
    target: ["es2020"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    outfile: `${out}/scripts/smsbridge.js`,
    logLevel: "warning",
});
await cp("static/smsb_", out, { recursive: true });
for (const file of ["scripts/smsbridge.js", "pane/inbox.html", "forms/tools.html", "icons/chat.svg"]) {
    const { size } = await stat(`${out}/${file}`);
    console.log(`dist/smsb_/${file}  ${size} bytes`);
}

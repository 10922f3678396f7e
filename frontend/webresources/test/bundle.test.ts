/**
 * The production bundle as Dynamics loads it: one script defining the global `SmsBridge`. Built in memory here,
 * evaluated in a fresh jsdom window; the pane loader is driven through a fake `Xrm.App.sidePanes`.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { JSDOM } from "jsdom";
import { beforeAll, describe, expect, it, vi } from "vitest";

const ENTRY = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const PANE = fileURLToPath(new URL("../static/smsb_/pane/inbox.html", import.meta.url));

let code = "";
beforeAll(async () => {
    const result = await build({
        entryPoints: [ENTRY],
        bundle: true,
        format: "iife",
        globalName: "SmsBridge",
        write: false,
        target: ["es2020"],
    });
    code = result.outputFiles[0].text;
});

interface SmsBridgeGlobal {
    Inbox: { initialize(): boolean; start(win: Window): unknown };
    Forms: Record<string, Record<string, unknown>>;
}

function load(url = "https://org.crm.dynamics.com/WebResources/smsb_/pane/inbox.html", html = "<body></body>") {
    // A <script> element, as the browser runs a web resource (an eval of "use strict" code would keep `var` local).
    const dom = new JSDOM(html, { url, runScripts: "dangerously" });
    const script = dom.window.document.createElement("script");
    script.textContent = code;
    dom.window.document.head.append(script);
    if (!(dom.window as unknown as { SmsBridge?: unknown }).SmsBridge)
        throw new Error(`bundle of ${code.length} chars: ${code.slice(0, 200)}`);
    return dom.window as unknown as Window & { SmsBridge: SmsBridgeGlobal; Xrm?: unknown };
}

describe("the SmsBridge bundle", () => {
    it("exposes the handlers that forms and the ribbon call", () => {
        const { SmsBridge } = load();
        expect(typeof SmsBridge.Inbox.initialize).toBe("function");
        for (const [form, handler] of [
            ["Configuration", "onLoad"],
            ["Configuration", "validate"],
            ["Configuration", "isValidateEnabled"],
            ["Configuration", "copyCallbackUrl"],
            ["RecordType", "onLoad"],
            ["MessageTemplate", "onLoad"],
            ["MessageTemplate", "publish"],
            ["MessageTemplate", "isPublishEnabled"],
        ]) {
            expect(typeof SmsBridge.Forms[form][handler], `${form}.${handler}`).toBe("function");
        }
    });

    it("the enable rule creates the pane once, without waiting, and returns false", async () => {
        const win = load("https://org.crm.dynamics.com/main.aspx");
        const navigate = vi.fn(async () => undefined);
        const panes = new Map<string, unknown>();
        const createPane = vi.fn(async (options: { paneId: string }) => {
            const pane = { navigate, select: vi.fn() };
            panes.set(options.paneId, pane);
            return pane;
        });
        (win as unknown as { Xrm: unknown }).Xrm = {
            App: {
                sidePanes: {
                    state: 0,
                    getPane: (id: string) => panes.get(id),
                    getSelectedPane: () => undefined,
                    createPane,
                },
            },
        };
        expect(win.SmsBridge.Inbox.initialize()).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(createPane).toHaveBeenCalledTimes(1);
        expect(createPane.mock.calls[0][0]).toMatchObject({
            paneId: "smsb_inbox",
            canClose: false,
            alwaysRender: true,
            isSelected: false,
        });
        expect(navigate).toHaveBeenCalledWith({ pageType: "webresource", webresourceName: "smsb_/pane/inbox.html" });
        expect(win.SmsBridge.Inbox.initialize()).toBe(false);
        expect(createPane).toHaveBeenCalledTimes(1);
    });

    it("inbox.html loads the bundle by a path relative to the web resource", () => {
        const html = readFileSync(PANE, "utf8");
        expect(html).toContain('<script src="../scripts/smsbridge.js"></script>');
        expect(html).toContain("SmsBridge.Inbox.start(window)");
    });
});

/**
 * Entry point of `smsb_/pane/inbox.html`. Inside Dynamics the pane's frame reaches the app's `Xrm` through its
 * parent. Elsewhere (the devstack's browser stand-in) the page is opened with
 * `inbox.html?apiBase=<Web API root>&user=<systemuserid>&token=<bearer>` — or the same keys inside `data=`, or a
 * `window.SmsBridgeConfig` object — and talks to that Web API directly.
 */
import { FetchDataverseApi, documentVisibility, type DataverseApi } from "@smsb/shared";
import { xrmDataverseApi } from "../dataverse";
import { BrowserInboxHost, XrmInboxHost, type InboxHost } from "./host";
import { InboxController } from "./InboxController";
import { InboxService } from "./InboxService";
import { InboxView } from "./view";

export interface InboxPageConfig {
    readonly apiBase?: string;
    readonly user?: string;
    readonly token?: string;
}

/** Reads `apiBase`, `user` and `token` from the query string, from its `data` parameter, or from a global. */
export function readConfig(win: Window): InboxPageConfig {
    const fromGlobal = (win as Window & { SmsBridgeConfig?: InboxPageConfig }).SmsBridgeConfig;
    if (fromGlobal?.apiBase) return fromGlobal;
    const query = new URLSearchParams(win.location.search);
    const data = query.get("data");
    const source = data ? new URLSearchParams(data) : query;
    const get = (key: string) => source.get(key) ?? query.get(key) ?? undefined;
    return { apiBase: get("apiBase"), user: get("user"), token: get("token") };
}

function findXrm(win: Window): Xrm.XrmStatic | undefined {
    const own = (win as Window & { Xrm?: Xrm.XrmStatic }).Xrm;
    if (own?.App) return own;
    try {
        // A side pane's web resource runs in a frame of the app; the app's Xrm lives in the parent.
        return (win.parent as Window & { Xrm?: Xrm.XrmStatic }).Xrm;
    } catch {
        return undefined;
    }
}

export function start(win: Window = window, root?: HTMLElement): InboxController {
    const config = readConfig(win);
    const doc = win.document;
    let api: DataverseApi;
    let host: InboxHost;
    const xrm = config.apiBase ? undefined : findXrm(win);
    if (config.apiBase || !xrm) {
        api = new FetchDataverseApi({
            baseUrl: config.apiBase ?? new URL("/api/data/v9.2/", win.location.href).toString(),
            user: config.user,
            token: config.token,
        });
        host = new BrowserInboxHost(doc);
    } else {
        api = xrmDataverseApi(xrm);
        host = new XrmInboxHost(xrm);
    }
    const service = new InboxService(api);
    const mount = root ?? doc.getElementById("smsb-inbox") ?? doc.body;
    let controller: InboxController | undefined = undefined;
    const view = new InboxView(mount, { onAction: (action, id) => void controller?.act(action, id) });
    controller = new InboxController({ service, host, view, visibility: documentVisibility(doc) });
    win.addEventListener("pagehide", () => controller?.stop());
    void controller.start();
    return controller;
}

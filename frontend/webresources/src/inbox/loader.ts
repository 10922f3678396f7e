/**
 * The application-ribbon enable rule that opens the inbox pane on app load (ui.md §1, the EntityNavigator
 * pattern): it starts `createPane` once, never waits for it, and returns false so its no-op button stays hidden.
 */
import { PANE_ID } from "./host";

export const PANE_WEBRESOURCE = "smsb_/pane/inbox.html";
export const PANE_ICON = "WebResources/smsb_/icons/chat.svg";

export function initialize(): boolean {
    try {
        const sidePanes = Xrm.App?.sidePanes;
        if (!sidePanes || sidePanes.getPane(PANE_ID)) return false;
        // Started, never awaited: an enable rule that waits is resolved false by the app after 10 s anyway.
        openPane(sidePanes).catch(() => undefined);
    } catch {
        // Never break the ribbon over the pane.
    }
    return false;
}

async function openPane(sidePanes: typeof Xrm.App.sidePanes): Promise<void> {
    const selected = sidePanes.getSelectedPane?.();
    const state = sidePanes.state;
    const pane = await sidePanes.createPane({
        paneId: PANE_ID,
        title: "SMS",
        imageSrc: PANE_ICON,
        canClose: false,
        isSelected: false,
        width: 340,
        alwaysRender: true,
        keepBadgeOnSelect: true,
    });
    await pane.navigate({ pageType: "webresource", webresourceName: PANE_WEBRESOURCE });
    // Creating a pane must not take the user's attention: restore what was showing before.
    if (selected) selected.select();
    else sidePanes.state = state ?? 0;
}

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
    const selected = sidePanes.getSelectedPane?.();
    const state = sidePanes.state;
    void sidePanes
      .createPane({
        paneId: PANE_ID,
        title: "SMS",
        imageSrc: PANE_ICON,
        canClose: false,
        isSelected: false,
        width: 340,
        alwaysRender: true,
        keepBadgeOnSelect: true,
      })
      .then((pane) => pane.navigate({ pageType: "webresource", webresourceName: PANE_WEBRESOURCE }))
      .then(() => {
        // Creating a pane must not take the user's attention: restore what was showing before.
        if (selected) selected.select();
        else sidePanes.state = state ?? 0;
      })
      .catch(() => undefined);
  } catch {
    // Never break the ribbon over the pane.
  }
  return false;
}

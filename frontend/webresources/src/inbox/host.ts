/**
 * What the pane needs from the page around it: the badge, app notifications, the Yes/No question and opening a
 * conversation. `XrmInboxHost` uses the Dynamics app (side panes, global notifications, dialogs, navigation);
 * `BrowserInboxHost` does the same inside the page, for the devstack's browser stand-in.
 */
import { smsb_conversation } from "@smsb/shared";

export const PANE_ID = "smsb_inbox";

export interface InboxHost {
    setBadge(count: number): void;
    /** A global notification for a new first-time sender; `onView` brings the pane forward. */
    notify(message: string, onView: () => void): void;
    /** Asks Yes/No; resolves true on Yes. */
    confirm(title: string, text: string): Promise<boolean>;
    openConversation(id: string): void;
}

/** `PaneObject` in @types/xrm lacks the documented `badge` property. */
type PaneWithBadge = Xrm.App.PaneObject & { badge?: number | boolean };

export class XrmInboxHost implements InboxHost {
    constructor(private readonly xrm: Xrm.XrmStatic) {}

    private pane(): PaneWithBadge | undefined {
        return this.xrm.App?.sidePanes?.getPane(PANE_ID);
    }

    setBadge(count: number): void {
        const pane = this.pane();
        // Whether 0 hides the badge is undocumented; false is the documented "no badge" value for the dot mode.
        if (pane) pane.badge = count > 0 ? count : false;
    }

    notify(message: string, onView: () => void): void {
        void this.xrm.App.addGlobalNotification({
            type: 2,
            level: 4,
            message,
            showCloseButton: true,
            action: {
                actionLabel: "View",
                eventHandler: () => {
                    this.pane()?.select();
                    onView();
                },
            },
        });
    }

    async confirm(title: string, text: string): Promise<boolean> {
        const result = await this.xrm.Navigation.openConfirmDialog({
            title,
            text,
            confirmButtonLabel: "Yes",
            cancelButtonLabel: "No",
        });
        return result.confirmed;
    }

    openConversation(id: string): void {
        void this.xrm.Navigation.navigateTo(
            { pageType: "entityrecord", entityName: smsb_conversation.ref.logicalName, entityId: id },
            { target: 1 },
        );
    }
}

/** In-page badge, banner and Yes/No panel; opening a conversation fires `smsb:open-conversation` and sets the hash. */
export class BrowserInboxHost implements InboxHost {
    constructor(private readonly doc: Document) {}

    setBadge(count: number): void {
        const badge = this.doc.getElementById("smsb-badge");
        if (badge) {
            badge.textContent = count > 0 ? String(count) : "";
            badge.hidden = count === 0;
            badge.setAttribute("aria-label", `${count} conversation${count === 1 ? "" : "s"} need you`);
        }
        this.doc.body.dataset.badge = String(count);
        this.doc.title = `${count > 0 ? `(${count}) ` : ""}SMS`;
    }

    notify(message: string, onView: () => void): void {
        const area = this.doc.getElementById("smsb-notifications");
        if (!area) return;
        const bar = this.doc.createElement("div");
        bar.className = "smsb-notification";
        bar.setAttribute("role", "status");
        const text = this.doc.createElement("span");
        text.textContent = message;
        const view = button(this.doc, "View", () => {
            bar.remove();
            onView();
        });
        const close = button(this.doc, "×", () => bar.remove());
        close.setAttribute("aria-label", "Close");
        bar.append(text, view, close);
        area.append(bar);
    }

    confirm(title: string, text: string): Promise<boolean> {
        return new Promise((resolve) => {
            const panel = this.doc.createElement("div");
            panel.className = "smsb-confirm";
            panel.setAttribute("role", "alertdialog");
            panel.setAttribute("aria-modal", "true");
            const heading = this.doc.createElement("h2");
            heading.id = "smsb-confirm-title";
            heading.textContent = title;
            const body = this.doc.createElement("p");
            body.id = "smsb-confirm-text";
            body.textContent = text;
            panel.setAttribute("aria-labelledby", heading.id);
            panel.setAttribute("aria-describedby", body.id);
            const done = (answer: boolean) => {
                panel.remove();
                resolve(answer);
            };
            const yes = button(this.doc, "Yes", () => done(true));
            const no = button(this.doc, "No", () => done(false));
            panel.addEventListener("keydown", (event) => {
                if (event.key === "Escape") done(false);
            });
            panel.append(heading, body, yes, no);
            this.doc.body.append(panel);
            yes.focus();
        });
    }

    openConversation(id: string): void {
        const view = this.doc.defaultView;
        view?.dispatchEvent(new CustomEvent("smsb:open-conversation", { detail: { id } }));
        if (view) view.location.hash = `conversation=${id}`;
    }
}

function button(doc: Document, label: string, onClick: () => void): HTMLButtonElement {
    const element = doc.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
}

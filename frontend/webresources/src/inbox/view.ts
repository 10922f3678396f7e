/**
 * The pane's list, drawn with plain DOM (the pane is 300 px wide; no framework needed). Each conversation is a
 * list item with a heading (customer or number), the number, the last text and its time, and its buttons,
 * labelled exactly as in the manual. Status messages go to a polite live region.
 */
import type { InboxAction, InboxItem } from "./rules";

export interface InboxViewHandlers {
    onAction(action: "accept" | "dismiss" | "block" | "view" | "assign", conversationId: string): void;
}

const LABELS = {
    accept: "Accept",
    dismiss: "Dismiss",
    block: "Block",
    view: "View Message",
    assign: "Assign to Me",
} as const;

const BUTTONS: Record<InboxAction, readonly (keyof typeof LABELS)[]> = {
    accept: ["accept", "dismiss", "block"],
    view: ["view"],
    assign: ["assign"],
};

export class InboxView {
    private readonly list: HTMLUListElement;
    private readonly status: HTMLElement;
    private readonly empty: HTMLElement;

    constructor(
        private readonly root: HTMLElement,
        private readonly handlers: InboxViewHandlers,
        private readonly locale?: string,
    ) {
        const doc = root.ownerDocument;
        root.replaceChildren();
        const heading = doc.createElement("h1");
        heading.id = "smsb-inbox-title";
        heading.textContent = "Messages";
        this.status = doc.createElement("p");
        this.status.className = "smsb-status";
        this.status.setAttribute("role", "status");
        this.status.setAttribute("aria-live", "polite");
        this.empty = doc.createElement("p");
        this.empty.className = "smsb-empty";
        this.empty.textContent = "No new messages.";
        this.list = doc.createElement("ul");
        this.list.className = "smsb-list";
        this.list.setAttribute("aria-labelledby", heading.id);
        this.list.addEventListener("click", (event) => {
            const target = (event.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
            if (!target || target.disabled) return;
            this.handlers.onAction(target.dataset.action as keyof typeof LABELS, target.dataset.id ?? "");
        });
        root.append(heading, this.status, this.empty, this.list);
    }

    render(items: readonly InboxItem[]): void {
        const doc = this.root.ownerDocument;
        const focused = doc.activeElement as HTMLElement | null;
        const focusKey = focused?.dataset?.action ? `${focused.dataset.id}:${focused.dataset.action}` : undefined;
        this.empty.hidden = items.length > 0;
        const rows = items.map((item) => this.row(item));
        this.list.replaceChildren(...rows);
        if (focusKey) {
            const [id, action] = focusKey.split(":");
            this.list.querySelector<HTMLElement>(`button[data-id="${id}"][data-action="${action}"]`)?.focus();
        }
    }

    announce(message: string): void {
        this.status.textContent = message;
    }

    setBusy(conversationId: string, busy: boolean): void {
        for (const button of this.list.querySelectorAll<HTMLButtonElement>(`button[data-id="${conversationId}"]`)) {
            button.disabled = busy;
        }
    }

    private row(item: InboxItem): HTMLLIElement {
        const doc = this.root.ownerDocument;
        const c = item.conversation;
        const li = doc.createElement("li");
        li.className = `smsb-item smsb-${item.action}`;
        const titleId = `smsb-c-${c.id}`;
        li.setAttribute("aria-labelledby", titleId);
        const title = doc.createElement("h2");
        title.id = titleId;
        title.textContent = c.customerName || c.phone;
        const number = doc.createElement("p");
        number.className = "smsb-number";
        number.textContent = c.customerName ? c.phone : item.action === "accept" ? "New number" : "";
        const preview = doc.createElement("p");
        preview.className = "smsb-preview";
        preview.textContent = c.preview || "(picture)";
        const time = doc.createElement("time");
        const when = c.lastInboundOn ?? c.lastActivityOn;
        if (when) {
            time.dateTime = when.toISOString();
            time.textContent = formatTime(when, this.locale);
        }
        const actions = doc.createElement("div");
        actions.className = "smsb-actions";
        for (const action of BUTTONS[item.action]) {
            const button = doc.createElement("button");
            button.type = "button";
            button.dataset.action = action;
            button.dataset.id = c.id;
            button.textContent = LABELS[action];
            button.setAttribute("aria-describedby", titleId);
            actions.append(button);
        }
        li.append(title, number, preview, time, actions);
        return li;
    }
}

export function formatTime(when: Date, locale?: string): string {
    return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" }).format(when);
}

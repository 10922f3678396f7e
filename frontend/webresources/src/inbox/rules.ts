/**
 * Which conversations need this user, and with which action (DESIGN 6.6; the same rules as
 * `messaging/inbound/notifications.py` `recipients()`):
 * - Pending → every member of the Configuration's team: **Accept / Dismiss / Block**.
 * - Accepted → whoever has the chat (its Accepted By; the owner when a user owns the row): **View Message**; once
 *   the last activity is older than the Configuration's idle timeout, the other team members: **Assign to Me**.
 *   Taking, replying and reassigning restart that clock (`smsb_lastactivityon`).
 * - Blocked → nobody.
 * - A user's Dismiss hides it for that user until a newer inbound message arrives.
 * An accepted conversation is listed only while the customer's last text is unanswered, so the owner's list
 * is what needs a reply, not every chat they ever accepted.
 */
import { smsb_conversation } from "@smsb/shared";

export type InboxAction = "accept" | "view" | "assign";

export interface Conversation {
    readonly id: string;
    readonly etag: string;
    readonly phone: string;
    readonly customerName: string;
    readonly preview: string;
    readonly state: number;
    /** The row's owner: the Configuration's team (docs/admin-guide.md, "Who sees which chats"), or a user. */
    readonly ownerId: string;
    readonly ownerName: string;
    /** Who has the chat: its Accepted By, else the owner when the owner is a user; "" when nobody does. */
    readonly holderId: string;
    readonly holderName: string;
    readonly configurationId: string;
    readonly lastInboundOn: Date | null;
    readonly lastOutboundOn: Date | null;
    readonly lastActivityOn: Date | null;
    readonly modifiedOn: Date | null;
}

export interface ConfigurationRule {
    readonly id: string;
    readonly teamId: string | null;
    /** Minutes; the column's default is 5. */
    readonly idleMinutes: number;
}

export interface Viewer {
    readonly userId: string;
    readonly teamIds: ReadonlySet<string>;
}

export interface InboxItem {
    readonly conversation: Conversation;
    readonly action: InboxAction;
}

export const DEFAULT_IDLE_MINUTES = 5;

export function isIdle(conversation: Conversation, idleMinutes: number, now: Date): boolean {
    const last = conversation.lastActivityOn;
    return last === null || now.getTime() - last.getTime() > idleMinutes * 60_000;
}

function isDismissed(conversation: Conversation, dismissedOn: Date | undefined): boolean {
    if (!dismissedOn) return false;
    const inbound = conversation.lastInboundOn;
    return inbound === null || inbound.getTime() <= dismissedOn.getTime();
}

function awaitingReply(conversation: Conversation): boolean {
    const inbound = conversation.lastInboundOn;
    const outbound = conversation.lastOutboundOn;
    return inbound !== null && (outbound === null || inbound.getTime() > outbound.getTime());
}

/** The action this viewer has on this conversation, or null when it is not theirs to see. */
export function actionFor(
    conversation: Conversation,
    viewer: Viewer,
    configuration: ConfigurationRule | undefined,
    dismissedOn: Date | undefined,
    now: Date,
): InboxAction | null {
    if (conversation.state === smsb_conversation.choices.smsb_state.Blocked) return null;
    if (isDismissed(conversation, dismissedOn)) return null;
    const ownedByViewer = conversation.ownerId === viewer.userId;
    const teamId = configuration?.teamId ?? null;
    const inTeam = (teamId !== null && viewer.teamIds.has(teamId)) || viewer.teamIds.has(conversation.ownerId);
    if (conversation.state === smsb_conversation.choices.smsb_state.Pending) {
        return inTeam || ownedByViewer ? "accept" : null;
    }
    if (!awaitingReply(conversation)) return null;
    if (conversation.holderId === viewer.userId) return "view";
    if (!inTeam) return null;
    // Nobody has it (its holder was cleared): the team may take it at once.
    if (!conversation.holderId) return "assign";
    const idleMinutes = configuration?.idleMinutes ?? DEFAULT_IDLE_MINUTES;
    return isIdle(conversation, idleMinutes, now) ? "assign" : null;
}

/** The inbox for one viewer, newest inbound first. */
export function inboxFor(
    conversations: Iterable<Conversation>,
    viewer: Viewer,
    configurations: ReadonlyMap<string, ConfigurationRule>,
    dismissals: ReadonlyMap<string, Date>,
    now: Date,
): InboxItem[] {
    const items: InboxItem[] = [];
    for (const conversation of conversations) {
        const action = actionFor(
            conversation,
            viewer,
            configurations.get(conversation.configurationId),
            dismissals.get(conversation.id),
            now,
        );
        if (action) items.push({ conversation, action });
    }
    const time = (c: Conversation) => (c.lastInboundOn ?? c.lastActivityOn ?? c.modifiedOn)?.getTime() ?? 0;
    return items.sort((a, b) => time(b.conversation) - time(a.conversation));
}

/** The badge: how many conversations need this user (the manual's message bubble). */
export function badgeCount(items: readonly InboxItem[]): number {
    return items.length;
}

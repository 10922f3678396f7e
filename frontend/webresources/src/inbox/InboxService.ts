/**
 * The inbox's data: conversations, the viewer's teams and dismissals, the Configurations' idle timeouts. A full
 * load on start (and every few minutes), then only the conversations modified since the last poll. Ownership
 * changes are conditional on the row's ETag, so two users cannot both take one conversation.
 */
import {
    FORMATTED,
    PreconditionFailedError,
    bind,
    eq,
    lookupValue,
    normalizeId,
    odataDateTime,
    odataQuery,
    smsb_configuration,
    smsb_conversation,
    smsb_dismissal,
    systemuser,
    teammembership,
    type DataverseApi,
    type Row,
} from "@smsb/shared";
import {
    DEFAULT_IDLE_MINUTES,
    actionFor,
    inboxFor,
    type ConfigurationRule,
    type Conversation,
    type InboxItem,
    type Viewer,
} from "./rules";

const CONVERSATION_SELECT = [
    smsb_conversation.columns.smsb_conversationid,
    smsb_conversation.columns.smsb_name,
    smsb_conversation.columns.smsb_phonenumber,
    smsb_conversation.columns.smsb_state,
    smsb_conversation.columns.smsb_customername,
    smsb_conversation.columns.smsb_lastmessagepreview,
    smsb_conversation.columns.smsb_lastinboundon,
    smsb_conversation.columns.smsb_lastoutboundon,
    smsb_conversation.columns.smsb_lastactivityon,
    lookupValue(smsb_conversation.columns.smsb_configuration),
    lookupValue(smsb_conversation.columns.ownerid),
    smsb_conversation.columns.modifiedon,
];

/** Conversations whose last text is older than this are left out of the full load. */
const HISTORY_DAYS = 30;

export type ActionOutcome =
    { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

export interface InboxServiceOptions {
    readonly now?: () => Date;
}

export class InboxService {
    private readonly conversations = new Map<string, Conversation>();
    private readonly dismissals = new Map<string, Date>();
    private configurations = new Map<string, ConfigurationRule>();
    private viewer: Viewer | undefined;
    private since: Date | undefined;
    private readonly now: () => Date;

    constructor(
        private readonly api: DataverseApi,
        options: InboxServiceOptions = {},
    ) {
        this.now = options.now ?? (() => new Date());
    }

    get userId(): string {
        return this.viewer?.userId ?? "";
    }

    /** Everything, from scratch. Returns the conversations seen for the first time. */
    async loadAll(): Promise<Conversation[]> {
        const userId = await this.api.currentUserId();
        const historyStart = daysBefore(this.now(), HISTORY_DAYS);
        const [memberships, configurations, dismissals, conversations] = await Promise.all([
            this.api.retrieveMultiple(
                teammembership.ref,
                odataQuery({
                    select: [teammembership.columns.teamid],
                    filter: eq(teammembership.columns.systemuserid, userId),
                }),
            ),
            this.api.retrieveMultiple(
                smsb_configuration.ref,
                odataQuery({
                    select: [
                        smsb_configuration.columns.smsb_configurationid,
                        smsb_configuration.columns.smsb_idletimeout,
                        lookupValue(smsb_configuration.columns.smsb_assignedteam),
                    ],
                }),
            ),
            this.api.retrieveMultiple(
                smsb_dismissal.ref,
                odataQuery({
                    select: [
                        lookupValue(smsb_dismissal.columns.smsb_conversation),
                        smsb_dismissal.columns.smsb_dismissedon,
                    ],
                    filter: eq(lookupValue(smsb_dismissal.columns.ownerid), userId),
                }),
            ),
            this.api.retrieveMultiple(
                smsb_conversation.ref,
                odataQuery({
                    select: CONVERSATION_SELECT,
                    filter: `${smsb_conversation.columns.smsb_lastinboundon} ge ${odataDateTime(historyStart)}`,
                    orderBy: `${smsb_conversation.columns.modifiedon} asc`,
                }),
            ),
        ]);
        this.viewer = {
            userId,
            teamIds: new Set(memberships.map((m) => normalizeId(str(m[teammembership.columns.teamid])))),
        };
        this.configurations = new Map(
            configurations.map((row) => {
                const rule = toConfiguration(row);
                return [rule.id, rule];
            }),
        );
        this.dismissals.clear();
        for (const row of dismissals) {
            const conversationId = normalizeId(str(row[lookupValue(smsb_dismissal.columns.smsb_conversation)]));
            const on = date(row[smsb_dismissal.columns.smsb_dismissedon]);
            const known = this.dismissals.get(conversationId);
            if (on && (!known || known < on)) this.dismissals.set(conversationId, on);
        }
        // Rebuild from the answer so rows deleted or no longer readable disappear; "first seen" still means new.
        const known = new Set(this.conversations.keys());
        this.conversations.clear();
        return this.merge(conversations).filter((c) => !known.has(c.id));
    }

    /** Only conversations modified since the newest one seen. Returns those seen for the first time. */
    async poll(): Promise<Conversation[]> {
        if (!this.viewer || !this.since) return this.loadAll();
        const rows = await this.api.retrieveMultiple(
            smsb_conversation.ref,
            // `ge` (not `gt`): modifiedon has second precision; unchanged ETags are skipped in merge.
            odataQuery({
                select: CONVERSATION_SELECT,
                filter: `${smsb_conversation.columns.modifiedon} ge ${odataDateTime(this.since)}`,
                orderBy: `${smsb_conversation.columns.modifiedon} asc`,
            }),
        );
        return this.merge(rows);
    }

    items(): InboxItem[] {
        if (!this.viewer) return [];
        return inboxFor(this.conversations.values(), this.viewer, this.configurations, this.dismissals, this.now());
    }

    conversation(id: string): Conversation | undefined {
        return this.conversations.get(normalizeId(id));
    }

    async accept(id: string): Promise<ActionOutcome> {
        const now = this.now();
        return this.takeOwnership(
            id,
            "accept",
            {
                [smsb_conversation.columns.smsb_state]: smsb_conversation.choices.smsb_state.Accepted,
                ...this.ownerBinding(),
                [smsb_conversation.columns.smsb_acceptedon]: now.toISOString(),
            },
            "Accepted. Future messages from this number will show View Message.",
        );
    }

    async assignToMe(id: string): Promise<ActionOutcome> {
        return this.takeOwnership(
            id,
            "assign",
            {
                ...this.ownerBinding(),
                [smsb_conversation.columns.smsb_acceptedon]: this.now().toISOString(),
            },
            "The conversation is now assigned to you.",
        );
    }

    async block(id: string): Promise<ActionOutcome> {
        const userId = this.requireViewer().userId;
        let current = this.conversation(id);
        for (let attempt = 0; current && attempt < 2; attempt++) {
            if (current.state === smsb_conversation.choices.smsb_state.Blocked)
                return { ok: true, message: "This number is already blocked." };
            if (
                actionFor(
                    current,
                    this.requireViewer(),
                    this.configurations.get(current.configurationId),
                    undefined,
                    this.now(),
                ) !== "accept"
            ) {
                return { ok: false, message: lostMessage(current) };
            }
            try {
                await this.api.update(
                    smsb_conversation.ref,
                    current.id,
                    {
                        [smsb_conversation.columns.smsb_state]: smsb_conversation.choices.smsb_state.Blocked,
                        [`${smsb_conversation.navigation.smsb_blockedby}@odata.bind`]: bind(systemuser.ref, userId),
                        [smsb_conversation.columns.smsb_blockedon]: this.now().toISOString(),
                    },
                    { ifMatch: current.etag },
                );
                await this.refreshOne(current.id);
                return { ok: true, message: "Blocked. This number is now inactive for all team members." };
            } catch (error) {
                if (!(error instanceof PreconditionFailedError)) throw error;
                current = await this.refreshOne(current.id);
            }
        }
        return { ok: false, message: current ? lostMessage(current) : "This conversation no longer exists." };
    }

    async dismiss(id: string): Promise<ActionOutcome> {
        const conversation = this.conversation(id);
        if (!conversation) return { ok: false, message: "This conversation no longer exists." };
        const now = this.now();
        await this.api.create(smsb_dismissal.ref, {
            [smsb_dismissal.columns.smsb_name]: `${conversation.customerName || conversation.phone}`.slice(0, 200),
            [`${smsb_dismissal.navigation.smsb_conversation}@odata.bind`]: bind(smsb_conversation.ref, conversation.id),
            [smsb_dismissal.columns.smsb_dismissedon]: now.toISOString(),
        });
        this.dismissals.set(conversation.id, now);
        return { ok: true, message: "Dismissed. It will show again when a new message arrives." };
    }

    private ownerBinding(): Row {
        const userId = this.requireViewer().userId;
        return {
            [`${smsb_conversation.navigation.ownerid}@odata.bind`]: bind(systemuser.ref, userId),
            [`${smsb_conversation.navigation.smsb_acceptedby}@odata.bind`]: bind(systemuser.ref, userId),
        };
    }

    /**
     * Conditional update for Accept and Assign to Me. When the ETag no longer matches, re-read the row: if it is
     * still ours to take (e.g. only a new inbound text changed it), try once more; otherwise say who has it.
     */
    private async takeOwnership(
        id: string,
        expected: "accept" | "assign",
        data: Row,
        success: string,
    ): Promise<ActionOutcome> {
        const viewer = this.requireViewer();
        let current = this.conversation(id);
        // Whoever owned it when the user clicked: if that changes before our write lands, someone else was quicker,
        // even when the conversation would still look idle enough to take again.
        const ownerAtClick = current?.ownerId;
        for (let attempt = 0; current && attempt < 2; attempt++) {
            if (attempt > 0 && current.ownerId !== ownerAtClick) return { ok: false, message: lostMessage(current) };
            const action = actionFor(
                current,
                viewer,
                this.configurations.get(current.configurationId),
                undefined,
                this.now(),
            );
            if (current.ownerId === viewer.userId && current.state === smsb_conversation.choices.smsb_state.Accepted) {
                return { ok: true, message: "You already own this conversation." };
            }
            if (action !== expected) return { ok: false, message: lostMessage(current) };
            try {
                await this.api.update(smsb_conversation.ref, current.id, data, { ifMatch: current.etag });
                await this.refreshOne(current.id);
                return { ok: true, message: success };
            } catch (error) {
                if (!(error instanceof PreconditionFailedError)) throw error;
                current = await this.refreshOne(current.id);
            }
        }
        return { ok: false, message: current ? lostMessage(current) : "This conversation no longer exists." };
    }

    private async refreshOne(id: string): Promise<Conversation | undefined> {
        const row = await this.api.retrieve(smsb_conversation.ref, id, odataQuery({ select: CONVERSATION_SELECT }));
        const conversation = toConversation(row);
        this.conversations.set(conversation.id, conversation);
        return conversation;
    }

    private merge(rows: Row[]): Conversation[] {
        const fresh: Conversation[] = [];
        for (const row of rows) {
            const conversation = toConversation(row);
            const known = this.conversations.get(conversation.id);
            if (!known) fresh.push(conversation);
            if (known?.etag !== conversation.etag || !conversation.etag) {
                this.conversations.set(conversation.id, conversation);
            }
            if (conversation.modifiedOn && (!this.since || conversation.modifiedOn > this.since)) {
                this.since = conversation.modifiedOn;
            }
        }
        this.since ??= this.now();
        return fresh;
    }

    private requireViewer(): Viewer {
        if (!this.viewer) throw new Error("The inbox has not loaded yet.");
        return this.viewer;
    }
}

function lostMessage(conversation: Conversation): string {
    const who = conversation.ownerName || "another user";
    if (conversation.state === smsb_conversation.choices.smsb_state.Blocked) return "This number has been blocked.";
    if (conversation.state === smsb_conversation.choices.smsb_state.Accepted)
        return `${who} has already taken this conversation.`;
    return "This conversation has changed; the list has been updated.";
}

export function toConversation(row: Row): Conversation {
    return {
        id: normalizeId(str(row[smsb_conversation.columns.smsb_conversationid])),
        etag: str(row["@odata.etag"]),
        phone: str(row[smsb_conversation.columns.smsb_phonenumber]),
        customerName: str(row[smsb_conversation.columns.smsb_customername]),
        preview: str(row[smsb_conversation.columns.smsb_lastmessagepreview]),
        state: Number(row[smsb_conversation.columns.smsb_state] ?? smsb_conversation.choices.smsb_state.Pending),
        ownerId: normalizeId(str(row[lookupValue(smsb_conversation.columns.ownerid)])),
        ownerName: str(row[`${lookupValue(smsb_conversation.columns.ownerid)}${FORMATTED}`]),
        configurationId: normalizeId(str(row[lookupValue(smsb_conversation.columns.smsb_configuration)])),
        lastInboundOn: date(row[smsb_conversation.columns.smsb_lastinboundon]),
        lastOutboundOn: date(row[smsb_conversation.columns.smsb_lastoutboundon]),
        lastActivityOn: date(row[smsb_conversation.columns.smsb_lastactivityon]),
        modifiedOn: date(row[smsb_conversation.columns.modifiedon]),
    };
}

function toConfiguration(row: Row): ConfigurationRule {
    const idle = Number(row[smsb_configuration.columns.smsb_idletimeout]);
    const team = row[lookupValue(smsb_configuration.columns.smsb_assignedteam)];
    return {
        id: normalizeId(str(row[smsb_configuration.columns.smsb_configurationid])),
        teamId: team ? normalizeId(str(team)) : null,
        idleMinutes: Number.isFinite(idle) && idle > 0 ? idle : DEFAULT_IDLE_MINUTES,
    };
}

function str(value: unknown): string {
    return typeof value === "string" ? value : typeof value === "number" ? value.toString() : "";
}

function date(value: unknown): Date | null {
    if (typeof value !== "string" || value === "") return null;
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function daysBefore(now: Date, days: number): Date {
    return new Date(now.getTime() - days * 86_400_000);
}

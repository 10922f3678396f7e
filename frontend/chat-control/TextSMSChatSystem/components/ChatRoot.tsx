import * as React from "react";
import {
    Button,
    FluentProvider,
    Menu,
    MenuItem,
    MenuList,
    MenuPopover,
    MenuTrigger,
    MessageBar,
    MessageBarActions,
    MessageBarBody,
    Spinner,
    Theme,
    Toolbar,
    makeStyles,
    shorthands,
    tokens,
    webLightTheme,
} from "@fluentui/react-components";
import { TemplateError, parseTemplate, renderTemplate, smsb_conversation } from "@smsb/shared";
import { ChatFormat } from "../model/format";
import { pendingMessage } from "../model/messages";
import { EntityRef, SessionView, currentSession } from "../model/sessions";
import { Attachment, ChatService, ConfigurationInfo, HostNavigation, TemplateInfo } from "../services/ChatService";
import { ConversationFeed, FeedState } from "../services/ConversationFeed";
import { Composer, ComposerDraft } from "./Composer";
import { MessageList } from "./MessageList";

const useStyles = makeStyles({
    root: {
        display: "flex",
        flexDirection: "column",
        backgroundColor: tokens.colorNeutralBackground1,
        ...shorthands.border("1px", "solid", tokens.colorNeutralStroke2),
        borderRadius: tokens.borderRadiusMedium,
        overflow: "hidden",
        boxSizing: "border-box",
    },
    toolbar: {
        justifyContent: "flex-end",
        borderBottomWidth: "1px",
        borderBottomStyle: "solid",
        borderBottomColor: tokens.colorNeutralStroke2,
    },
    loading: { flexGrow: 1, display: "flex", alignItems: "center", justifyContent: "center" },
});

export interface ChatRootProps {
    /** The record whose form shows the chat; null when the host did not say. */
    host: EntityRef | null;
    sessions: readonly SessionView[];
    feed: ConversationFeed;
    service: ChatService;
    navigation: HostNavigation;
    format: ChatFormat;
    height: number;
    theme?: Theme;
    /** Name shown on the user's own messages until the real row arrives. */
    userName: string;
    /** The subgrid's sessions changed (Regarding or owner set): refresh the dataset. */
    onSessionsChanged: () => void;
    /** The clock, for day labels ("Today"). */
    now?: () => Date;
}

interface Notice {
    intent: "success" | "error" | "warning" | "info";
    text: string;
}

function useFeed(feed: ConversationFeed): FeedState {
    const [state, setState] = React.useState(() => feed.getState());
    React.useEffect(() => {
        setState(feed.getState());
        return feed.subscribe(() => setState(feed.getState()));
    }, [feed]);
    return state;
}

/** Whether the page is on screen (inbound messages count as read only then). */
function usePageVisible(): boolean {
    const [visible, setVisible] = React.useState(
        () => typeof document === "undefined" || document.visibilityState !== "hidden",
    );
    React.useEffect(() => {
        const listener = (): void => setVisible(document.visibilityState !== "hidden");
        document.addEventListener("visibilitychange", listener);
        return () => document.removeEventListener("visibilitychange", listener);
    }, []);
    return visible;
}

const problem = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function toAttachment(file: File): Attachment {
    return {
        name: file.name,
        type: file.type,
        size: file.size,
        read: () =>
            new Promise<ArrayBuffer>((resolve, reject) => {
                const reader = new FileReader();
                reader.onload = () => resolve(reader.result as ArrayBuffer);
                reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read.`));
                reader.readAsArrayBuffer(file);
            }),
    };
}

let localIds = 0;

export const ChatRoot = React.memo(function ChatRoot(props: ChatRootProps): React.ReactElement {
    const { host, sessions, feed, service, navigation, format, height, theme, userName, onSessionsChanged } = props;
    const styles = useStyles();
    const clock = props.now ?? (() => new Date());
    const state = useFeed(feed);
    const visible = usePageVisible();
    const [configurations, setConfigurations] = React.useState<readonly ConfigurationInfo[]>([]);
    const [chosenConfiguration, setChosenConfiguration] = React.useState<string | null>(null);
    const [templates, setTemplates] = React.useState<readonly TemplateInfo[]>([]);
    const [tableLabels, setTableLabels] = React.useState<Record<string, string>>({});
    const [notice, setNotice] = React.useState<Notice | null>(null);
    const session = currentSession(sessions);
    // On the Conversation form (where View Message lands) the chat is about the conversation's customer: templates
    // are filled in from that record and texts go To it, as on the customer's own form.
    const [customer, setCustomer] = React.useState<EntityRef | null>(null);
    const onConversation = host?.entityType === smsb_conversation.ref.logicalName ? host.id : null;
    React.useEffect(() => {
        let live = true;
        setCustomer(null);
        if (onConversation) {
            service
                .conversationCustomer(onConversation)
                .then((found) => live && setCustomer(found))
                .catch(() => undefined);
        }
        return () => {
            live = false;
        };
    }, [service, onConversation]);
    const subject = customer ?? host;
    const hostTable = subject?.entityType ?? null;

    React.useEffect(() => {
        let live = true;
        service
            .listConfigurations()
            .then((rows) => live && setConfigurations(rows))
            .catch(
                (error: unknown) =>
                    live &&
                    setNotice({ intent: "error", text: `Sender numbers could not be loaded: ${problem(error)}` }),
            );
        return () => {
            live = false;
        };
    }, [service]);

    React.useEffect(() => {
        let live = true;
        if (hostTable) {
            service
                .listTemplates(hostTable)
                .then((rows) => live && setTemplates(rows))
                .catch(() => live && setTemplates([]));
        }
        return () => {
            live = false;
        };
    }, [service, hostTable]);

    const configuration =
        configurations.find((item) => item.id === chosenConfiguration) ??
        configurations.find((item) => item.id === session?.configurationId) ??
        configurations[0] ??
        null;
    const allowCreate = configuration?.allowCreateTo ?? [];
    const allowKey = allowCreate.join(",");

    React.useEffect(() => {
        let live = true;
        if (allowKey) {
            service
                .tableLabels(allowKey.split(","))
                .then((labels) => live && setTableLabels(labels))
                .catch(() => undefined);
        }
        return () => {
            live = false;
        };
    }, [service, allowKey]);

    // Inbound messages on screen are read (only while the page is visible).
    React.useEffect(() => {
        const unread = state.messages.filter((message) => message.unread).map((message) => message.id);
        if (unread.length > 0 && visible) {
            feed.markRead(unread, clock());
        }
    }, [state.messages, feed, visible]); // eslint-disable-line react-hooks/exhaustive-deps

    const offered = React.useMemo(
        () =>
            templates.filter((template) => !template.configurationId || template.configurationId === configuration?.id),
        [templates, configuration?.id],
    );

    const fillTemplate = React.useCallback(
        async (template: TemplateInfo): Promise<string | null> => {
            try {
                const parsed = parseTemplate(template.body);
                const values =
                    subject && parsed.columns.length > 0 ? await service.recordValues(subject, parsed.columns) : {};
                return renderTemplate(parsed, values);
            } catch (error) {
                const prefix =
                    error instanceof TemplateError
                        ? `The template "${template.name}" has a mistake`
                        : `The template "${template.name}" could not be filled in`;
                setNotice({ intent: "error", text: `${prefix}: ${problem(error)}` });
                return null;
            }
        },
        [subject, service],
    );

    const send = React.useCallback(
        async (draft: ComposerDraft): Promise<boolean> => {
            if (!subject) {
                return false;
            }
            const localId = `local:${++localIds}`;
            const preview =
                draft.attachment && typeof URL !== "undefined" && URL.createObjectURL
                    ? [
                          {
                              id: localId,
                              name: draft.attachment.name,
                              contentType: draft.attachment.type,
                              url: URL.createObjectURL(draft.attachment),
                              state: "stored" as const,
                          },
                      ]
                    : [];
            feed.addPending(
                pendingMessage({
                    id: localId,
                    body: draft.text,
                    at: clock(),
                    sender: userName,
                    sessionId: session?.id ?? null,
                    media: preview,
                }),
            );
            try {
                const { outboxId } = await service.send({
                    body: draft.text,
                    configurationId: configuration?.id ?? null,
                    sessionId: session?.id ?? null,
                    to: subject,
                    attachment: draft.attachment ? toAttachment(draft.attachment) : null,
                });
                feed.resolvePending(localId, { outboxId });
                return true;
            } catch (error) {
                feed.resolvePending(localId, { error: problem(error) });
                setNotice({ intent: "error", text: `The message was not sent: ${problem(error)}` });
                return false;
            }
        },
        // The clock is read when sending; it is no reason to rebuild the callback.
        // eslint-disable-next-line react-hooks/exhaustive-deps
        [subject, feed, service, configuration?.id, session?.id, userName],
    );

    const createRecord = async (table: string): Promise<void> => {
        if (!session) {
            return;
        }
        try {
            const created = await navigation.createRecord(table, subject);
            if (!created) {
                return;
            }
            await service.setRegarding(session.id, created);
            setNotice({
                intent: "success",
                text: `${tableLabels[table] ?? table} ${created.name ?? ""} created and set as this chat's Regarding.`.replace(
                    "  ",
                    " ",
                ),
            });
            onSessionsChanged();
        } catch (error) {
            setNotice({ intent: "error", text: `The record could not be linked to the chat: ${problem(error)}` });
        }
    };

    const assign = async (): Promise<void> => {
        if (!session) {
            return;
        }
        try {
            const owner = await navigation.pickOwner();
            if (!owner) {
                return;
            }
            await service.assign(session.id, session.conversationId, owner);
            setNotice({ intent: "success", text: `The chat is now assigned to ${owner.name ?? "the chosen owner"}.` });
            onSessionsChanged();
        } catch (error) {
            setNotice({ intent: "error", text: `The chat could not be assigned: ${problem(error)}` });
        }
    };

    const blocked = !host
        ? "This form does not say which record it shows; set the control's Host table property."
        : configurations.length === 0 && state.loaded
          ? "No SMS Bridge Configuration is active to send from."
          : null;
    const now = React.useMemo(() => clock(), [state.messages]); // eslint-disable-line react-hooks/exhaustive-deps

    return (
        <FluentProvider theme={theme ?? webLightTheme}>
            <div className={styles.root} style={{ height }} data-testid="sms-chat">
                <Toolbar className={styles.toolbar} aria-label="Chat actions" size="small">
                    <Menu>
                        <MenuTrigger disableButtonEnhancement>
                            <Button appearance="subtle" disabled={!session || allowCreate.length === 0}>
                                Create Record
                            </Button>
                        </MenuTrigger>
                        <MenuPopover>
                            <MenuList>
                                {allowCreate.map((table) => (
                                    <MenuItem key={table} onClick={() => void createRecord(table)}>
                                        {tableLabels[table] ?? table}
                                    </MenuItem>
                                ))}
                            </MenuList>
                        </MenuPopover>
                    </Menu>
                    <Button appearance="subtle" disabled={!session} onClick={() => void assign()}>
                        Assign
                    </Button>
                    <Button appearance="subtle" onClick={() => navigation.openHelp()}>
                        Help
                    </Button>
                </Toolbar>
                {notice && (
                    <MessageBar intent={notice.intent}>
                        <MessageBarBody>{notice.text}</MessageBarBody>
                        <MessageBarActions
                            containerAction={
                                <Button
                                    appearance="transparent"
                                    size="small"
                                    aria-label="Dismiss"
                                    onClick={() => setNotice(null)}
                                >
                                    ✕
                                </Button>
                            }
                        />
                    </MessageBar>
                )}
                {state.error && (
                    <MessageBar intent="warning">
                        <MessageBarBody>Messages could not be refreshed: {state.error}</MessageBarBody>
                    </MessageBar>
                )}
                {!state.loaded && sessions.length > 0 ? (
                    <div className={styles.loading}>
                        <Spinner label="Loading messages" size="small" />
                    </div>
                ) : (
                    <MessageList messages={state.messages} format={format} now={now} loaded={state.loaded} />
                )}
                <Composer
                    configurations={configurations}
                    configurationId={configuration?.id ?? null}
                    onConfigurationChange={setChosenConfiguration}
                    templates={offered}
                    enterIsSend={configuration?.enterIsSend ?? true}
                    blocked={blocked}
                    fillTemplate={fillTemplate}
                    onSend={send}
                    onProblem={(text) => setNotice({ intent: "warning", text })}
                />
            </div>
        </FluentProvider>
    );
});

import * as React from "react";
import { Button, Caption1, Divider, makeStyles, tokens } from "@fluentui/react-components";
import { ChatMessage, timeline } from "../model/messages";
import { ChatFormat } from "../model/format";
import { Bubble } from "./Bubble";

/** How close to the bottom (px) still counts as "at the bottom". */
const PIN_SLACK = 24;

const useStyles = makeStyles({
    wrap: { position: "relative", flexGrow: 1, minHeight: 0, display: "flex", flexDirection: "column" },
    log: {
        flexGrow: 1,
        overflowY: "auto",
        paddingTop: tokens.spacingVerticalM,
        paddingBottom: tokens.spacingVerticalM,
        paddingLeft: tokens.spacingHorizontalM,
        paddingRight: tokens.spacingHorizontalM,
    },
    day: { marginTop: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalS },
    empty: { color: tokens.colorNeutralForeground3, textAlign: "center", marginTop: tokens.spacingVerticalXXL },
    pill: {
        position: "absolute",
        bottom: tokens.spacingVerticalS,
        left: "50%",
        transform: "translateX(-50%)",
        boxShadow: tokens.shadow8,
    },
});

export interface MessageListProps {
    messages: readonly ChatMessage[];
    format: ChatFormat;
    now: Date;
    loaded: boolean;
}

const atBottom = (element: HTMLElement): boolean =>
    element.scrollHeight - element.scrollTop - element.clientHeight <= PIN_SLACK;

/**
 * The conversation, oldest first and newest at the bottom. It stays pinned to the bottom as messages arrive,
 * unless the user has scrolled up to read; then a "New messages" pill offers the way down.
 */
export const MessageList = React.memo(function MessageList({
    messages,
    format,
    now,
    loaded,
}: MessageListProps): React.ReactElement {
    const styles = useStyles();
    const logRef = React.useRef<HTMLDivElement>(null);
    const pinned = React.useRef(true);
    const lastId = React.useRef<string | null>(null);
    const [unseen, setUnseen] = React.useState(false);
    const items = React.useMemo(() => timeline(messages, format, now), [messages, format, now]);
    const newest = messages.length > 0 ? messages[messages.length - 1].id : null;

    const scrollToBottom = React.useCallback(() => {
        const element = logRef.current;
        if (element) {
            element.scrollTop = element.scrollHeight;
        }
        pinned.current = true;
        setUnseen(false);
    }, []);

    React.useLayoutEffect(() => {
        if (newest === lastId.current) {
            return;
        }
        const first = lastId.current === null;
        lastId.current = newest;
        if (pinned.current || first) {
            scrollToBottom();
        } else {
            setUnseen(true);
        }
    }, [newest, scrollToBottom]);

    const onScroll = React.useCallback(() => {
        const element = logRef.current;
        if (!element) {
            return;
        }
        pinned.current = atBottom(element);
        if (pinned.current) {
            setUnseen(false);
        }
    }, []);

    return (
        <div className={styles.wrap}>
            <div
                ref={logRef}
                className={styles.log}
                role="log"
                aria-live="polite"
                aria-label="Conversation"
                tabIndex={0}
                onScroll={onScroll}
            >
                {loaded && messages.length === 0 && (
                    <div className={styles.empty}>No messages yet. Write the first one below.</div>
                )}
                {items.map((item) =>
                    item.kind === "day" ? (
                        <Divider key={item.key} className={styles.day} role="separator">
                            <Caption1>{item.label}</Caption1>
                        </Divider>
                    ) : (
                        <Bubble key={item.key} message={item.message} format={format} />
                    ),
                )}
            </div>
            {unseen && (
                <Button
                    className={styles.pill}
                    shape="circular"
                    appearance="primary"
                    size="small"
                    onClick={scrollToBottom}
                >
                    New messages
                </Button>
            )}
        </div>
    );
});

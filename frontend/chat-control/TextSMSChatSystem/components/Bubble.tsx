import * as React from "react";
import { Caption1, Tooltip, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { ChatMessage } from "../model/messages";
import { ChatFormat } from "../model/format";
import { CheckIcon, ClockIcon, DoubleCheckIcon, WarningIcon } from "./Icons";
import { MediaTile } from "./MediaTile";

const useStyles = makeStyles({
    row: { display: "flex", flexDirection: "column", marginBottom: tokens.spacingVerticalS, maxWidth: "100%" },
    rowIn: { alignItems: "flex-start" },
    rowOut: { alignItems: "flex-end" },
    bubble: {
        maxWidth: "80%",
        paddingTop: tokens.spacingVerticalS,
        paddingBottom: tokens.spacingVerticalS,
        paddingLeft: tokens.spacingHorizontalM,
        paddingRight: tokens.spacingHorizontalM,
        borderRadius: tokens.borderRadiusLarge,
        boxShadow: tokens.shadow2,
        overflowWrap: "anywhere",
    },
    bubbleIn: { backgroundColor: tokens.colorNeutralBackground3, color: tokens.colorNeutralForeground1 },
    bubbleOut: { backgroundColor: tokens.colorBrandBackground2, color: tokens.colorNeutralForeground1 },
    bubbleFailed: { outlineWidth: "1px", outlineStyle: "solid", outlineColor: tokens.colorPaletteRedBorder2 },
    text: { whiteSpace: "pre-wrap", fontSize: tokens.fontSizeBase300, lineHeight: tokens.lineHeightBase300 },
    meta: {
        display: "flex",
        gap: tokens.spacingHorizontalS,
        alignItems: "center",
        color: tokens.colorNeutralForeground3,
        marginTop: tokens.spacingVerticalXXS,
    },
    status: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalXXS },
    failed: { color: tokens.colorPaletteRedForeground1, cursor: "help" },
    hidden: {
        position: "absolute",
        width: "1px",
        height: "1px",
        overflow: "hidden",
        clip: "rect(0 0 0 0)",
        whiteSpace: "nowrap",
    },
});

export interface BubbleProps {
    message: ChatMessage;
    format: ChatFormat;
}

function StatusIcon({ kind }: { kind: ChatMessage["status"]["kind"] }): React.ReactElement | null {
    switch (kind) {
        case "queued":
            return <ClockIcon />;
        case "sent":
            return <CheckIcon />;
        case "delivered":
        case "read":
            return <DoubleCheckIcon />;
        case "failed":
        case "unknown":
            return <WarningIcon />;
        default:
            return null;
    }
}

function Status({ message }: { message: ChatMessage }): React.ReactElement | null {
    const styles = useStyles();
    const { status } = message;
    if (message.direction === "in") {
        return null;
    }
    if (!status.reason) {
        return (
            <span className={styles.status} data-status={status.kind}>
                <StatusIcon kind={status.kind} />
                {status.label}
            </span>
        );
    }
    // The reason shows on hover and keyboard focus, and screen readers read it with the status.
    return (
        <Tooltip content={status.reason} relationship="description" showDelay={0} withArrow>
            <span className={mergeClasses(styles.status, styles.failed)} data-status={status.kind} tabIndex={0}>
                <StatusIcon kind={status.kind} />
                {status.label}
                <span className={styles.hidden}>: {status.reason}</span>
            </span>
        </Tooltip>
    );
}

export const Bubble = React.memo(function Bubble({ message, format }: BubbleProps): React.ReactElement {
    const styles = useStyles();
    const incoming = message.direction === "in";
    const at = new Date(message.at);
    const failed = message.status.kind === "failed";
    return (
        <div
            className={mergeClasses(styles.row, incoming ? styles.rowIn : styles.rowOut)}
            data-message-id={message.id}
            data-direction={message.direction}
        >
            <Caption1>{message.sender}</Caption1>
            <div
                className={mergeClasses(
                    styles.bubble,
                    incoming ? styles.bubbleIn : styles.bubbleOut,
                    failed && styles.bubbleFailed,
                )}
            >
                {message.media.map((media) => (
                    <MediaTile key={media.id || media.url} item={media} />
                ))}
                {message.body && (
                    // dir="auto": each message takes the direction of its own text (Arabic, Hebrew, ...).
                    <div className={styles.text} dir="auto">
                        {message.body}
                    </div>
                )}
            </div>
            <Caption1 className={styles.meta}>
                <time dateTime={message.at} title={format.full(at)}>
                    {format.time(at)}
                </time>
                <Status message={message} />
            </Caption1>
        </div>
    );
});

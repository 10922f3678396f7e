import * as React from "react";
import {
    Button,
    Caption1,
    Field,
    Menu,
    MenuItem,
    MenuList,
    MenuPopover,
    MenuTrigger,
    Select,
    Textarea,
    makeStyles,
    mergeClasses,
    tokens,
} from "@fluentui/react-components";
import { segmentInfo } from "@smsb/shared";
import { Defaults } from "../ManifestConstants";
import { ConfigurationInfo, TemplateInfo } from "../services/ChatService";
import { EmojiPicker } from "./EmojiPicker";

const useStyles = makeStyles({
    root: {
        display: "flex",
        flexDirection: "column",
        gap: tokens.spacingVerticalXS,
        paddingTop: tokens.spacingVerticalS,
        paddingBottom: tokens.spacingVerticalS,
        paddingLeft: tokens.spacingHorizontalM,
        paddingRight: tokens.spacingHorizontalM,
        borderTopWidth: "1px",
        borderTopStyle: "solid",
        borderTopColor: tokens.colorNeutralStroke2,
    },
    box: { width: "100%" },
    bar: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalXS, flexWrap: "wrap" },
    grow: { flexGrow: 1 },
    counter: { color: tokens.colorNeutralForeground3 },
    over: { color: tokens.colorPaletteRedForeground1 },
    chip: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS },
    file: { display: "none" },
});

export interface ComposerDraft {
    text: string;
    attachment: File | null;
}

export interface ComposerProps {
    configurations: readonly ConfigurationInfo[];
    configurationId: string | null;
    onConfigurationChange: (id: string) => void;
    /** Templates offered for this record and number. */
    templates: readonly TemplateInfo[];
    enterIsSend: boolean;
    /** Why sending is impossible (shown instead of sending), or null. */
    blocked: string | null;
    /** The template's text for this record, or null when it could not be rendered (the caller says why). */
    fillTemplate: (template: TemplateInfo) => Promise<string | null>;
    /** Sends the draft; true when it was accepted (the composer then clears). */
    onSend: (draft: ComposerDraft) => Promise<boolean>;
    /** Reports a problem with the user's input (image too large, ...). */
    onProblem: (message: string) => void;
}

export function counterText(text: string): { label: string; over: boolean } {
    const info = segmentInfo(text);
    const characters = Array.from(text).length;
    const segments = `${info.segments} segment${info.segments === 1 ? "" : "s"}`;
    return {
        label: `${characters} character${characters === 1 ? "" : "s"} · ${segments} · ${info.encoding}`,
        over: characters > Defaults.maxBodyChars,
    };
}

export const Composer = React.memo(function Composer(props: ComposerProps): React.ReactElement {
    const {
        configurations,
        configurationId,
        onConfigurationChange,
        templates,
        enterIsSend,
        blocked,
        fillTemplate,
        onSend,
        onProblem,
    } = props;
    const styles = useStyles();
    const [text, setText] = React.useState("");
    const [attachment, setAttachment] = React.useState<File | null>(null);
    const [busy, setBusy] = React.useState(false);
    const textRef = React.useRef<HTMLTextAreaElement>(null);
    const fileRef = React.useRef<HTMLInputElement>(null);
    const counter = counterText(text);
    const empty = text.trim() === "" && attachment === null;
    const canSend = !busy && !empty && !counter.over && blocked === null;

    const send = React.useCallback(async () => {
        if (!canSend) {
            return;
        }
        setBusy(true);
        try {
            if (await onSend({ text, attachment })) {
                setText("");
                setAttachment(null);
            }
        } finally {
            setBusy(false);
            textRef.current?.focus();
        }
    }, [canSend, onSend, text, attachment]);

    const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>): void => {
        const composing = event.nativeEvent.isComposing;
        if (event.key === "Enter" && enterIsSend && !event.shiftKey && !composing) {
            event.preventDefault();
            void send();
        }
    };

    const insert = React.useCallback((value: string) => {
        const element = textRef.current;
        setText((current) => {
            const start = element?.selectionStart ?? current.length;
            const end = element?.selectionEnd ?? current.length;
            return current.slice(0, start) + value + current.slice(end);
        });
        element?.focus();
    }, []);

    const pickTemplate = async (template: TemplateInfo): Promise<void> => {
        const filled = await fillTemplate(template);
        if (filled !== null) {
            // The text stays editable before it is sent.
            setText(filled);
            textRef.current?.focus();
        }
    };

    const onFile = (event: React.ChangeEvent<HTMLInputElement>): void => {
        const file = event.target.files?.[0] ?? null;
        event.target.value = "";
        if (!file) {
            return;
        }
        if (!file.type.startsWith("image/")) {
            onProblem(`${file.name} is not an image; only images can be sent.`);
            return;
        }
        if (file.size > Defaults.maxAttachmentBytes) {
            onProblem(`${file.name} is larger than 5 MB, the most a picture message can carry.`);
            return;
        }
        setAttachment(file);
    };

    return (
        <div className={styles.root}>
            {configurations.length > 1 && (
                <Field label="Send from" orientation="horizontal">
                    <Select value={configurationId ?? ""} onChange={(_, data) => onConfigurationChange(data.value)}>
                        {configurations.map((configuration) => (
                            <option key={configuration.id} value={configuration.id}>
                                {configuration.number
                                    ? `${configuration.name} (${configuration.number})`
                                    : configuration.name}
                            </option>
                        ))}
                    </Select>
                </Field>
            )}
            <Textarea
                ref={textRef}
                className={styles.box}
                aria-label="Type a message"
                placeholder={enterIsSend ? "Type a message (Shift+Enter for a new line)" : "Type a message"}
                value={text}
                onChange={(_, data) => setText(data.value)}
                onKeyDown={onKeyDown}
                resize="vertical"
                textarea={{ dir: "auto", rows: 2 }}
                disabled={busy}
            />
            {attachment && (
                <div className={styles.chip}>
                    <Caption1>Image: {attachment.name}</Caption1>
                    <Button size="small" appearance="subtle" onClick={() => setAttachment(null)}>
                        Remove attachment
                    </Button>
                </div>
            )}
            <div className={styles.bar}>
                <EmojiPicker onPick={insert} disabled={busy} />
                <Button appearance="subtle" onClick={() => fileRef.current?.click()} disabled={busy}>
                    Attach image
                </Button>
                <input
                    ref={fileRef}
                    className={styles.file}
                    type="file"
                    accept="image/*"
                    onChange={onFile}
                    aria-label="Image file"
                    tabIndex={-1}
                />
                <Menu>
                    <MenuTrigger disableButtonEnhancement>
                        <Button appearance="subtle" disabled={busy}>
                            Templates
                        </Button>
                    </MenuTrigger>
                    <MenuPopover>
                        <MenuList>
                            {templates.length === 0 && <MenuItem disabled>No published templates</MenuItem>}
                            {templates.map((template) => (
                                <MenuItem key={template.id} onClick={() => void pickTemplate(template)}>
                                    {template.name}
                                </MenuItem>
                            ))}
                        </MenuList>
                    </MenuPopover>
                </Menu>
                <Caption1
                    className={mergeClasses(styles.grow, styles.counter, counter.over && styles.over)}
                    aria-label={`Message length: ${counter.label}`}
                    data-testid="segment-counter"
                >
                    {counter.label}
                    {counter.over && ` · over ${Defaults.maxBodyChars}`}
                </Caption1>
                <Button
                    appearance="primary"
                    disabled={!canSend}
                    onClick={() => void send()}
                    title={blocked ?? undefined}
                >
                    Send
                </Button>
            </div>
            {blocked && <Caption1 className={styles.counter}>{blocked}</Caption1>}
        </div>
    );
});

import * as React from "react";
import { Button, Popover, PopoverSurface, PopoverTrigger, makeStyles, tokens } from "@fluentui/react-components";

/** A small curated set: a full emoji data set would outweigh the whole control. */
export const EMOJI: readonly (readonly [string, string])[] = [
    ["😀", "grinning face"],
    ["😂", "face with tears of joy"],
    ["😊", "smiling face"],
    ["😍", "heart eyes"],
    ["😉", "winking face"],
    ["😎", "cool"],
    ["🤔", "thinking face"],
    ["😅", "sweat smile"],
    ["😢", "crying face"],
    ["😮", "surprised"],
    ["🙏", "folded hands"],
    ["👍", "thumbs up"],
    ["👎", "thumbs down"],
    ["👋", "waving hand"],
    ["👏", "clapping hands"],
    ["🙌", "raised hands"],
    ["💪", "flexed biceps"],
    ["🤝", "handshake"],
    ["❤️", "red heart"],
    ["🎉", "party popper"],
    ["✅", "check mark"],
    ["❌", "cross mark"],
    ["⭐", "star"],
    ["🔥", "fire"],
    ["📞", "telephone"],
    ["📅", "calendar"],
    ["⏰", "alarm clock"],
    ["📍", "pin"],
    ["🚚", "delivery truck"],
    ["📦", "package"],
    ["💳", "credit card"],
    ["🏠", "house"],
];

const useStyles = makeStyles({
    grid: { display: "grid", gridTemplateColumns: "repeat(8, 32px)", gap: tokens.spacingHorizontalXXS },
    item: { minWidth: "32px", width: "32px", height: "32px", fontSize: "18px", paddingLeft: 0, paddingRight: 0 },
});

export interface EmojiPickerProps {
    disabled?: boolean;
    onPick: (emoji: string) => void;
}

export const EmojiPicker = React.memo(function EmojiPicker({ disabled, onPick }: EmojiPickerProps): React.ReactElement {
    const styles = useStyles();
    const [open, setOpen] = React.useState(false);
    return (
        <Popover open={open} onOpenChange={(_, data) => setOpen(data.open)} trapFocus>
            <PopoverTrigger disableButtonEnhancement>
                <Button appearance="subtle" disabled={disabled} aria-label="Emoji" title="Emoji">
                    <span aria-hidden="true">😊</span>
                </Button>
            </PopoverTrigger>
            <PopoverSurface aria-label="Emoji">
                <div className={styles.grid} role="group" aria-label="Emoji">
                    {EMOJI.map(([emoji, name]) => (
                        <Button
                            key={emoji}
                            className={styles.item}
                            appearance="subtle"
                            aria-label={name}
                            title={name}
                            onClick={() => {
                                onPick(emoji);
                                setOpen(false);
                            }}
                        >
                            {emoji}
                        </Button>
                    ))}
                </div>
            </PopoverSurface>
        </Popover>
    );
});

/**
 * The few glyphs the chat needs, drawn inline: @fluentui/react-icons is not a platform library and would be
 * bundled (notes/toolchain.md section 3).
 */
import * as React from "react";

const Svg = ({ children, label }: { children: React.ReactNode; label?: string }): React.ReactElement => (
    <svg
        width="14"
        height="14"
        viewBox="0 0 16 16"
        fill="currentColor"
        aria-hidden={label ? undefined : true}
        role={label ? "img" : undefined}
        aria-label={label}
        focusable="false"
    >
        {children}
    </svg>
);

export const ClockIcon = (): React.ReactElement => (
    <Svg>
        <path d="M8 1.5a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13Zm0 1a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM7.5 4a.5.5 0 0 1 .5.5V8h2a.5.5 0 0 1 0 1H7.5a.5.5 0 0 1-.5-.5v-4a.5.5 0 0 1 .5-.5Z" />
    </Svg>
);

export const CheckIcon = (): React.ReactElement => (
    <Svg>
        <path d="M13.35 4.15a.5.5 0 0 1 0 .7l-7 7a.5.5 0 0 1-.7 0l-3-3a.5.5 0 1 1 .7-.7L6 10.79l6.65-6.64a.5.5 0 0 1 .7 0Z" />
    </Svg>
);

export const DoubleCheckIcon = (): React.ReactElement => (
    <Svg>
        <path d="M11.85 4.15a.5.5 0 0 1 0 .7l-6.5 6.5a.5.5 0 0 1-.7 0l-3-3a.5.5 0 1 1 .7-.7L5 10.29l6.15-6.14a.5.5 0 0 1 .7 0Zm3 0a.5.5 0 0 1 0 .7l-6.5 6.5a.5.5 0 0 1-.74-.04l-.5-.6a.5.5 0 1 1 .77-.64l.15.18 6.12-6.1a.5.5 0 0 1 .7 0Z" />
    </Svg>
);

export const WarningIcon = (): React.ReactElement => (
    <Svg>
        <path d="M7.13 2.5a1 1 0 0 1 1.74 0l5.5 9.75A1 1 0 0 1 13.5 13.75h-11a1 1 0 0 1-.87-1.5l5.5-9.75ZM8 5.5a.5.5 0 0 0-.5.5v3a.5.5 0 0 0 1 0V6a.5.5 0 0 0-.5-.5Zm0 6.25a.6.6 0 1 0 0-1.2.6.6 0 0 0 0 1.2Z" />
    </Svg>
);

export const PictureIcon = (): React.ReactElement => (
    <Svg>
        <path d="M3.5 2A1.5 1.5 0 0 0 2 3.5v9A1.5 1.5 0 0 0 3.5 14h9a1.5 1.5 0 0 0 1.5-1.5v-9A1.5 1.5 0 0 0 12.5 2h-9ZM3 3.5a.5.5 0 0 1 .5-.5h9a.5.5 0 0 1 .5.5v6.8l-2.65-2.65a.5.5 0 0 0-.7 0L7.5 9.8 6.35 8.65a.5.5 0 0 0-.7 0L3 11.3V3.5Zm0 9.2 3-3 3.15 3.15a.5.5 0 0 0 .2.15H3.5a.5.5 0 0 1-.5-.5v-.1Zm7.75.3L8.2 10.5l1.8-1.8 3 3v.8a.5.5 0 0 1-.5.5h-1.75ZM10 5.5a1 1 0 1 0 0 2 1 1 0 0 0 0-2Z" />
    </Svg>
);

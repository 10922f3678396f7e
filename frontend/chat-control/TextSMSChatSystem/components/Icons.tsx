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

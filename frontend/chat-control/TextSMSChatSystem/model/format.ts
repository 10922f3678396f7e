/** Day and time labels in the user's locale and time zone. */
import { DayFormat } from "./messages";

export interface ChatFormat extends DayFormat {
    time(date: Date): string;
    full(date: Date): string;
}

const pad = (value: number): string => String(value).padStart(2, "0");

export function localDayKey(date: Date): string {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function createFormat(locale?: string): ChatFormat {
    const day = new Intl.DateTimeFormat(locale, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
    const time = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
    const full = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
    return {
        dayKey: localDayKey,
        dayLabel(date: Date, now: Date): string {
            const key = localDayKey(date);
            if (key === localDayKey(now)) {
                return "Today";
            }
            const yesterday = new Date(now);
            yesterday.setDate(now.getDate() - 1);
            return key === localDayKey(yesterday) ? "Yesterday" : day.format(date);
        },
        time: (date) => time.format(date),
        full: (date) => full.format(date),
    };
}

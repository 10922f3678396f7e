/**
 * The pictures of a message: where each file is (`smsb_filestatus`) and the tile the chat shows for it. An inbound
 * MMS writes its media rows with the text and stores the files afterwards, so a row can be there before its file,
 * or stay without one when Twilio cannot hand the file over. Pure functions only.
 */
import { normalizeId, smsb_messagemedia } from "@smsb/shared";

const C = smsb_messagemedia.columns;
const FileStatus = smsb_messagemedia.choices.smsb_filestatus;

/** Where a picture's file is: in its row, on its way from Twilio, or never coming. */
export type MediaState = "stored" | "awaiting" | "unavailable";

export interface MediaItem {
    id: string;
    name: string;
    contentType: string;
    /** Where the browser loads it from (a Web API file URL, or an object URL before upload). */
    url: string;
    state: MediaState;
}

export type Row = Readonly<Record<string, unknown>>;

/** The media columns a message read expands (`$select` inside the `$expand`). */
export const MEDIA_SELECT = [C.smsb_messagemediaid, C.smsb_name, C.smsb_contenttype, C.smsb_filestatus, C.smsb_file];

const str = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/**
 * The state of a row from its File Status and whether its file column holds a file. Rows written before the
 * column existed have no status: a file makes them Stored, no file Awaiting File (the reconcile repairs those).
 */
export function mediaState(status: unknown, hasFile: boolean): MediaState {
    switch (status) {
        case FileStatus.Stored:
            return "stored";
        case FileStatus.AwaitingFile:
            return "awaiting";
        case FileStatus.Unavailable:
            return "unavailable";
        default:
            return hasFile ? "stored" : "awaiting";
    }
}

/** A Message Media row (from the message's `$expand`, or read on its own) as the chat shows it. */
export function mediaFromRow(row: Row, mediaUrl: (mediaId: string) => string): MediaItem {
    const raw = str(row[C.smsb_messagemediaid]);
    const id = raw ? normalizeId(raw) : "";
    // Selecting a file column answers its file id, or null while the row has no file.
    const hasFile = str(row[C.smsb_file]) !== null;
    return {
        id,
        name: str(row[C.smsb_name]) ?? "",
        contentType: str(row[C.smsb_contenttype]) ?? "",
        url: mediaUrl(id),
        state: mediaState(row[C.smsb_filestatus], hasFile),
    };
}

/** What the chat draws for one media item. */
export type MediaTile =
    | { kind: "picture"; url: string; alt: string }
    | { kind: "file"; url: string; name: string }
    | { kind: "awaiting"; title: string; name: string | null; label: string }
    | { kind: "unavailable"; title: string; reason: string; label: string };

export const AWAITING_TITLE = "Picture on its way";
export const UNAVAILABLE_TITLE = "Picture unavailable";
/**
 * The row does not say why (the Error Log row does): Twilio refused the file, no longer had it, or it never came
 * within a week (docs/operations.md, "Pictures").
 */
export const UNAVAILABLE_REASON = "Twilio could not hand over this file";

// Until its file is stored a row is named after its Twilio MediaSid, and a file Twilio sends without a name of its
// own is stored as "<MediaSid>.<extension>": neither means anything to a reader.
const MEDIA_SID = /^ME[0-9a-f]{32}(\.[0-9a-z]+)?$/i;

const shownName = (name: string): string | null => (name && !MEDIA_SID.test(name) ? name : null);

/** The tile of a media item: the picture, a link to a file that is not a picture, or why there is none yet. */
export function mediaTile(item: MediaItem): MediaTile {
    const name = shownName(item.name);
    switch (item.state) {
        case "awaiting":
            return {
                kind: "awaiting",
                title: AWAITING_TITLE,
                name,
                label: name ? `${AWAITING_TITLE}: ${name}` : AWAITING_TITLE,
            };
        case "unavailable":
            return {
                kind: "unavailable",
                title: UNAVAILABLE_TITLE,
                reason: UNAVAILABLE_REASON,
                label: `${UNAVAILABLE_TITLE}${name ? ` (${name})` : ""}: ${UNAVAILABLE_REASON}`,
            };
        default:
            // No content type (a row written before the type was kept) is taken for a picture, as before.
            if (item.contentType && !item.contentType.toLowerCase().startsWith("image/")) {
                return { kind: "file", url: item.url, name: name ?? "Attachment" };
            }
            return { kind: "picture", url: item.url, alt: name ?? "Picture" };
    }
}

/** Media ids whose file is still on its way: the feed reads these rows again until each settles. */
export function awaitingMedia(media: readonly MediaItem[]): string[] {
    return media.filter((item) => item.state === "awaiting" && item.id !== "").map((item) => item.id);
}

/** Two media lists show the same tiles. */
export function sameMedia(a: readonly MediaItem[], b: readonly MediaItem[]): boolean {
    return (
        a.length === b.length &&
        a.every(
            (item, index) => item.id === b[index].id && item.state === b[index].state && item.name === b[index].name,
        )
    );
}

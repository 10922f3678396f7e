/**
 * The control's manifest properties and its limits, in one place. Table, column and choice names come from the
 * generated `@smsb/shared` names (solution/tables), never from here.
 */

export const ManifestConstants = {
    dataset: "sessions",
    heightPx: "heightPx",
    pollSeconds: "pollSeconds",
    parentTable: "parentTable",
} as const;

export const Defaults = {
    heightPx: 560,
    pollSeconds: 5,
    minPollSeconds: 2,
    maxPollSeconds: 60,
    /** Interval while the page is hidden. */
    hiddenPollMs: 60_000,
    /** The ceiling of the back-off while Dataverse is busy (a longer Retry-After is honoured). */
    maxBackoffMs: 120_000,
    /** Twilio's MMS media limit. */
    maxAttachmentBytes: 5 * 1024 * 1024,
    /** DESIGN.md 6.4: the server refuses longer bodies. */
    maxBodyChars: 1600,
    /** Sessions the subgrid hands over at once. */
    sessionPageSize: 100,
    /** Pages (of 250 rows) read per query on the first load. */
    maxPages: 8,
} as const;

import { describe, expect, it } from "vitest";
import {
    AWAITING_TITLE,
    UNAVAILABLE_REASON,
    UNAVAILABLE_TITLE,
    awaitingMedia,
    mediaFromRow,
    mediaState,
    mediaTile,
    type MediaItem,
} from "../TextSMSChatSystem/model/media";
import { applyMediaUpdates, awaitingMediaIds } from "../TextSMSChatSystem/model/messages";
import { message } from "./fakes";

const url = (id: string): string => `/api/data/v9.2/smsb_messagemedias(${id})/smsb_file/$value`;
const SID = "ME0123456789abcdef0123456789abcdef";

/** A media row as the Web API answers it, through to the tile the chat draws. */
const tileOf = (row: Record<string, unknown>) => mediaTile(mediaFromRow(row, url));

describe("media row → tile", () => {
    it("Stored: the picture, its name as the text alternative", () => {
        expect(
            tileOf({
                smsb_messagemediaid: "{AB-1}",
                smsb_name: "receipt.jpg",
                smsb_contenttype: "image/jpeg",
                smsb_filestatus: 2,
                smsb_file: "9f0c",
            }),
        ).toEqual({ kind: "picture", url: url("ab-1"), alt: "receipt.jpg" });
    });

    it("Stored under its MediaSid (Twilio gave no file name): 'Picture' is the text alternative", () => {
        const row = { smsb_messagemediaid: "m1", smsb_contenttype: "image/jpeg", smsb_filestatus: 2, smsb_file: "f" };
        expect(tileOf({ ...row, smsb_name: `${SID}.jpg` })).toMatchObject({ kind: "picture", alt: "Picture" });
        expect(tileOf({ ...row, smsb_name: "ME-holiday.jpg" })).toMatchObject({ alt: "ME-holiday.jpg" });
    });

    it("Awaiting File: 'Picture on its way', with the file name when the row has one", () => {
        expect(
            tileOf({ smsb_messagemediaid: "m1", smsb_name: "Picture 1", smsb_filestatus: 1, smsb_file: null }),
        ).toEqual({
            kind: "awaiting",
            title: "Picture on its way",
            name: "Picture 1",
            label: "Picture on its way: Picture 1",
        });
    });

    it("Awaiting File named after its Twilio MediaSid shows no name: the SID is not a file name", () => {
        expect(tileOf({ smsb_messagemediaid: "m1", smsb_name: SID, smsb_filestatus: 1 })).toEqual({
            kind: "awaiting",
            title: AWAITING_TITLE,
            name: null,
            label: AWAITING_TITLE,
        });
    });

    it("Unavailable: 'Picture unavailable' with a short reason, even if a file id is somehow there", () => {
        const tile = tileOf({ smsb_messagemediaid: "m1", smsb_name: SID, smsb_filestatus: 3, smsb_file: "9f0c" });
        expect(tile).toEqual({
            kind: "unavailable",
            title: UNAVAILABLE_TITLE,
            reason: UNAVAILABLE_REASON,
            label: `Picture unavailable: ${UNAVAILABLE_REASON}`,
        });
        expect(UNAVAILABLE_TITLE).toBe("Picture unavailable");
    });

    it("rows from before File Status existed: Stored with a file, Awaiting File without one", () => {
        const old = { smsb_messagemediaid: "m1", smsb_name: "cat.png", smsb_contenttype: "image/png" };
        expect(tileOf({ ...old, smsb_filestatus: null, smsb_file: "9f0c" }).kind).toBe("picture");
        expect(tileOf({ ...old, smsb_filestatus: null, smsb_file: null }).kind).toBe("awaiting");
        expect(tileOf(old).kind).toBe("awaiting"); // the expand did not even name the columns
        expect(mediaState(undefined, true)).toBe("stored");
        expect(mediaState(99, false)).toBe("awaiting"); // a value this version does not know: as if unset
    });

    it("a stored file that is not a picture is a link with its name", () => {
        expect(
            tileOf({
                smsb_messagemediaid: "m1",
                smsb_name: "contact.vcf",
                smsb_contenttype: "text/vcard",
                smsb_filestatus: 2,
                smsb_file: "9f0c",
            }),
        ).toEqual({ kind: "file", url: url("m1"), name: "contact.vcf" });
    });
});

describe("media polling", () => {
    const item = (id: string, state: MediaItem["state"], name = "Picture 1"): MediaItem => ({
        id,
        name,
        contentType: "image/jpeg",
        url: url(id),
        state,
    });

    it("lists the media still awaiting their file, once each", () => {
        expect(awaitingMedia([item("a", "awaiting"), item("b", "stored"), item("c", "unavailable")])).toEqual(["a"]);
        const messages = [
            message({ id: "1", media: [item("a", "awaiting"), item("b", "awaiting")] }),
            message({ id: "2", media: [item("c", "stored")] }),
        ];
        expect(awaitingMediaIds(messages)).toEqual(["a", "b"]);
    });

    it("a row read again as Stored turns the tile into the picture, in place; nothing new keeps the list", () => {
        const messages = [
            message({ id: "1", media: [item("a", "awaiting"), item("b", "awaiting")] }),
            message({ id: "2", body: "other" }),
        ];
        const next = applyMediaUpdates(messages, [item("b", "stored", "photo.jpg")]);
        expect(next[0].media.map((m) => [m.id, m.state, m.name])).toEqual([
            ["a", "awaiting", "Picture 1"],
            ["b", "stored", "photo.jpg"],
        ]);
        expect(next[1]).toBe(messages[1]);
        expect(mediaTile(next[0].media[1]).kind).toBe("picture");
        expect(applyMediaUpdates(next, [item("b", "stored", "photo.jpg")])).toBe(next);
        expect(applyMediaUpdates(next, [])).toBe(next);
    });
});

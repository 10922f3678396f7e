/**
 * How many SMS segments a body costs, and in which encoding. A line-for-line mirror of the server's
 * `twilio_bridge/segments.py`; both are tested against `cases/segment-cases.json`.
 *
 * A body made only of GSM 03.38 default-alphabet and extension-table characters goes as GSM-7: units are
 * septets, an extension character costing two (ESC + code). Anything else makes the whole body UCS-2: units
 * are UTF-16 code units, so a character outside the Basic Multilingual Plane (most emoji) costs two.
 * One segment holds 160 septets or 70 units; a longer body is split into parts of 153 or 67, and a part is
 * closed early rather than splitting an escape sequence or a surrogate pair.
 */

export type Encoding = "GSM-7" | "UCS-2";

export interface SegmentInfo {
    encoding: Encoding;
    segments: number;
    units: number;
    perSegment: number;
}

// GSM 03.38 default alphabet, in table order, without ESC (0x1B).
export const GSM_BASIC: ReadonlySet<string> = new Set(
    Array.from(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ" +
            "ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
            "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
            "¿abcdefghijklmnopqrstuvwxyzäöñüà",
    ),
);
// GSM 03.38 extension table: each travels as ESC + code, two septets.
export const GSM_EXTENSION: ReadonlySet<string> = new Set(Array.from("\f^{}\\[~]|€"));

const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS_SINGLE = 70;
const UCS_MULTI = 67;

function gsmCosts(body: string): number[] | null {
    const costs: number[] = [];
    // for..of walks code points, as Python walks the characters of a str.
    for (const char of body) {
        if (GSM_BASIC.has(char)) {
            costs.push(1);
        } else if (GSM_EXTENSION.has(char)) {
            costs.push(2);
        } else {
            return null;
        }
    }
    return costs;
}

function ucs2Costs(body: string): number[] {
    const costs: number[] = [];
    for (const char of body) {
        costs.push((char.codePointAt(0) ?? 0) > 0xffff ? 2 : 1);
    }
    return costs;
}

function countParts(costs: number[], capacity: number): number {
    let parts = 1;
    let used = 0;
    for (const cost of costs) {
        if (used + cost > capacity) {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    return parts;
}

/** The encoding, segment count and length in units of an SMS body. */
export function segmentInfo(body: string): SegmentInfo {
    const gsm = gsmCosts(body);
    const [encoding, costs, single, multi]: [Encoding, number[], number, number] =
        gsm !== null ? ["GSM-7", gsm, GSM_SINGLE, GSM_MULTI] : ["UCS-2", ucs2Costs(body), UCS_SINGLE, UCS_MULTI];
    const units = costs.reduce((sum, cost) => sum + cost, 0);
    if (units <= single) {
        return { encoding, segments: 1, units, perSegment: single };
    }
    return { encoding, segments: countParts(costs, multi), units, perSegment: multi };
}

import { describe, expect, it } from "vitest";
import cases from "../cases/segment-cases.json";
import { segmentInfo } from "../src/segments";

interface Case {
    name: string;
    body: string;
    encoding: string;
    segments: number;
    units: number;
    per_segment: number;
}

describe("segmentInfo (the same cases as twilio_bridge/segments.py)", () => {
    it.each((cases.cases as Case[]).map((c) => [c.name, c] as const))("%s", (_name, c) => {
        expect(segmentInfo(c.body)).toEqual({
            encoding: c.encoding,
            segments: c.segments,
            units: c.units,
            perSegment: c.per_segment,
        });
    });

    it("covers both encodings", () => {
        expect(new Set((cases.cases as Case[]).map((c) => c.encoding))).toEqual(new Set(["GSM-7", "UCS-2"]));
    });
});

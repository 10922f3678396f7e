import { describe, expect, it } from "vitest";
import {
    bind,
    eq,
    lookupValue,
    odataQuery,
    normalizeId,
    odataDateTime,
    partyNavigation,
    quote,
    regardingNavigation,
} from "../src/dataverse/odata";
import { activityparty, smsb_messagesession, smsb_outbox } from "../src/names";

describe("the Web API's conventions", () => {
    it("normalizes ids from Xrm, PCF and the Web API to one form", () => {
        expect(normalizeId("{0A0B0C0D-AAAA-BBBB-CCCC-DDDDEEEEFFFF}")).toBe("0a0b0c0d-aaaa-bbbb-cccc-ddddeeeeffff");
        expect(normalizeId(null)).toBe("");
    });

    it("builds lookup properties, binds, date and string literals", () => {
        expect(lookupValue("smsb_session")).toBe("_smsb_session_value");
        expect(bind(smsb_messagesession.ref, "s1")).toBe("/smsb_messagesessions(s1)");
        expect(odataDateTime(new Date("2026-11-26T12:00:00.123Z"))).toBe("2026-11-26T12:00:00Z");
        expect(quote("O'Brien")).toBe("'O''Brien'");
    });

    it("writes query text from its parts, in the order the Web API documents them", () => {
        expect(
            odataQuery({
                orderBy: "modifiedon asc",
                filter: eq("statecode", 0),
                select: ["a", "b"],
                expand: "x($select=y)",
            }),
        ).toBe("?$select=a,b&$expand=x($select=y)&$filter=statecode eq 0&$orderby=modifiedon asc");
        expect(odataQuery({ select: [] })).toBe("");
        expect(eq("smsb_entitylogicalname", quote("contact"))).toBe("smsb_entitylogicalname eq 'contact'");
    });

    it("names Regarding and party navigation properties as the generated names do, for any table", () => {
        for (const activity of [smsb_messagesession, smsb_outbox]) {
            const regarding = Object.keys(activity.navigation).filter((n) => n.startsWith("regardingobjectid_"));
            expect(regarding.length).toBeGreaterThan(0);
            for (const name of regarding) {
                const target = name.slice("regardingobjectid_".length, -`_${activity.ref.logicalName}`.length);
                expect(regardingNavigation(activity.ref, target)).toBe(name);
            }
        }
        const parties = Object.keys(activityparty.navigation).filter((n) => n.startsWith("partyid_"));
        expect(parties.length).toBeGreaterThan(0);
        for (const name of parties) {
            expect(partyNavigation(name.slice("partyid_".length))).toBe(name);
        }
    });
});

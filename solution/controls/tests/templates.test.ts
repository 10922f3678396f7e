import cases from "../template-cases.json";
import {
    TemplateError,
    displayValue,
    escapeTemplate,
    parseTemplate,
    renderTemplate,
} from "../TextSMSChatSystem/model/templates";

interface Case { name: string; text: string; values: Record<string, string | null>; expected?: string; error?: string }

describe("renderTemplate (the same cases as messaging/templates.py)", () => {
    it.each((cases.cases as Case[]).map((c) => [c.name, c] as const))("%s", (_name, c) => {
        if (c.error !== undefined) {
            expect(() => renderTemplate(c.text, c.values)).toThrow(TemplateError);
            expect(() => renderTemplate(c.text, c.values)).toThrow(c.error);
        } else {
            expect(renderTemplate(c.text, c.values)).toBe(c.expected);
        }
    });
});

describe("parseTemplate", () => {
    it("lists each column once, in order of first use, in lower case", () => {
        expect(parseTemplate("{LastName}, {firstname} {lastname|x}").columns).toEqual(["lastname", "firstname"]);
    });

    it("says where a misplaced brace is", () => {
        expect(() => parseTemplate("Hello {name")).toThrow("the '{' at position 7 is never closed");
    });

    it("names the column that is missing from the record", () => {
        let caught: unknown;
        try {
            renderTemplate("{nickname}", {});
        } catch (error) {
            caught = error;
        }
        expect(caught).toBeInstanceOf(TemplateError);
        expect((caught as TemplateError).column).toBe("nickname");
    });
});

describe("escapeTemplate", () => {
    it("renders back to exactly the text typed, braces and all", () => {
        const typed = "Use code {SAVE10} :-} {{ok}}";
        expect(renderTemplate(escapeTemplate(typed), {})).toBe(typed);
    });
});

describe("displayValue", () => {
    it("prefers the formatted value, then the raw value", () => {
        const row = {
            statuscode: 1, "statuscode@OData.Community.Display.V1.FormattedValue": "Active",
            flag: true, count: 3, missing: null,
        };
        expect(displayValue(row, "statuscode")).toBe("Active");
        expect([displayValue(row, "flag"), displayValue(row, "count"), displayValue(row, "missing")]).toEqual(["Yes", "3", null]);
    });
});

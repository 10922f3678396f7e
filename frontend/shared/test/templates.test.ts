import { describe, expect, it } from "vitest";
import cases from "../cases/template-cases.json";
import { FORMATTED } from "../src/dataverse/odata";
import {
    TemplateError,
    displayValue,
    escapeTemplate,
    parseTemplate,
    renderTemplate,
    templateColumns,
    valuesFromRow,
} from "../src/templates";

interface Case {
    name: string;
    text: string;
    values: Record<string, string | null>;
    expected?: string;
    error?: string;
}

describe("renderTemplate (the same cases as messaging/outbound/templates.py)", () => {
    it("has cases to check", () => {
        expect(cases.cases.length).toBeGreaterThan(10);
    });

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
        expect(templateColumns("{b} {a|x} {B} {{c}}")).toEqual(["b", "a"]);
        expect(parseTemplate("{b} {a|x} {B} {{c}}").parts.at(-1)).toEqual({ kind: "literal", text: " {c}" });
    });

    it("says where a misplaced brace is", () => {
        expect(() => parseTemplate("Hello {name")).toThrow("the '{' at position 7 is never closed");
    });

    it.each([
        ["Hi {firstname", "never closed"],
        ["Hi }", "lone '}'"],
        ["{first name}", "does not name a column"],
        ["{}", "does not name a column"],
        ["{a{b}", "never closed"],
    ])("says where a brace is out of place in %j", (text, where) => {
        expect(() => parseTemplate(text)).toThrow(TemplateError);
        expect(() => parseTemplate(text)).toThrow(where);
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

describe("rendering", () => {
    it("gives an empty column its fallback or nothing", () => {
        const values = { firstname: "  ", lastname: null };
        expect(renderTemplate("Dear {firstname|customer}", values)).toBe("Dear customer");
        expect(renderTemplate("[{lastname}]", values)).toBe("[]");
        expect(renderTemplate("{firstname|}", values)).toBe("");
    });

    it("treats double braces as literal braces", () => {
        expect(renderTemplate("{{firstname}} is {firstname}", { firstname: "Avery" })).toBe("{firstname} is Avery");
        expect(renderTemplate("}}{{", {})).toBe("}{");
    });
});

describe("escapeTemplate", () => {
    it("renders back to exactly the text typed, braces and all", () => {
        const typed = "Use code {SAVE10} :-} {{ok}}";
        expect(renderTemplate(escapeTemplate(typed), {})).toBe(typed);
    });

    it.each(["", "plain", "{x}", "}{", "{{}}", "a {b|c} d"])("escapes %j so it renders to itself", (text) => {
        expect(renderTemplate(escapeTemplate(text), {})).toBe(text);
    });
});

describe("values from a Web API row", () => {
    it("prefers the formatted value, then the raw value", () => {
        const row = { statuscode: 1, [`statuscode${FORMATTED}`]: "Active", flag: true, count: 3, missing: null };
        expect(displayValue(row, "statuscode")).toBe("Active");
        expect([displayValue(row, "flag"), displayValue(row, "count"), displayValue(row, "missing")]).toEqual([
            "Yes",
            "3",
            null,
        ]);
    });

    it("fills placeholders with the columns' formatted values, column names in any case", () => {
        const row = { firstname: "Avery", donotphone: false, [`donotphone${FORMATTED}`]: "Allow" };
        const text = "Hi {FirstName}, calls: {donotphone}";
        expect(renderTemplate(text, valuesFromRow(row, templateColumns(text)))).toBe("Hi Avery, calls: Allow");
    });

    it("reads a lookup placeholder as the name of the record it points at", () => {
        const row = {
            _parentcustomerid_value: "9b1f6c1e-0000-0000-0000-000000000001",
            [`_parentcustomerid_value${FORMATTED}`]: "Contoso",
        };
        expect(renderTemplate("{parentcustomerid}", valuesFromRow(row, ["parentcustomerid"]))).toBe("Contoso");
    });

    it("uses raw values when Dataverse sends no formatted value", () => {
        expect(valuesFromRow({ flag: true, count: 3, missing: null }, ["flag", "count", "missing"])).toEqual({
            flag: "Yes",
            count: "3",
            missing: null,
        });
    });

    it("names a column the record does not have", () => {
        expect(() =>
            renderTemplate("Hi {favouritecolour}", valuesFromRow({ firstname: "A" }, ["favouritecolour"])),
        ).toThrow("{favouritecolour} names no column of the record");
    });
});

import { describe, expect, it } from "vitest";
import { TemplateError, escapeTemplate, parseTemplate, renderTemplate, templateColumns, valuesFromRow } from "../src/shared/templates";

const FORMATTED = "@OData.Community.Display.V1.FormattedValue";

describe("template preview (same rules as messaging/templates.py)", () => {
  it("fills placeholders with the columns' formatted values, column names in any case", () => {
    const row = { firstname: "Avery", donotphone: false, [`donotphone${FORMATTED}`]: "Allow" };
    const text = "Hi {FirstName}, calls: {donotphone}";
    expect(renderTemplate(text, valuesFromRow(row, templateColumns(text)))).toBe("Hi Avery, calls: Allow");
  });

  it("reads a lookup placeholder as the name of the record it points at", () => {
    const row = { _parentcustomerid_value: "9b1f6c1e-0000-0000-0000-000000000001", [`_parentcustomerid_value${FORMATTED}`]: "Contoso" };
    expect(renderTemplate("{parentcustomerid}", valuesFromRow(row, ["parentcustomerid"]))).toBe("Contoso");
  });

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

  it("names a column the record does not have", () => {
    expect(() => renderTemplate("Hi {favouritecolour}", valuesFromRow({ firstname: "A" }, ["favouritecolour"])))
      .toThrow("{favouritecolour} names no column of the record");
  });

  it("uses raw values when Dataverse sends no formatted value", () => {
    expect(valuesFromRow({ flag: true, count: 3, missing: null }, ["flag", "count", "missing"]))
      .toEqual({ flag: "Yes", count: "3", missing: null });
  });

  it("lists columns once, in order of use", () => {
    expect(templateColumns("{b} {a|x} {B} {{c}}")).toEqual(["b", "a"]);
    expect(parseTemplate("{b} {a|x} {B} {{c}}").at(-1)).toEqual({ kind: "literal", text: " {c}" });
  });

  it.each(["", "plain", "{x}", "}{", "{{}}", "a {b|c} d"])("escapes %j so it renders to itself", (text) => {
    expect(renderTemplate(escapeTemplate(text), {})).toBe(text);
  });
});

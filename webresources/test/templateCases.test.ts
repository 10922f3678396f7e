/**
 * The shared template cases (`solution/controls/template-cases.json`): the server (`messaging/templates.py`), the
 * chat control and these form scripts each render templates, and all three must give these same answers.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TemplateError, renderTemplate } from "../src/shared/templates";

interface TemplateCase {
  readonly name: string;
  readonly text: string;
  readonly values: Record<string, string | null>;
  readonly expected?: string;
  readonly error?: string;
}

const path = fileURLToPath(new URL("../../solution/controls/template-cases.json", import.meta.url));
const cases = (JSON.parse(readFileSync(path, "utf-8")) as { cases: TemplateCase[] }).cases;

describe("shared template cases", () => {
  it("has cases to check", () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  for (const c of cases) {
    it(c.name, () => {
      if (c.error !== undefined) {
        expect(() => renderTemplate(c.text, c.values)).toThrow(TemplateError);
        expect(() => renderTemplate(c.text, c.values)).toThrow(c.error);
      } else {
        expect(renderTemplate(c.text, c.values)).toBe(c.expected);
      }
    });
  }
});

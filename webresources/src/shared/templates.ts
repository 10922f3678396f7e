/**
 * Message template grammar, the same rules as `messaging/templates.py`: `{column}` is the column's formatted
 * value (falling back to the raw value), `{column|fallback}` gives `fallback` when the column is empty, `{{` and
 * `}}` are literal braces; any other brace is an error that says where. Column names compare in lower case.
 */
export class TemplateError extends Error {
  constructor(message: string, readonly column?: string) {
    super(message);
    this.name = "TemplateError";
  }
}

export type TemplatePart =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "placeholder"; readonly column: string; readonly fallback: string | null };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === "}") {
      if (text.startsWith("}}", index)) {
        literal += "}";
        index += 2;
        continue;
      }
      throw new TemplateError(`a lone '}' at position ${index + 1}; write '}}' for a literal brace`);
    }
    if (char !== "{") {
      literal += char;
      index += 1;
      continue;
    }
    if (text.startsWith("{{", index)) {
      literal += "{";
      index += 2;
      continue;
    }
    const close = text.indexOf("}", index + 1);
    const inside = close < 0 ? "" : text.slice(index + 1, close);
    if (close < 0 || inside.includes("{")) {
      throw new TemplateError(`the '{' at position ${index + 1} is never closed; write '{{' for a literal brace`);
    }
    const bar = inside.indexOf("|");
    const name = (bar < 0 ? inside : inside.slice(0, bar)).trim();
    if (!NAME.test(name)) {
      throw new TemplateError(
        `'{${inside}}' at position ${index + 1} does not name a column (use {column} or {column|fallback})`,
        name || undefined,
      );
    }
    if (literal) parts.push({ kind: "literal", text: literal });
    literal = "";
    parts.push({ kind: "placeholder", column: name.toLowerCase(), fallback: bar < 0 ? null : inside.slice(bar + 1) });
    index = close + 1;
  }
  if (literal) parts.push({ kind: "literal", text: literal });
  return parts;
}

/** The columns a template uses, each once, in order of first use. */
export function templateColumns(text: string | TemplatePart[]): string[] {
  const parts = typeof text === "string" ? parseTemplate(text) : text;
  const columns: string[] = [];
  for (const part of parts) {
    if (part.kind === "placeholder" && !columns.includes(part.column)) columns.push(part.column);
  }
  return columns;
}

/** Fill in the placeholders; a column missing from `values` is a `TemplateError` naming it. */
export function renderTemplate(text: string | TemplatePart[], values: Readonly<Record<string, string | null | undefined>>): string {
  const parts = typeof text === "string" ? parseTemplate(text) : text;
  let out = "";
  for (const part of parts) {
    if (part.kind === "literal") {
      out += part.text;
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(values, part.column)) {
      throw new TemplateError(`the placeholder {${part.column}} names no column of the record`, part.column);
    }
    const value = values[part.column];
    out += value === null || value === undefined || !value.trim() ? (part.fallback ?? "") : value;
  }
  return out;
}

/** `text` as a template that renders to exactly `text`. */
export function escapeTemplate(text: string): string {
  return text.replace(/\{/g, "{{").replace(/\}/g, "}}");
}

/**
 * Display values of a Web API row for the given columns: the formatted value when Dataverse sent one, else the
 * raw value (a lookup column `x` is read as `_x_value`). A column the row lacks is left out, so rendering names it.
 */
export function valuesFromRow(row: Readonly<Record<string, unknown>>, columns: readonly string[]): Record<string, string | null> {
  const formatted = "@OData.Community.Display.V1.FormattedValue";
  const values: Record<string, string | null> = {};
  for (const column of columns) {
    const prop = column in row ? column : `_${column}_value` in row ? `_${column}_value` : undefined;
    if (prop === undefined) continue;
    const display = row[`${prop}${formatted}`];
    const raw = row[prop];
    values[column] = display !== undefined && display !== null ? String(display)
      : raw === null || raw === undefined ? null
      : typeof raw === "boolean" ? (raw ? "Yes" : "No")
      : String(raw);
  }
  return values;
}

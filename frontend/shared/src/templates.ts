/**
 * Message templates filled in from a record: a mirror of the server's `messaging/outbound/templates.py` (both are tested
 * against `cases/template-cases.json`), used by the chat control and the Message Template form.
 *
 * `{column}` is the column's formatted value (falling back to the raw value), `{column|fallback}` gives
 * `fallback` when the column is empty, `{{` and `}}` are literal braces. Any other brace is a TemplateError
 * that says where. Column names are logical names compared in lower case.
 */

import { FORMATTED, lookupValue } from "./dataverse/odata";

export class TemplateError extends Error {
    readonly column: string | undefined;

    constructor(message: string, column?: string) {
        super(message);
        this.name = "TemplateError";
        this.column = column;
    }
}

export interface Literal {
    kind: "literal";
    text: string;
}

export interface Placeholder {
    kind: "placeholder";
    column: string;
    fallback: string | null;
}

export type Part = Literal | Placeholder;

export interface Template {
    parts: readonly Part[];
    /** The columns the placeholders name, each once, in order of first use. */
    columns: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Exactly the characters Python's str.isspace() accepts, so strip() agrees with the server.
const SPACE =
    "[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const EDGES = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

/** Python's str.strip(). */
function strip(text: string): string {
    return text.replace(EDGES, "");
}

function template(parts: Part[]): Template {
    const columns: string[] = [];
    for (const part of parts) {
        if (part.kind === "placeholder" && !columns.includes(part.column)) {
            columns.push(part.column);
        }
    }
    return { parts, columns };
}

/** Split `text` into literals and placeholders; a TemplateError names the first misplaced brace. */
export function parseTemplate(text: string): Template {
    const parts: Part[] = [];
    let literal = "";
    let index = 0;
    const length = text.length;
    while (index < length) {
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
        const name = strip(bar < 0 ? inside : inside.slice(0, bar));
        const fallback = bar < 0 ? null : inside.slice(bar + 1);
        if (!NAME.test(name)) {
            throw new TemplateError(
                `'{${inside}}' at position ${index + 1} does not name a column (use {column} or {column|fallback})`,
                name || undefined,
            );
        }
        if (literal) {
            parts.push({ kind: "literal", text: literal });
            literal = "";
        }
        parts.push({ kind: "placeholder", column: name.toLowerCase(), fallback });
        index = close + 1;
    }
    if (literal) {
        parts.push({ kind: "literal", text: literal });
    }
    return template(parts);
}

/** The columns a template uses, each once, in order of first use. */
export function templateColumns(text: string | Template): readonly string[] {
    return (typeof text === "string" ? parseTemplate(text) : text).columns;
}

/** `text` as a template that renders to exactly `text`. */
export function escapeTemplate(text: string): string {
    return text.replace(/\{/g, "{{").replace(/\}/g, "}}");
}

export type TemplateValues = Readonly<Record<string, string | null | undefined>>;

/**
 * Fill in the placeholders from `values` (column → display text, null or "" when empty). A column missing
 * from `values` is a TemplateError naming it.
 */
export function renderTemplate(text: string | Template, values: TemplateValues): string {
    const parsed = typeof text === "string" ? parseTemplate(text) : text;
    let out = "";
    for (const part of parsed.parts) {
        if (part.kind === "literal") {
            out += part.text;
            continue;
        }
        if (!Object.prototype.hasOwnProperty.call(values, part.column)) {
            throw new TemplateError(`the placeholder {${part.column}} names no column of the record`, part.column);
        }
        const value = values[part.column];
        if (value === null || value === undefined || !strip(value)) {
            out += part.fallback ?? "";
        } else {
            out += value;
        }
    }
    return out;
}

/** What a user sees for a Web API property: the formatted value when the service sent one, else the raw value. */
export function displayValue(row: Readonly<Record<string, unknown>>, property: string): string | null {
    const formatted = row[property + FORMATTED];
    if (typeof formatted === "string") {
        return formatted;
    }
    const raw = row[property];
    if (raw === null || raw === undefined) {
        return null;
    }
    if (typeof raw === "boolean") {
        return raw ? "Yes" : "No";
    }
    if (typeof raw === "string") {
        return raw;
    }
    if (typeof raw === "number" || typeof raw === "bigint") {
        return raw.toString();
    }
    return JSON.stringify(raw) ?? null;
}

/**
 * Display values of a Web API row for a template's columns: the formatted value when Dataverse sent one, else the
 * raw value; a lookup column `x` is read as `_x_value`. A column the row lacks is left out, so rendering names it.
 */
export function valuesFromRow(
    row: Readonly<Record<string, unknown>>,
    columns: readonly string[],
): Record<string, string | null> {
    const values: Record<string, string | null> = {};
    for (const column of columns) {
        const property = column in row ? column : lookupValue(column) in row ? lookupValue(column) : undefined;
        if (property !== undefined) {
            values[column] = displayValue(row, property);
        }
    }
    return values;
}
